"""Labels and the chain-of-custody form as PDF downloads.

Who may download them is who may see the items (``selectors``): an item the reader may not
see answers 404, and a batch leaves it out. Every download is written to the audit trail
after the check, with what it held.

``?size=`` picks the label stock (``labels.SIZES``; an unknown one is refused with the
list), ``?skip=`` leaves the first slots of a sheet blank, and on a seizure's batch
``?items=<label>,<label>`` prints only those items.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casetracker.core.audit.choices import AccessEvent
from casetracker.core.audit.services import audit_access
from seizures.models import Seizure

from . import labels
from .custody_pdf import custody_form, render_custody_pdf
from .selectors import item_get, items_of_seizure

MAX_ITEMS_PARAM = 500


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _stock(request) -> tuple[str, int] | HttpResponseBadRequest:
    size = request.GET.get("size") or labels.DEFAULT_SIZE
    if size not in labels.SIZES:
        offered = "\n".join(f"{key}: {stock.name}" for key, stock in labels.SIZES.items())
        return HttpResponseBadRequest(
            _("Unknown label size. Choose one of:") + "\n" + offered,
            content_type="text/plain; charset=utf-8",
        )
    try:
        skip = max(int(request.GET.get("skip") or 0), 0)
    except ValueError:
        return HttpResponseBadRequest(
            _("Give the number of labels to skip as a whole number."),
            content_type="text/plain; charset=utf-8",
        )
    return size, skip


@require_GET
@login_required
def item_label_pdf(request, label):
    item = item_get(user=request.user, label=label)
    stock = _stock(request)
    if isinstance(stock, HttpResponseBadRequest):
        return stock
    size, skip = stock
    content = labels.render_labels(labels.label_data([item]), size=size, skip=skip)
    audit_access(
        request=request,
        obj=item,
        event=AccessEvent.DOWNLOAD,
        extra={"format": "pdf", "document": "label", "size": size},
    )
    return _pdf(content, f"{item.label}-label.pdf")


@require_GET
@login_required
def seizure_labels_pdf(request, public_id):
    # The seizure itself need not be visible: a store holding some of its items prints
    # their labels. With no item to show, the seizure is not there for this reader.
    seizure = Seizure.objects.filter(public_id=public_id).first()
    if seizure is None:
        raise Http404
    items = items_of_seizure(user=request.user, seizure=seizure).select_related("seizure__port")
    chosen = request.GET.get("items")
    if chosen:
        wanted = [part.strip() for part in chosen.split(",") if part.strip()]
        items = items.filter(label__in=wanted[:MAX_ITEMS_PARAM])
    items = list(items.order_by("number"))
    if not items:
        raise Http404
    stock = _stock(request)
    if isinstance(stock, HttpResponseBadRequest):
        return stock
    size, skip = stock
    content = labels.render_labels(labels.label_data(items), size=size, skip=skip)
    audit_access(
        request=request,
        obj=seizure,
        event=AccessEvent.DOWNLOAD,
        extra={
            "format": "pdf",
            "document": "labels",
            "size": size,
            "items": [item.label for item in items],
        },
    )
    return _pdf(content, f"{seizure.reference}-labels.pdf")


@require_GET
@login_required
def item_custody_pdf(request, label):
    item = item_get(user=request.user, label=label)
    form = custody_form(user=request.user, item=item)
    content = render_custody_pdf(form)
    audit_access(
        request=request,
        obj=item,
        event=AccessEvent.DOWNLOAD,
        extra={
            "format": "pdf",
            "document": "custody_form",
            "events": len(form.events),
            "chain_head": item.chain_head,
            "chain_intact": form.problem is None,
        },
    )
    return _pdf(content, f"{item.label}-custody.pdf")
