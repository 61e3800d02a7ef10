"""Pages of referrals: the recipient unit's inbox, each referral's page, one POST view per
move of the life cycle, and referring a seizure by hand.

Reads go through referrals.selectors (a referral the user may not see answers 404),
writes through referrals.services, which decide who may make each move: a refused role
answers 403, an out-of-order move or bad input re-renders the referral page with the
reason (400) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import can_proceed

from casetracker.core.audit.services import audit_access
from casetracker.core.roles import Action, can
from seizures.choices import SeizureStatus
from seizures.selectors import seizure_get, seizure_list
from seizures.views import commodity_labels

from . import explain, selectors, services
from .choices import MlaResult, ReferralStatus
from .forms import (
    CloseForm,
    DeclineForm,
    InvestigateForm,
    OutcomeAnswerForm,
    OutcomeForm,
    OutcomeWithdrawForm,
    ReferralAddForm,
    WithdrawForm,
)
from .models import Outcome, Recipient, Referral
from .templatetags.referrals import Clock

PAGE_SIZE = 50
NOTIFICATIONS_SHOWN = 10


class IdsFirstPaginator(Paginator):
    """Pages through the ids alone, then loads one page's rows with their joins.

    A page deep in 5 000 referrals would otherwise join every skipped row to its seizure,
    unit and port before throwing it away; here only the 50 shown are joined, in the same
    one query (the page's ids are its subquery). ``rows`` (``selectors.inbox_rows`` or
    ``sent_rows``) says how a row is loaded."""

    def __init__(self, queryset, per_page, *, rows):
        self.rows = rows
        super().__init__(queryset.values("pk"), per_page)

    def _get_page(self, object_list, number, paginator):
        page = list(self.rows(Referral.objects.filter(pk__in=object_list)))
        return super()._get_page(page, number, paginator)


# --- who may do what here (the services check it again and have the last word) ----------


def available_moves(user, referral: Referral) -> set[str]:
    """The moves ``user`` may make on ``referral`` now, by the names of the POST routes."""
    moves = set()
    if services.may_respond(user, referral):
        if can_proceed(referral.acknowledge):
            moves.add("acknowledge")
        # Accepting or declining a referral not yet acknowledged acknowledges it on the way.
        if referral.status in ReferralStatus.awaiting_decision():
            moves |= {"accept", "decline"}
        if can_proceed(referral.open_investigation):
            moves.add("investigate")
        if can_proceed(referral.close):
            moves.add("close")
    if services.may_send(user, referral.seizure):
        if can_proceed(referral.withdraw):
            moves.add("withdraw")
        # A closed referral still takes outcomes, so its contact may need a fresh link.
        if referral.recipient.is_external and (
            referral.is_open or referral.status == ReferralStatus.CLOSED
        ):
            moves.add("new-link")
    return moves


# --- the inbox ---------------------------------------------------------------------------


def _inbox_empty_reason(user, view: str) -> str:
    if user.unit_id is None:
        return _("Your account belongs to no unit, and referrals are addressed to units.")
    if not can(user, Action.REFERRAL_RESPOND):
        return _(
            "Your role does not answer referrals. Referrals your unit sends are shown on "
            "each seizure's page."
        )
    if not Recipient.objects.filter(unit_id=user.unit_id).exists():
        return _("Your unit does not receive referrals: no routing rule or officer can pick it.")
    if view == "open":
        return _("Nothing waits for your unit: no open referral.")
    if view == "decided":
        return _("No referral declined, closed or withdrawn yet.")
    return _("Your unit has received no referral yet.")


@require_GET
@login_required
def inbox(request):
    """The unit's referrals, the one whose deadline comes first on top, 50 a page."""
    user = request.user
    if not can(user, Action.SEIZURE_VIEW):
        # Evaluators read referral figures through the evaluation pages only.
        raise PermissionDenied
    view = request.GET.get("view", "open")
    if view not in selectors.INBOX_VIEWS:
        view = "open"
    may_respond = can(user, Action.REFERRAL_RESPOND) and user.unit_id is not None
    page = IdsFirstPaginator(
        selectors.inbox(user=user, view=view), PAGE_SIZE, rows=selectors.inbox_rows
    ).get_page(request.GET.get("page"))
    rows = inbox_rows(list(page.object_list), may_respond=may_respond)
    decline_form = DeclineForm()
    here = request.get_full_path()
    return render(
        request,
        "referrals/inbox.html",
        {
            "view": view,
            "tabs": [
                ("open", _("Open")),
                ("decided", _("Decided")),
                ("all", _("All")),
            ],
            "page": page,
            "referrals": rows,
            "may_respond": may_respond,
            "empty_reason": "" if rows else _inbox_empty_reason(user, view),
            "notifications": selectors.notifications_for(user=user, limit=NOTIFICATIONS_SHOWN),
            "unread_messages": selectors.unread_count(user=user),
            "here": here,
            # Every row's forms carry the same two hidden fields: written once.
            "form_hidden": format_html(
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '<input type="hidden" name="next" value="{}">',
                get_token(request),
                here,
            ),
            # One decline form per row is written out by the template from these, built
            # once: 50 rows of Django form widgets cost ~150 ms a page to render.
            "decline_form": decline_form,
            "decline_options": format_html_join(
                "", '<option value="{}">{}</option>', decline_form.fields["reason"].choices
            ),
        },
    )


