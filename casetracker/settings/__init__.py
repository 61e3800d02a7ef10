"""casetracker settings: one module per concern, the environment read in ``env.py``.

With no environment the app runs embedded (SQLite, Celery eager); ``DATABASE_URL`` and
``CELERY_BROKER_URL`` switch to PostgreSQL and Redis; ``DJANGO_DEBUG=false`` is production.
"""

from .audit import *  # noqa: F403
from .base import *  # noqa: F403
from .celery import *  # noqa: F403
from .referrals import *  # noqa: F403
from .security import *  # noqa: F403
