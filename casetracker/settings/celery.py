"""Celery: tasks enqueued after commit, acknowledged late, one at a time per worker.

Without ``CELERY_BROKER_URL`` tasks run eagerly in-process so the embedded demo needs no
broker; with it (Redis in production) a worker and one beat process do the work.
"""

from django.core.exceptions import ImproperlyConfigured

from .env import env_int, env_str

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
if not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "memory://", "amqp://")):
    raise ImproperlyConfigured("CELERY_BROKER_URL must be a redis:// (or amqp://) URL.")

CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180, minimum=2)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    # The soft limit lets a task clean up; at or past the hard limit it would never fire.
    raise ImproperlyConfigured(
        "CELERY_TASK_SOFT_TIME_LIMIT must be lower than CELERY_TASK_TIME_LIMIT "
        f"({CELERY_TASK_SOFT_TIME_LIMIT} >= {CELERY_TASK_TIME_LIMIT})."
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task must be redelivered after a worker dies: the visibility timeout bounds how long
# Redis waits before handing an unacknowledged task to another worker. A running task
# still unacknowledged past it would be handed out a second time, so it must outlast the
# hard time limit.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 600, minimum=10)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT "
        f"({CELERY_VISIBILITY_TIMEOUT} <= {CELERY_TASK_TIME_LIMIT})."
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
