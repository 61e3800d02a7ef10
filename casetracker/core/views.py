from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from .choices import Role
from .roles import Action, can

# Roles whose work starts from what was referred to them, not from what they logged.
_INBOX_ROLES = {Role.INVESTIGATOR, Role.NCB_OFFICER}


@login_required
def home(request):
    """Where a person lands after logging in: evaluators on their figures, investigators
    and NCB officers on their referral inbox, custodians on the evidence they hold,
    examiners on their lab's queue, everyone else on the seizures of their unit."""
    user = request.user
    if can(user, Action.EVALUATION_VIEW) and not can(user, Action.SEIZURE_VIEW):
        return redirect("reporting:seizures")
    if user.role in _INBOX_ROLES and not user.is_superuser:
        return redirect("referrals:inbox")
    if user.role == Role.CUSTODIAN and not user.is_superuser:
        return redirect("evidence:mine")
    if user.role == Role.EXAMINER and not user.is_superuser:
        return redirect("forensics:queue")
    return redirect("seizures:list")
