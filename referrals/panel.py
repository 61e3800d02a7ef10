"""The referrals section of a seizure's page (registered in apps.py through seizures.panels).

The seizing unit sees every referral of the seizure, a recipient unit only its own; a
viewer with neither sees no section. One query, however many referrals.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse

from seizures.choices import SeizureStatus

from . import explain, selectors
from .forms import WithdrawForm
from .services import may_send
from .views import available_moves


def referral_panel(request, seizure):
    user = request.user
    sender = may_send(user, seizure)
    draft = seizure.status == SeizureStatus.DRAFT
    referrals = [] if draft else list(selectors.referrals_of_seizure(user=user, seizure=seizure))
    if not referrals and not sender:
        return None
    back = reverse("seizures:detail", kwargs={"public_id": seizure.public_id}) + "#referrals"
    for referral in referrals:
        referral.reason_lines = explain.reason_lines(referral.reasons)
        referral.may_withdraw = "withdraw" in available_moves(user, referral)
        if referral.may_withdraw:
            referral.withdraw_form = WithdrawForm(auto_id=f"withdraw-{referral.public_id}-%s")
    return render_to_string(
        "referrals/_panel.html",
        {
            "seizure": seizure,
            "referrals": referrals,
            "draft": draft,
            "may_add": sender and seizure.status == SeizureStatus.SUBMITTED,
            "back": back,
        },
        request=request,
    )
