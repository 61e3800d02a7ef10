from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def attachment_upload(request, public_id):
    raise Http404


@login_required
def attachment_download(request, public_id):
    raise Http404


@login_required
def attachment_thumbnail(request, public_id):
    raise Http404