def _url_maker(name: str) -> Callable[[object], str]:
    """``reverse`` once per page for a route taking a referral's ``public_id``; each row
    then only puts its id in (200 reverses cost more than the rest of a row)."""
    placeholder = "00000000-0000-0000-0000-000000000000"
    pattern = reverse(name, kwargs={"public_id": placeholder})
    return lambda public_id: pattern.replace(placeholder, str(public_id))


def inbox_rows(
    rows: list[Referral],
    *,
    may_respond: bool,
    steps: tuple[str, ...] = ("detail", "acknowledge", "accept", "decline"),
) -> list[Referral]:
    """Give each row what it shows, worked out once per page where it can be: the status
    and commodity labels, the deadline's countdown and the routes of its buttons."""
    status_labels = {value: str(label) for value, label in ReferralStatus.choices}
    deadline_labels = {
        ReferralStatus.SENT: _("acknowledge"),
        ReferralStatus.ACKNOWLEDGED: _("answer"),
    }
    commodities: dict[tuple, str] = {}
    clock = Clock()
    urls = {step: _url_maker(f"referrals:{step}") for step in steps}
    for referral in rows:
        codes = tuple(referral.seizure.commodities)
        if codes not in commodities:
            commodities[codes] = ", ".join(commodity_labels(list(codes))) or "—"
        referral.commodity_text = commodities[codes]
        referral.status_label = status_labels.get(referral.status, referral.status)
        referral.deadline_label = deadline_labels.get(referral.status, "")
        referral.countdown = clock.html(referral.next_due) if referral.next_due else ""
        referral.urls = {step: make(referral.public_id) for step, make in urls.items()}
        referral.may_decide = may_respond and referral.status in (
            ReferralStatus.awaiting_decision()
        )
    return rows


# --- the referrals a unit sent ----------------------------------------------------------


def _sent_empty_reason(user, view: str) -> str:
    if user.unit_id is None:
        return _("Your account belongs to no unit, and referrals are sent by units.")
    if view == "open":
        return _("No referral of your unit's seizures is waiting or being worked on.")
    if view == "decided":
        return _("No referral of your unit's seizures declined, closed or withdrawn yet.")
    return _("No seizure of your unit has been referred yet.")


@require_GET
@login_required
def sent(request):
    """Referrals of the seizures the unit logged: where each stands and what is due next."""
    user = request.user
    if not can(user, Action.REFERRAL_SEND):
        raise PermissionDenied
    view = request.GET.get("view", "open")
    if view not in selectors.INBOX_VIEWS:
        view = "open"
    page = IdsFirstPaginator(
        selectors.sent(user=user, view=view), PAGE_SIZE, rows=selectors.sent_rows
    ).get_page(request.GET.get("page"))
    rows = inbox_rows(list(page.object_list), may_respond=False, steps=("detail",))
    return render(
        request,
        "referrals/sent.html",
        {
            "view": view,
            "tabs": [("open", _("Open")), ("decided", _("Decided")), ("all", _("All"))],
            "page": page,
            "referrals": rows,
            "empty_reason": "" if rows else _sent_empty_reason(user, view),
            "notifications": selectors.notifications_for(user=user, limit=NOTIFICATIONS_SHOWN),
            "unread_messages": selectors.unread_count(user=user),
            "here": request.get_full_path(),
        },
    )


@require_POST
@login_required
def notifications_read(request):
    """Mark every referral message of the user read, then go back where they were."""
    services.notifications_mark_read(user=request.user)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("referrals:inbox")
    return redirect(target)


