"""Pages of forensic work: requesting a task, a task's page with the moves the viewer may
make, the lab's queue, the lab report download, and the link proposals.

Reads go through forensics.selectors (what a user may not see answers 404), writes through
forensics.services, which decide who may act: a refused person answers 403, an
out-of-order move or bad input re-renders the page with the reason (400), nothing changed.
"""

from __future__ import annotations

import logging
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casetracker.core.audit.services import audit_access
from casetracker.core.choices import Role, UnitKind
from casetracker.core.roles import Action, can
from evidence.selectors import item_list
from seizures.selectors import seizure_get, seizure_list

from . import results, selectors, services
from .choices import TaskStatus
from .forms import AssignForm, LinkDecisionForm, RejectForm, ReportForm, RequestForm
from .models import ForensicTask

logger = logging.getLogger(__name__)

# A served file is never a page: it may not run scripts, load anything or be framed.
FILE_CSP = "default-src 'none'; sandbox"


def item_url(item) -> str | None:
    """The item's page, when the evidence pages are there to link to."""
    try:
        return reverse("evidence:item", kwargs={"label": item.label})
    except NoReverseMatch:
        return None


def _task_url(task: ForensicTask) -> str:
    return reverse("forensics:detail", kwargs={"public_id": task.public_id})


def put_errors(form, exc: ValidationError) -> list[str]:
    """Put a service's errors on the form's fields; return those that fit no field."""
    loose: list[str] = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            if form is not None and field in form.fields:
                form.add_error(field, errors)
            else:
                loose += [m for error in errors for m in error.messages]
    else:
        loose += exc.messages
    return loose


# --- requesting ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def task_request(request, public_id):
    """Ask a lab to examine the seizure or one of its items (``?item=`` preselects it)."""
    user = request.user
    seizure = seizure_get(user=user, public_id=public_id)
    if not services.may_request(user, seizure):
        raise PermissionDenied
    items = item_list(user=user).filter(seizure=seizure).exclude(state="disposed")
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        labs=selectors.labs(),
        items=items,
        initial={"item": items.filter(public_id=_uuid(request.GET.get("item"))).first()},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = services.task_request(
                    by=user,
                    seizure=seizure,
                    kind=data["kind"],
                    lab=data["lab"],
                    questions=data["questions"],
                    due_at=form.due_at(),
                    item=data["item"],
                )
            except ValidationError as exc:
                for message in put_errors(form, exc):
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("%(kind)s requested from %(lab)s.")
                    % {"kind": task.get_kind_display(), "lab": task.lab.name},
                )
                return redirect(_task_url(task))
    return render(
        request,
        "forensics/request.html",
        {"seizure": seizure, "form": form, "no_lab": not selectors.labs().exists()},
        status=status,
    )


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


# --- one task -------------------------------------------------------------------------------


def available_moves(user, task: ForensicTask) -> set[str]:
    moves = set()
    if services.may_manage(user, task):
        if task.status == TaskStatus.REQUESTED:
            moves |= {"accept", "reject"}
        if task.status in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS):
            moves.add("assign")
    if services.may_work(user, task):
        if task.status == TaskStatus.ACCEPTED:
            moves.add("start")
        if task.status in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS):
            moves.add("report")
    return moves


def detail_context(request, task: ForensicTask, **extra) -> dict:
    user = request.user
    moves = available_moves(user, task)
    examiners = selectors.lab_examiners(task.lab)
    context = {
        "task": task,
        "seizure": task.seizure,
        "seizure_visible": seizure_list(user=user).filter(pk=task.seizure_id).exists(),
        "item_url": item_url(task.item) if task.item_id else None,
        "events": list(task.events.select_related("by")),
        "results": results.display(task.kind, task.results) if task.results else [],
        "overdue": task.is_open and task.due_at < timezone.now(),
        "moves": moves,
        "move_errors": [],
        "accept_form": AssignForm(examiners=examiners, required=False, auto_id="accept-%s")
        if "accept" in moves
        else None,
        "reject_form": RejectForm() if "reject" in moves else None,
        "assign_form": AssignForm(examiners=examiners) if "assign" in moves else None,
        "report_form": ReportForm(kind=task.kind) if "report" in moves else None,
    }
    context.update(extra)
    return context


@require_GET
@login_required
def task_detail(request, public_id):
    task = selectors.task_get(user=request.user, public_id=public_id)
    response = render(request, "forensics/detail.html", detail_context(request, task))
    audit_access(request=request, obj=task, event="view")
    return response


