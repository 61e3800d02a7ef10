"""Every read of seizures goes through here and through the access helper.

What a user may not see does not exist for them: lists leave it out, detail look-ups
answer 404.
"""

from django.db.models import QuerySet
from django.http import Http404

from casetracker.core import access

from .models import Attachment, Seizure


def seizure_list(*, user) -> QuerySet[Seizure]:
    return access.restrict(user, "seizures.view_seizure", Seizure.objects.all()).select_related(
        "unit", "port"
    )


def seizure_get(*, user, public_id, for_change: bool = False) -> Seizure:
    perm = "seizures.change_seizure" if for_change else "seizures.view_seizure"
    queryset = Seizure.objects.select_related("unit", "port", "created_by")
    return access.get_or_404(user, perm, queryset, public_id=public_id)


def attachment_get(*, user, public_id) -> Attachment:
    """An attachment is visible exactly when its seizure is."""
    visible = seizure_list(user=user).values("pk")
    try:
        return Attachment.objects.select_related("seizure").get(
            seizure__in=visible, public_id=public_id
        )
    except Attachment.DoesNotExist:
        raise Http404 from None