# --- one referral ------------------------------------------------------------------------

# The forms of the moves that need words, with the id prefix each has on the page.
MOVE_FORMS: dict[str, tuple[str, type[forms.Form]]] = {
    "decline": ("decline_form", DeclineForm),
    "investigate": ("investigate_form", InvestigateForm),
    "close": ("close_form", CloseForm),
    "withdraw": ("withdraw_form", WithdrawForm),
}


def _move_form(step: str, data=None) -> forms.Form:
    _key, form_class = MOVE_FORMS[step]
    return form_class(data, auto_id=f"{step}-%s")


def detail_context(request, referral: Referral, **extra) -> dict:
    """Everything the referral page shows; a refused move re-renders it with its form."""
    user = request.user
    seizure = referral.seizure
    moves = available_moves(user, referral)
    context = {
        "referral": referral,
        "seizure": seizure,
        "commodity_labels": commodity_labels(seizure.commodities),
        "events": list(referral.events.select_related("by")),
        "reasons": explain.reason_lines(referral.reasons),
        "as_recipient": services.may_respond(user, referral),
        "as_sender": services.may_send(user, referral.seizure),
        # A recipient who declined, or whose referral was withdrawn, no longer sees it.
        "seizure_visible": seizure_list(user=user).filter(pk=seizure.pk).exists(),
        "moves": moves,
        "move_errors": [],
        "awaiting_ack": referral.status == ReferralStatus.SENT,
        "awaiting_answer": referral.status in ReferralStatus.awaiting_decision(),
    }
    for step, (key, _form_class) in MOVE_FORMS.items():
        context[key] = _move_form(step) if step in moves else None
    may_record = services.may_record_outcome(user, referral)
    context["outcomes"] = outcome_rows(
        referral,
        changeable=may_record,
        action=lambda outcome, change: reverse(
            f"referrals:outcome-{change}",
            kwargs={"public_id": referral.public_id, "outcome_id": outcome.public_id},
        ),
        forms_=extra.pop("outcome_change_forms", None),
    )
    context["outcome_form"] = OutcomeForm() if may_record else None
    context.update(extra)
    return context


def outcome_rows(referral: Referral, *, changeable: bool, action, forms_=None) -> list[Outcome]:
    """The referral's outcomes, withdrawn ones too (marked), for the list both sides read.

    For the recipient (``changeable``), each still counting carries the forms that change
    it, posted to ``action(outcome, "answer" | "withdraw")``: the answer next to a request
    still pending, and withdrawing. ``forms_`` ({public_id: {change: form}}) are forms
    refused a moment ago, shown again with what was typed."""
    rows = list(
        Outcome.all_objects.filter(referral=referral).select_related("recorded_by", "withdrawn_by")
    )
    forms_ = forms_ or {}
    for outcome in rows:
        outcome.answer_form = outcome.withdraw_form = None
        if not changeable or outcome.withdrawn_at is not None:
            continue
        again = forms_.get(outcome.public_id, {})
        prefix = f"outcome-{outcome.public_id}"
        if outcome.kind in services.MLA_KINDS and outcome.mla_result == MlaResult.PENDING:
            outcome.answer_form = again.get("answer") or OutcomeAnswerForm(
                auto_id=f"{prefix}-answer-%s"
            )
            outcome.answer_action = action(outcome, "answer")
        outcome.withdraw_form = again.get("withdraw") or OutcomeWithdrawForm(
            auto_id=f"{prefix}-withdraw-%s"
        )
        outcome.withdraw_action = action(outcome, "withdraw")
    return rows


@require_GET
@login_required
def referral_detail(request, public_id):
    referral = selectors.referral_get(user=request.user, public_id=public_id)
    response = render(request, "referrals/detail.html", detail_context(request, referral))
    audit_access(request=request, obj=referral, event="view")
    # Whoever opened it has seen what their messages about it announced.
    services.notifications_mark_read(user=request.user, referral=referral)
    return response


# --- the moves ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    run: Callable[..., Referral]  # (user, referral, cleaned form data) -> referral
    done: str  # the success message, with %(reference)s, %(recipient)s, %(case)s


