"""Telling people about referrals: the in-app inbox entries and the e-mails behind them.

A notification is written in the transaction that causes it (a referral sent, a deadline
passed) and unique per referral, event and addressee, so nothing is announced twice. The
e-mail goes out after commit through a task; the sweeper re-sends what a broker outage
held back. The body never holds the external response link: it is signed afresh when the
e-mail is sent, so the database holds no working link.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from casetracker.core.choices import Role
from casetracker.core.models import Unit, User

from .models import RESPONDER_ROLES, Notification, Recipient, Referral

logger = logging.getLogger(__name__)

# Replaced by a freshly signed response link when an e-mail to an external recipient is
# sent (see notification_deliver).
LINK_PLACEHOLDER = "[[response-link]]"


@dataclass(frozen=True)
class Addressee:
    user: User | None
    email: str
    language: str


def _language(user: User | None, fallback: str) -> str:
    # Users have no language preference yet: they read the site's default language.
    return fallback if user is None else settings.LANGUAGE_CODE[:2]


def responders(recipient: Recipient) -> list[Addressee]:
    """Who answers referrals to ``recipient``: the unit's responders and its mailbox, or
    the external contact's address."""
    people: list[Addressee] = []
    if recipient.unit_id:
        members = recipient.unit.members.filter(is_active=True, role__in=RESPONDER_ROLES)
        people += [Addressee(u, u.email, _language(u, recipient.language)) for u in members]
    mailbox = recipient.email or (recipient.unit.email if recipient.unit_id else "")
    if mailbox:
        people.append(Addressee(None, mailbox, recipient.language))
    return people


def supervisors(unit: Unit | None, language: str = "en") -> list[Addressee]:
    """A unit's supervisors, or its contact address when it has none."""
    if unit is None:
        return []
    people = [
        Addressee(u, u.email, _language(u, language))
        for u in unit.members.filter(is_active=True, role=Role.SUPERVISOR)
    ]
    if not people and unit.email:
        people.append(Addressee(None, unit.email, language))
    return people


def notify(
    *, referral: Referral, key: str, template: str, addressees: list[Addressee], extra=None
) -> list[Notification]:
    """Write one notification per addressee for event ``key`` unless it exists already;
    queue the e-mails of the new ones for after commit."""
    created = []
    seen = set()
    for person in addressees:
        identity = person.user.pk if person.user else person.email.lower()
        if identity in seen:
            continue
        seen.add(identity)
        if Notification.objects.filter(
            referral=referral,
            key=key,
            **({"user": person.user} if person.user else {"user": None, "email": person.email}),
        ).exists():
            continue
        subject, body = _render(referral, template, person, extra or {})
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        referral=referral,
                        key=key,
                        user=person.user,
                        email=person.email,
                        language=person.language,
                        subject=subject,
                        body=body,
                    )
                )
        except IntegrityError:
            # Written meanwhile by a concurrent run: that one is the notification.
            continue
    if created:
        from . import outbox

        outbox.enqueue_emails_on_commit([n.pk for n in created if n.email])
    return created


def _render(referral: Referral, template: str, person: Addressee, extra: dict):
    context = {
        "referral": referral,
        "seizure": referral.seizure,
        "recipient": referral.recipient,
        "addressee": person,
        "external": person.user is None and referral.recipient.is_external,
        "link_placeholder": LINK_PLACEHOLDER,
        "site_url": settings.CASETRACKER_SITE_URL,
        **extra,
    }
    with translation.override(person.language):
        subject = render_to_string(f"referrals/email/{template}_subject.txt", context)
        body = render_to_string(f"referrals/email/{template}.txt", context)
    return " ".join(subject.split())[:250], body


def notification_deliver(*, notification_id: int) -> bool:
    """Send one e-mail; True when it was sent now, False when there was nothing to send.

    The row stays locked while the mail goes out and is marked sent in the same
    transaction, so a redelivered task (after a worker died) finds it sent and stops. The
    Message-ID is the notification's own, so a mail server or reader that does receive a
    copy twice (the worker died between the server's acceptance and the commit) can tell.
    """
    try:
        return _deliver(notification_id)
    except Exception as exc:
        # Outside the rolled-back transaction, so the reason survives for the admin.
        Notification.objects.filter(pk=notification_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
        logger.warning("e-mail of notification %s failed: %s", notification_id, exc)
        raise


@transaction.atomic
def _deliver(notification_id: int) -> bool:
    from . import links

    notification = (
        Notification.objects.select_for_update()
        .select_related("referral", "referral__recipient")
        .filter(pk=notification_id, sent_at__isnull=True)
        .exclude(email="")
        .first()
    )
    if notification is None:
        return False
    body = notification.body
    if LINK_PLACEHOLDER in body:
        body = body.replace(LINK_PLACEHOLDER, links.response_url(notification.referral))
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "casetracker"
    EmailMessage(
        subject=notification.subject,
        body=body,
        to=[notification.email],
        headers={"Message-ID": f"<{notification.public_id}@{domain}>"},
    ).send()
    notification.sent_at = timezone.now()
    notification.attempts += 1
    notification.save(update_fields=["sent_at", "attempts"])
    return True
