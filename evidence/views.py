"""Pages of evidence: bagging items from a seizure, each item's page (the page a scanned
label opens, with the next custody action on top), one POST view per custody move, chain
verification, digital files, and the list of what a person holds.

Reads go through evidence.selectors (an item the user may not see answers 404), writes
through evidence.services, which decide who may act: a refused person gets 403, a move out
of order or bad input re-renders the item page with the reason (400) and changes nothing.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casetracker.core.audit.choices import AccessEvent
from casetracker.core.audit.services import audit_access
from casetracker.core.roles import Action, can
from seizures.selectors import seizure_get

from . import files, panels, selectors, services
from .choices import ItemState
from .forms import (
    CancelForm,
    CheckForm,
    DisposeForm,
    ItemForm,
    ReceiveForm,
    RejectForm,
    TransferForm,
)
from .models import EvidenceItem
from .verification import verify_item

PAGE_SIZE = 50


def available_actions(user, item: EvidenceItem) -> set[str]:
    """The custody moves ``user`` may make on ``item`` now (the services check again)."""
    if not can(user, Action.EVIDENCE_CUSTODY):
        return set()
    if item.state == ItemState.IN_CUSTODY and item.custodian_id == user.pk:
        return {"transfer", "check", "dispose", "sub-item"}
    if item.state == ItemState.IN_TRANSIT and item.transit_to_id == user.pk:
        return {"receive", "reject"}
    if item.state == ItemState.IN_TRANSIT and item.custodian_id == user.pk:
        return {"cancel"}
    return set()


def _item_url(item: EvidenceItem) -> str:
    return reverse("evidence:item", kwargs={"label": item.label})


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# The form of each custody move, by the name of its route.
MOVE_FORMS = {
    "transfer": TransferForm,
    "receive": ReceiveForm,
    "reject": RejectForm,
    "cancel": CancelForm,
    "check": CheckForm,
    "dispose": DisposeForm,
}


def move_form(name: str, item: EvidenceItem, user, data=None):
    """The form of move ``name``: bound to ``data`` when posted, else with the item's
    current condition and place filled in."""
    kwargs = {"auto_id": f"{name}-%s"}
    if name == "transfer":
        kwargs.update(item=item, by=user)  # who it may go to
    elif name == "dispose":
        kwargs["by"] = user  # who may witness
    if data is None:
        kwargs["initial"] = {"condition": item.condition}
        if name == "check":  # the holder's own place; a receiver says where it goes
            kwargs["initial"]["storage_location"] = item.storage_location
    return MOVE_FORMS[name](data, **kwargs)


def _forms_for(item: EvidenceItem, user, actions: set[str], bound: dict) -> dict:
    """One form per available move; the one that failed comes back bound, with errors."""
    return {
        name: bound.get(name) or move_form(name, item, user)
        for name in MOVE_FORMS
        if name in actions
    }


def _item_page(request, item: EvidenceItem, *, bound=None, status=200, verification=None):
    user = request.user
    actions = available_actions(user, item)
    events = list(selectors.events_of(item))
    seizure_visible = selectors.seizure_visible(user=user, item=item)
    return render(
        request,
        "evidence/item.html",
        {
            "item": item,
            "seizure": item.seizure,
            "seizure_visible": seizure_visible,
            "events": events,
            "seal_history": _seal_history(events),
            "children": list(selectors.children_of(item, user=user)),
            "parent_visible": item.parent_id
            and selectors.item_list(user=user).filter(pk=item.parent_id).exists(),
            "actions": actions,
            "forms": _forms_for(item, user, actions, bound or {}),
            "open_form": next(iter(bound)) if bound else "",
            # A refused move whose form is no longer offered (the item moved meanwhile)
            # still says why, above everything.
            "move_errors": [
                message
                for name, form in (bound or {}).items()
                if name not in actions
                for errors in form.errors.values()
                for message in errors
            ],
            "verification": verification,
            "panels": panels.render(request, item),
        },
        status=status,
    )


def _seal_history(events) -> list[dict]:
    """Each set of seals the item carried, from the event that put it on."""
    history, current = [], None
    for event in events:
        seals = list(event.seals or [])
        if seals != current:
            history.append({"seals": seals, "since": event})
            current = seals
    return history


@require_GET
@login_required
def item_detail(request, label: str):
    item = selectors.item_get(user=request.user, label=label)
    return _item_page(request, item)


@require_http_methods(["GET", "POST"])
@login_required
def item_add(request, public_id):
    """Bag an item from a seizure."""
    seizure = seizure_get(user=request.user, public_id=public_id)
    if not can(request.user, Action.EVIDENCE_CUSTODY):
        raise PermissionDenied
    return _bag_page(request, seizure=seizure, parent=None)


@require_http_methods(["GET", "POST"])
@login_required
def item_sub_add(request, label: str):
    """Take a sub-item (a sample, a swab) from an item one holds; a lab custodian does this
    without seeing the seizure."""
    parent = selectors.item_get(user=request.user, label=label)
    if "sub-item" not in available_actions(request.user, parent):
        raise PermissionDenied
    return _bag_page(request, seizure=parent.seizure, parent=parent)


def _bag_page(request, *, seizure, parent):
    if request.method == "POST":
        form = ItemForm(request.POST, request.FILES, seizure=seizure, parent=parent)
        if form.is_valid():
            item = _create(request, form, seizure=seizure, parent=parent)
            if item is not None:
                messages.success(
                    request,
                    _("%(label)s is in your custody. Print its label and seal the bag.")
                    % {"label": item.label},
                )
                if "another" in request.POST:
                    return redirect(request.path)
                return redirect(_item_url(item))
        status = 400
    else:
        initial = {"storage_location": parent.storage_location} if parent else {}
        form = ItemForm(seizure=seizure, parent=parent, initial=initial)
        status = 200
    return render(
        request,
        "evidence/add.html",
        {
            "seizure": seizure,
            "seizure_visible": parent is None
            or selectors.seizure_visible(user=request.user, item=parent),
            "parent": parent,
            "form": form,
        },
        status=status,
    )


def _create(request, form: ItemForm, *, seizure, parent) -> EvidenceItem | None:
    data = form.cleaned_data
    facts = None
    try:
        if data.get("file"):
            facts = files.store_upload(data["file"], seizure=seizure)
        item = services.item_create(
            seizure=seizure,
            by=request.user,
            kind=data["kind"],
            description=data["description"],
            storage_location=data["storage_location"],
            seal_numbers=data["seal_numbers"],
            condition=data["condition"],
            seized_item=data.get("seized_item") or (parent.seized_item if parent else None),
            parent=parent,
            file_facts=facts,
        )
    except BaseException as exc:
        # The item was not created: its file must not stay behind, unreferenced.
        if facts:
            files.discard(facts["stored_name"])
        if not isinstance(exc, ValidationError):
            raise
        _add_errors(form, exc)
        return None
    return item


# --- custody moves -----------------------------------------------------------------------


def _move(request, label: str, name: str, call):
    """Validate move ``name``'s form from the POST and run ``call(item, data)``; on refusal
    the item page comes back with the form and its errors (400)."""
    user = request.user
    item = selectors.item_get(user=user, label=label)
    # Someone who may hold evidence but not this move now (a stale page, another holder)
    # goes on to the service, which says why; a role that never holds evidence stops here.
    if name not in available_actions(user, item) and not can(user, Action.EVIDENCE_CUSTODY):
        raise PermissionDenied
    form = move_form(name, item, user, request.POST)
    if form.is_valid():
        try:
            call(item, form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(_item_url(item))
    # Read again: the service may have refused because someone else moved it meanwhile.
    item = selectors.item_get(user=user, label=label)
    return _item_page(request, item, bound={name: form}, status=400)


@require_POST
@login_required
def item_transfer(request, label: str):
    def call(item, data):
        services.transfer_start(
            item=item,
            by=request.user,
            to=data["to"],
            purpose=data["purpose"],
            place=data["place"],
            note=data["note"],
        )
        messages.success(
            request,
            _("%(label)s is in transit to %(name)s until they confirm receipt.")
            % {"label": item.label, "name": data["to"].get_full_name() or data["to"].username},
        )

    return _move(request, label, "transfer", call)


@require_POST
@login_required
def item_receive(request, label: str):
    def call(item, data):
        services.transfer_confirm(item=item, by=request.user, **data)
        messages.success(request, _("%(label)s is in your custody.") % {"label": item.label})

    return _move(request, label, "receive", call)


@require_POST
@login_required
def item_reject(request, label: str):
    def call(item, data):
        services.transfer_reject(item=item, by=request.user, reason=data["reason"])
        messages.success(
            request, _("You refused %(label)s; it stays with its sender.") % {"label": item.label}
        )

    return _move(request, label, "reject", call)


@require_POST
@login_required
def item_cancel(request, label: str):
    def call(item, data):
        services.transfer_cancel(item=item, by=request.user, note=data["note"])
        messages.success(
            request, _("The hand-over of %(label)s was cancelled.") % {"label": item.label}
        )

    return _move(request, label, "cancel", call)


@require_POST
@login_required
def item_check(request, label: str):
    def call(item, data):
        services.item_check(item=item, by=request.user, **data)
        messages.success(request, _("The check of %(label)s is recorded.") % {"label": item.label})

    return _move(request, label, "check", call)


@require_POST
@login_required
def item_dispose(request, label: str):
    def call(item, data):
        services.item_dispose(
            item=item,
            by=request.user,
            purpose=data["purpose"],
            witness=data["witness"],
            place=data["place"],
            note=data["note"],
        )
        messages.success(request, _("%(label)s was disposed of.") % {"label": item.label})

    return _move(request, label, "dispose", call)


# --- verification and digital files -----------------------------------------------------


@require_POST
@login_required
def item_verify(request, label: str):
    """Check the item's chain now and say so on its page: the first broken link, if any."""
    item = selectors.item_get(user=request.user, label=label)
    broken = verify_item(item)
    audit_access(request=request, obj=item, event="verify_chain", extra={"intact": broken is None})
    return _item_page(request, item, verification={"ok": broken is None, "broken": broken})