STEPS: dict[str, Step] = {
    "acknowledge": Step(
        lambda user, referral, data: services.referral_acknowledge(actor=user, referral=referral),
        gettext_lazy("Referral of seizure %(reference)s acknowledged."),
    ),
    "accept": Step(
        lambda user, referral, data: services.referral_accept(actor=user, referral=referral),
        gettext_lazy("Referral of seizure %(reference)s accepted."),
    ),
    "decline": Step(
        lambda user, referral, data: services.referral_decline(
            actor=user, referral=referral, reason=data["reason"], text=data["text"]
        ),
        gettext_lazy(
            "Referral of seizure %(reference)s declined: your unit no longer sees the seizure."
        ),
    ),
    "investigate": Step(
        lambda user, referral, data: services.referral_open_investigation(
            actor=user, referral=referral, case_number=data["case_number"]
        ),
        gettext_lazy("Investigation %(case)s opened on seizure %(reference)s."),
    ),
    "close": Step(
        lambda user, referral, data: services.referral_close(
            actor=user, referral=referral, outcome=data["outcome"], text=data["text"]
        ),
        gettext_lazy("Referral of seizure %(reference)s closed."),
    ),
    "withdraw": Step(
        lambda user, referral, data: services.referral_withdraw(
            user=user, referral=referral, reason=data["reason"]
        ),
        gettext_lazy("Referral of seizure %(reference)s to %(recipient)s withdrawn."),
    ),
    "new-link": Step(
        lambda user, referral, data: services.referral_new_link(user=user, referral=referral),
        gettext_lazy(
            "A new response link was sent to %(recipient)s; the earlier links no longer work."
        ),
    ),
}


def put_errors(form: forms.Form | None, exc: ValidationError) -> list[str]:
    """Put a service's errors on the form's fields; return those that fit no field."""
    loose: list[str] = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            if form is not None and field in form.fields:
                form.add_error(field, errors)
            else:
                loose += [message for error in errors for message in error.messages]
    else:
        loose += exc.messages
    return loose


