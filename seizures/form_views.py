from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def seizure_create(request):
    raise Http404


@login_required
def seizure_edit(request, public_id):
    raise Http404


@login_required
def seizure_submit(request, public_id):
    raise Http404


@login_required
def port_search(request):
    raise Http404
