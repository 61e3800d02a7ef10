from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from .selectors import seizure_get
from .selectors import seizure_list as select_seizures


@login_required
def seizure_list(request):
    seizures = select_seizures(user=request.user)[:50]
    return render(request, "seizures/list.html", {"seizures": seizures})


@login_required
def seizure_detail(request, public_id):
    seizure = seizure_get(user=request.user, public_id=public_id)
    if seizure is None:
        raise Http404
    return render(request, "seizures/detail.html", {"seizure": seizure})