def _back(request, referral: Referral) -> str:
    """Where a move returns: ``next`` when it is a page of this site, else the referral."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("referrals:detail", kwargs={"public_id": referral.public_id})


def _step(request, public_id, step: str):
    referral = selectors.referral_get(user=request.user, public_id=public_id)
    form = _move_form(step, request.POST) if step in MOVE_FORMS else None
    errors: list[str] = []
    if form is None or form.is_valid():
        data = form.cleaned_data if form is not None else {}
        try:
            done = STEPS[step].run(request.user, referral, data)
        except ValidationError as exc:
            errors = put_errors(form, exc)
        else:
            messages.success(
                request,
                STEPS[step].done
                % {
                    "reference": done.seizure.reference,
                    "recipient": done.recipient.name,
                    "case": done.case_number,
                },
            )
            return redirect(_back(request, done))
    extra: dict = {"move_errors": errors}
    if form is not None:
        if step in available_moves(request.user, referral):
            extra[MOVE_FORMS[step][0]] = form  # shown again with what was typed
        else:
            # The form is not on the page (the move is out of order): say what was wrong.
            extra["move_errors"] = errors + [
                message for field_errors in form.errors.values() for message in field_errors
            ]
    context = detail_context(request, referral, **extra)
    return render(request, "referrals/detail.html", context, status=400)


def _step_view(step: str):
    @login_required
    @require_POST
    def view(request, public_id):
        return _step(request, public_id, step)

    view.__name__ = view.__qualname__ = step.replace("-", "_")
    return view


acknowledge = _step_view("acknowledge")
accept = _step_view("accept")
decline = _step_view("decline")
investigate = _step_view("investigate")
close = _step_view("close")
withdraw = _step_view("withdraw")
new_link = _step_view("new-link")


# --- outcomes ----------------------------------------------------------------------------


@login_required
@require_POST
def outcome_add(request, public_id):
    """Record what the follow-up achieved; a refusal re-renders the page with the form."""
    referral = selectors.referral_get(user=request.user, public_id=public_id)
    if not services.may_respond(request.user, referral):
        # The seizing unit sees the referral and its outcomes, but records none.
        raise PermissionDenied
    form = OutcomeForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            outcome = services.outcome_record(
                referral=referral, actor=request.user, via="app", **form.cleaned_data
            )
        except ValidationError as exc:
            errors = put_errors(form, exc)
        else:
            messages.success(
                request,
                _("Outcome recorded: %(kind)s on %(date)s.")
                % {"kind": outcome.get_kind_display(), "date": date_format(outcome.occurred_on)},
            )
            url = reverse("referrals:detail", kwargs={"public_id": referral.public_id})
            return redirect(url + "#outcomes")
    referral.refresh_from_db()
    extra: dict = {"outcome_errors": errors}
    if services.may_record_outcome(request.user, referral):
        extra["outcome_form"] = form  # shown again with what was typed
    else:
        # No form on the page to correct: say why instead.
        extra["outcome_errors"] = errors or [
            _("Outcomes are recorded once the referral is accepted.")
        ]
    return render(
        request, "referrals/detail.html", detail_context(request, referral, **extra), status=400
    )


@dataclass(frozen=True)
class OutcomeChange:
    form: type[forms.Form]
    run: Callable[..., Outcome]  # (user, outcome, cleaned form data) -> outcome
    done: str  # the success message, with %(kind)s and %(date)s


OUTCOME_CHANGES: dict[str, OutcomeChange] = {
    "answer": OutcomeChange(
        OutcomeAnswerForm,
        lambda user, outcome, data: services.outcome_answer(
            outcome=outcome, actor=user, via="app", **data
        ),
        gettext_lazy("Answer recorded on the request of %(date)s."),
    ),
    "withdraw": OutcomeChange(
        OutcomeWithdrawForm,
        lambda user, outcome, data: services.outcome_withdraw(
            outcome=outcome, actor=user, via="app", reason=data["reason"]
        ),
        gettext_lazy("Outcome withdrawn: %(kind)s on %(date)s. It no longer counts."),
    ),
}


def _outcome_change(request, public_id, outcome_id, change: str):
    """Answer a pending request or withdraw an outcome; a refusal re-renders the page with
    the form next to the outcome (400)."""
    referral = selectors.referral_get(user=request.user, public_id=public_id)
    if not services.may_respond(request.user, referral):
        raise PermissionDenied  # the seizing unit reads outcomes, changes none
    outcome = Outcome.all_objects.filter(referral=referral, public_id=outcome_id).first()
    if outcome is None:
        raise Http404
    step = OUTCOME_CHANGES[change]
    form = step.form(request.POST, auto_id=f"outcome-{outcome.public_id}-{change}-%s")
    errors: list[str] = []
    if form.is_valid():
        try:
            done = step.run(request.user, outcome, form.cleaned_data)
        except ValidationError as exc:
            errors = put_errors(form, exc)
        else:
            messages.success(
                request,
                step.done
                % {"kind": done.get_kind_display(), "date": date_format(done.occurred_on)},
            )
            url = reverse("referrals:detail", kwargs={"public_id": referral.public_id})
            return redirect(url + "#outcomes")
    referral.refresh_from_db()
    extra = {
        "outcome_errors": errors or [_("Please correct the form below.")],
        "outcome_change_forms": {outcome.public_id: {change: form}},
    }
    return render(
        request, "referrals/detail.html", detail_context(request, referral, **extra), status=400
    )


@login_required
@require_POST
def outcome_answer(request, public_id, outcome_id):
    return _outcome_change(request, public_id, outcome_id, "answer")


@login_required
@require_POST
def outcome_withdraw(request, public_id, outcome_id):
    return _outcome_change(request, public_id, outcome_id, "withdraw")


# --- referring by hand -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def referral_add(request, public_id):
    """Refer a submitted seizure of the unit to a recipient the rules did not pick."""
    seizure = seizure_get(user=request.user, public_id=public_id, for_change=True)
    if not can(request.user, Action.REFERRAL_SEND):
        raise PermissionDenied
    submitted = seizure.status == SeizureStatus.SUBMITTED
    form = ReferralAddForm(
        request.POST if request.method == "POST" else None,
        recipients=selectors.recipients_for(seizure=seizure),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if not submitted:
            form.is_valid()
            form.add_error(None, _("Only a submitted seizure can be referred."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                referral = services.referral_add(
                    user=request.user,
                    seizure=seizure,
                    recipient=data["recipient"],
                    handling_code=data["handling_code"],
                    ack_hours=data["ack_hours"],
                    respond_days=data["respond_days"],
                    message=data["message"],
                )
            except ValidationError as exc:
                for message in put_errors(form, exc):
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("Seizure %(reference)s was referred to %(recipient)s at H%(level)s.")
                    % {
                        "reference": seizure.reference,
                        "recipient": referral.recipient.name,
                        "level": referral.handling_code,
                    },
                )
                return redirect(
                    reverse("seizures:detail", kwargs={"public_id": seizure.public_id})
                    + "#referrals"
                )
    return render(
        request,
        "referrals/add.html",
        {"seizure": seizure, "form": form, "submitted": submitted},
        status=status,
    )
