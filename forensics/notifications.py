"""Telling people about forensic deadlines, the way referrals do it.

A notification is written in the transaction that causes it and is unique per task, event
and addressee, so nothing is announced twice. Its e-mail is published after commit; the
deadline check re-publishes what a broker outage held back (``resend_unsent``), and the
delivery marks the row sent under a lock, so a redelivered task sends nothing more.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from casetracker.core.choices import Role
from casetracker.core.models import Unit, User

from .models import ForensicTask, Notification

logger = logging.getLogger(__name__)

RESEND_BATCH = 500


@dataclass(frozen=True)
class Addressee:
    user: User | None
    email: str


def people(unit: Unit | None, roles) -> list[Addressee]:
    if unit is None:
        return []
    return [
        Addressee(u, u.email) for u in unit.members.filter(is_active=True, role__in=list(roles))
    ]


def supervisors(unit: Unit | None) -> list[Addressee]:
    """A unit's supervisors, or its contact address when it has none."""
    found = people(unit, [Role.SUPERVISOR])
    if not found and unit is not None and unit.email:
        found.append(Addressee(None, unit.email))
    return found


def examiners(task: ForensicTask) -> list[Addressee]:
    """Who does the work: the assigned examiner, else the lab's examiners (or its mailbox)."""
    if task.assigned_to_id:
        return [Addressee(task.assigned_to, task.assigned_to.email)]
    found = people(task.lab, [Role.EXAMINER])
    if not found and task.lab.email:
        found.append(Addressee(None, task.lab.email))
    return found


def lab_desk(task: ForensicTask) -> list[Addressee]:
    """Who takes a new request in: the lab's examiners, custodians and supervisors, or its
    mailbox when nobody works there in the app."""
    found = people(task.lab, [Role.EXAMINER, Role.CUSTODIAN, Role.SUPERVISOR])
    if not found and task.lab.email:
        found.append(Addressee(None, task.lab.email))
    return found


def notify(*, task: ForensicTask, key: str, addressees: list[Addressee]) -> list[Notification]:
    """One notification per addressee for event ``key`` unless it exists; the e-mails of
    the new ones leave after commit."""
    created = []
    seen = set()
    for person in addressees:
        identity = person.user.pk if person.user else person.email.lower()
        if identity in seen or (person.user is None and not person.email):
            continue
        seen.add(identity)
        mine = Q(user=person.user) if person.user else Q(user=None, email=person.email)
        if Notification.objects.filter(mine, task=task, key=key).exists():
            continue
        context = {"task": task, "seizure": task.seizure, "site_url": settings.CASETRACKER_SITE_URL}
        with translation.override(settings.LANGUAGE_CODE[:2]):
            subject = render_to_string(f"forensics/email/{key}_subject.txt", context)
            body = render_to_string(f"forensics/email/{key}.txt", context)
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        task=task,
                        key=key,
                        user=person.user,
                        email=person.email,
                        subject=" ".join(subject.split())[:250],
                        body=body,
                    )
                )
        except IntegrityError:
            continue  # written meanwhile by a concurrent run: that one is the notification
    ids = [n.pk for n in created if n.email]
    if ids:
        transaction.on_commit(lambda: [publish(pk) for pk in ids])
    return created


def publish(notification_id: int) -> bool:
    """Hand one e-mail to the workers; False (logged) when the broker cannot be reached."""
    from .tasks import forensics_send_email

    try:
        forensics_send_email.apply_async(
            args=(notification_id,),
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5},
        )
    except Exception as exc:  # kombu's OperationalError, socket errors, …
        logger.warning("could not publish e-mail %s: %s; resent later", notification_id, exc)
        return False
    Notification.objects.filter(pk=notification_id).update(enqueued_at=timezone.now())
    return True


def resend_unsent(*, now: dt.datetime) -> int:
    """Publish again e-mails never published, or not sent some minutes after."""
    stale = now - dt.timedelta(minutes=settings.OUTBOX_RETRY_MINUTES)
    ids = list(
        Notification.objects.filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale), sent_at__isnull=True
        )
        .exclude(email="")
        .order_by("created_at")
        .values_list("pk", flat=True)[:RESEND_BATCH]
    )
    published = 0
    for pk in ids:
        if not publish(pk):
            break  # the broker is still away: the next run tries again
        published += 1
    return published


def notification_deliver(*, notification_id: int) -> bool:
    try:
        return _deliver(notification_id)
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
        raise


@transaction.atomic
def _deliver(notification_id: int) -> bool:
    notification = (
        Notification.objects.select_for_update()
        .filter(pk=notification_id, sent_at__isnull=True)
        .exclude(email="")
        .first()
    )
    if notification is None:
        return False
    EmailMessage(
        subject=notification.subject, body=notification.body, to=[notification.email]
    ).send()
    notification.sent_at = timezone.now()
    notification.attempts += 1
    notification.save(update_fields=["sent_at", "attempts"])
    return True
