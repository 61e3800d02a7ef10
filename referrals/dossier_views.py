"""The referral dossier PDF for signed-in users (the link holder's is in external_views)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from casetracker.core.audit.services import audit_access

from .choices import ReferralStatus
from .dossier import dossier_pdf
from .selectors import referral_get

# The recipient unit reads the dossier while it works on the referral and after closing
# it; declining or a withdrawal takes its access to the seizure away, and the dossier too.
RECIPIENT_READS = ReferralStatus.open_states() | {ReferralStatus.CLOSED}


def may_read_dossier(user, referral) -> bool:
    if user.is_superuser or user.unit_id == referral.seizure.unit_id:
        return True  # the sending unit, always
    return referral.recipient.unit_id == user.unit_id and referral.status in RECIPIENT_READS


@require_GET
@login_required
def referral_dossier(request, public_id):
    referral = referral_get(user=request.user, public_id=public_id)
    if not may_read_dossier(request.user, referral):
        raise Http404
    content = dossier_pdf(referral=referral)
    audit_access(
        request=request,
        obj=referral,
        event="download",
        extra={"format": "pdf", "handling_level": referral.handling_code},
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{referral.seizure.reference}-referral.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response
