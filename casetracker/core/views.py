from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from .roles import Action, can


@login_required
def home(request):
    """Where a person lands after logging in: evaluators on their figures, everyone else on
    the seizures of their unit."""
    if can(request.user, Action.EVALUATION_VIEW) and not can(request.user, Action.SEIZURE_VIEW):
        return redirect("reporting:seizures")
    return redirect("seizures:list")