@require_GET
@login_required
def item_file(request, label: str):
    """The digital evidence file, always as a download (never shown inline), audited."""
    item = selectors.item_get(user=request.user, label=label)
    if not item.file:
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit_access(
        request=request, obj=item, event=AccessEvent.DOWNLOAD, extra={"sha256": item.file_sha256}
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.file_name or item.label,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@login_required
def item_file_verify(request, label: str):
    """Hash the stored copy again and compare it with the hash taken when it came in."""
    item = selectors.item_get(user=request.user, label=label)
    if not item.file:
        raise Http404
    now = files.file_sha256(item)
    ok = now == item.file_sha256
    audit_access(request=request, obj=item, event="verify_file", extra={"sha256": now, "ok": ok})
    if ok:
        messages.success(request, _("The stored file still has its SHA-256: it is unchanged."))
    elif now is None:
        messages.error(request, _("The stored file is missing."))
    else:
        messages.error(
            request,
            _("The stored file's SHA-256 is now %(now)s: it differs from the one recorded.")
            % {"now": now},
        )
    return redirect(_item_url(item))


# --- what I hold --------------------------------------------------------------------------


@require_GET
@login_required
def my_evidence(request):
    """Hand-overs waiting for me, what I hold, and my unit's store; and a label search."""
    user = request.user
    if not can(user, Action.EVIDENCE_CUSTODY):
        raise PermissionDenied
    wanted = (request.GET.get("label") or "").strip().upper()
    if wanted:
        found = selectors.item_list(user=user).filter(label=wanted).first()
        if found is not None:
            return redirect(_item_url(found))
        messages.error(
            request, _("No item labelled %(label)s that you may see.") % {"label": wanted}
        )
    store = Paginator(selectors.items_in_store(user=user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "evidence/mine.html",
        {
            "incoming": list(selectors.items_incoming(user=user)),
            "held": list(selectors.items_held(user=user)[:PAGE_SIZE]),
            "store": store,
            "wanted": wanted,
        },
    )