def _step(request, public_id, step: str):
    user = request.user
    task = selectors.task_get(user=user, public_id=public_id)
    lab_move = step in ("accept", "reject", "assign")
    if not (services.may_manage(user, task) or (not lab_move and services.may_work(user, task))):
        # Whoever sees the task but is not its lab (the requesting side) only reads it.
        raise PermissionDenied
    examiners = selectors.lab_examiners(task.lab)
    if step == "accept":
        form = AssignForm(request.POST, examiners=examiners, required=False, auto_id="accept-%s")
    elif step == "reject":
        form = RejectForm(request.POST)
    elif step == "assign":
        form = AssignForm(request.POST, examiners=examiners)
    elif step == "report":
        form = ReportForm(request.POST, request.FILES, kind=task.kind)
    else:
        form = None
    errors: list[str] = []
    # The report's fields are validated by the service (it has the last word, and says
    # "not accepted" before "this field is missing").
    if form is None or step == "report" or form.is_valid():
        data = form.cleaned_data if form is not None and step != "report" else {}
        try:
            if step == "accept":
                services.task_accept(by=user, task=task, examiner=data.get("examiner"))
                done = _("Task accepted.")
            elif step == "reject":
                services.task_reject(by=user, task=task, reason=data["reason"])
                done = _("Task rejected; the requester sees why.")
            elif step == "assign":
                services.task_assign(by=user, task=task, examiner=data["examiner"])
                done = _("Task assigned.")
            elif step == "start":
                services.task_start(by=user, task=task)
                done = _("Work started.")
            else:
                services.task_report(
                    by=user, task=task, results=request.POST, upload=request.FILES.get("report")
                )
                done = _("Result filed.")
        except ValidationError as exc:
            errors = put_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(_task_url(task))
    task.refresh_from_db()
    extra: dict = {"move_errors": errors}
    if form is not None and step in available_moves(user, task):
        extra[f"{step}_form"] = form
    elif form is not None:
        extra["move_errors"] = errors + [m for errs in form.errors.values() for m in errs]
    return render(
        request, "forensics/detail.html", detail_context(request, task, **extra), status=400
    )


def _step_view(step: str):
    @login_required
    @require_POST
    def view(request, public_id):
        return _step(request, public_id, step)

    view.__name__ = view.__qualname__ = step
    return view


accept = _step_view("accept")
reject = _step_view("reject")
assign = _step_view("assign")
start = _step_view("start")
report = _step_view("report")


@login_required
@require_http_methods(["GET", "HEAD"])
def report_download(request, public_id):
    task = selectors.task_get(user=request.user, public_id=public_id)
    if not task.report:
        raise Http404
    try:
        handle = task.report.open("rb")
    except FileNotFoundError:
        logger.error("Lab report missing from storage: %s", task.report.name)
        raise Http404 from None
    audit_access(request=request, obj=task, event="download", extra={"sha256": task.report_sha256})
    response = FileResponse(
        handle, as_attachment=True, filename=task.report_name, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = FILE_CSP
    return response


# --- the lab's queue ------------------------------------------------------------------------


@require_GET
@login_required
def queue(request):
    """The lab's tasks, the one due first on top; overdue ones marked."""
    user = request.user
    if user.unit_id is None or user.unit.kind != UnitKind.FORENSIC_LAB:
        raise PermissionDenied
    view = "done" if request.GET.get("view") == "done" else "open"
    tasks = list(selectors.lab_queue(user=user, view=view)[:500])
    now = timezone.now()
    for task in tasks:
        task.overdue = task.is_open and task.due_at < now
        task.item_link = item_url(task.item) if task.item_id else None
    return render(request, "forensics/queue.html", {"tasks": tasks, "view": view})


# --- links between seizures ------------------------------------------------------------------


def _may_see_proposals(user) -> bool:
    return user.is_superuser or (
        can(user, Action.SEIZURE_VIEW)
        and (can(user, Action.REFERRAL_RESPOND) or user.role == Role.SUPERVISOR)
    )


def _links_page(request, *, status=200, errors=(), forms=None):
    links = list(selectors.proposals(user=request.user)[:200])
    for link in links:
        link.form = (forms or {}).get(link.pk) or LinkDecisionForm(
            auto_id=f"link-{link.public_id}-%s"
        )
    return render(
        request,
        "forensics/links.html",
        {"links": links, "errors": list(errors)},
        status=status,
    )


@require_GET
@login_required
def link_list(request):
    """Proposed links the user may decide: both seizures visible to them."""
    if not _may_see_proposals(request.user):
        raise PermissionDenied
    return _links_page(request)


def _decide(request, public_id, move: str):
    link = selectors.link_get(user=request.user, public_id=public_id)
    form = LinkDecisionForm(request.POST, auto_id=f"link-{link.public_id}-%s")
    errors: list[str] = []
    if form.is_valid():
        run = services.link_confirm if move == "confirm" else services.link_dismiss
        try:
            run(by=request.user, link=link, note=form.cleaned_data["note"])
        except ValidationError as exc:
            errors = put_errors(form, exc)
        else:
            messages.success(
                request, _("Link confirmed.") if move == "confirm" else _("Link dismissed.")
            )
            return redirect(_back(request))
    elif not services.may_decide(request.user, link):
        raise PermissionDenied
    return _links_page(request, status=400, errors=errors, forms={link.pk: form})


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("forensics:links")


@login_required
@require_POST
def link_confirm(request, public_id):
    return _decide(request, public_id, "confirm")


@login_required
@require_POST
def link_dismiss(request, public_id):
    return _decide(request, public_id, "dismiss")
