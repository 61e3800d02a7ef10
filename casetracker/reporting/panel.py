"""The follow-up ladder on a seizure's page (registered in apps.py through seizures.panels).

It reads the kept rows only, never the facts: two queries whatever the number of
referrals (the seizure's row, and the rows of the referrals the viewer may see). The
overall ladder is shown to whoever may see the seizure; a referral's own ladder only to
those who may see that referral (the seizing unit, and the recipient its own).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from referrals.selectors import referral_list
from seizures.choices import SeizureStatus

from . import ladder
from .choices import REFERRAL_FLAGS, RUNG_FIELDS, Flag, Rung
from .models import ReferralProgress, SeizureProgress


@dataclass
class Step:
    rung: int
    label: str
    at: dt.datetime | None
    days: float | None  # from the seizure
    current: bool


@dataclass
class Raised:
    label: str
    at: dt.datetime | None


def _days(occurred_at, at) -> float | None:
    return None if at is None else (at - occurred_at).total_seconds() / 86400


def _steps(row, occurred_at, *, from_rung: int = Rung.LOGGED) -> list[Step]:
    rung = row.rung if row else Rung.LOGGED
    steps = []
    for value, label in Rung.choices:
        if value < from_rung:
            continue
        at = occurred_at if value == Rung.LOGGED else getattr(row, RUNG_FIELDS[value], None)
        steps.append(Step(value, label, at, _days(occurred_at, at), value == rung))
    return steps


def _flags(row, flags) -> list[Raised]:
    return [Raised(flag.label, getattr(row, flag.value, None) if row else None) for flag in flags]


def ladder_panel(request, seizure):
    if seizure.status == SeizureStatus.DRAFT:
        return None
    occurred_at = seizure.occurred_at
    row = SeizureProgress.objects.filter(seizure_id=seizure.pk).first()
    visible = referral_list(user=request.user).filter(seizure_id=seizure.pk).values("pk")
    referral_rows = list(
        ReferralProgress.objects.filter(referral_id__in=visible)
        .select_related("referral__recipient")
        .order_by("referral__sent_at", "referral_id")
    )
    rung = row.rung if row else Rung.LOGGED
    last = row.last_progress_at if row else occurred_at
    now = timezone.now()
    for referral_row in referral_rows:
        referral_row.steps = _steps(referral_row, occurred_at, from_rung=Rung.REFERRED)
        referral_row.raised = [f for f in _flags(referral_row, REFERRAL_FLAGS) if f.at]
    return render_to_string(
        "reporting/_ladder_panel.html",
        {
            "seizure": seizure,
            "zone": seizure.port.timezone,
            "rung": rung,
            "rung_label": Rung(rung).label,
            "steps": _steps(row, occurred_at),
            "flags": _flags(row, Flag),
            "hours_to_referral": row.hours_to_referral if row else None,
            "hours_to_ack": row.hours_to_ack if row else None,
            "last_progress_at": last,
            "stalled": ladder.is_stalled(rung, last, now=now),
            "stalled_days": ladder.stalled_days(),
            "referral_rows": referral_rows,
        },
        request=request,
    )
