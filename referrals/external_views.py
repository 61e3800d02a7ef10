"""The external recipient's response link: one referral, no account, nothing else.

``/r/<token>/`` shows the referral at its handling code and offers exactly the moves open
now; ``/r/<token>/dossier.pdf`` is its dossier. The token is the only credential
(referrals/links.py), so the pages keep it from leaking: no search indexing, no Referer
sent on, no caching, no links into the app. Every use is audited against the referral
(never with the token). A link that cannot be used answers 404 with a page that says why
(expired, broken, void) and nothing about any referral.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import can_proceed

from casetracker.core.audit.middleware import client_address
from casetracker.core.audit.services import audit_access

from . import dossier as dossiers
from . import services
from .choices import ClosingOutcome, DeclineReason, ReferralStatus
from .forms import OutcomeAnswerForm, OutcomeForm, OutcomeWithdrawForm
from .links import LinkInvalid, referral_from_token
from .models import Outcome, Referral
from .services import ExternalActor
from .views import outcome_rows, put_errors

# The link holder sees the referral's data while it is open or closed, as a recipient unit
# does; declining takes that away (withdrawing voids the link itself).
SHOWS_DATA = ReferralStatus.open_states() | {ReferralStatus.CLOSED}


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=DeclineReason.choices)
    text = forms.CharField(
        label=gettext_lazy("Explanation"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when the reason is 'other'."),
    )


class InvestigateForm(forms.Form):
    case_number = forms.CharField(label=gettext_lazy("Your case number"), max_length=80)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=ClosingOutcome.choices)
    text = forms.CharField(
        label=gettext_lazy("Details"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when the outcome is 'other'."),
    )


def _acknowledge(referral, data):
    return services.referral_acknowledge(actor=ExternalActor(referral.pk), referral=referral)


def _accept(referral, data):
    return services.referral_accept(actor=ExternalActor(referral.pk), referral=referral)


def _decline(referral, data):
    return services.referral_decline(
        actor=ExternalActor(referral.pk),
        referral=referral,
        reason=data["reason"],
        text=data["text"],
    )


def _investigate(referral, data):
    return services.referral_open_investigation(
        actor=ExternalActor(referral.pk), referral=referral, case_number=data["case_number"]
    )


def _close(referral, data):
    return services.referral_close(
        actor=ExternalActor(referral.pk),
        referral=referral,
        outcome=data["outcome"],
        text=data["text"],
    )


# move → (form or None, service call, the status it leads to, the confirmation).
MOVES = {
    "acknowledge": (
        None,
        _acknowledge,
        ReferralStatus.ACKNOWLEDGED,
        gettext_lazy("You acknowledged the referral. Thank you."),
    ),
    "accept": (
        None,
        _accept,
        ReferralStatus.ACCEPTED,
        gettext_lazy("You accepted the referral. Report your case number when you open one."),
    ),
    "decline": (
        DeclineForm,
        _decline,
        ReferralStatus.DECLINED,
        gettext_lazy("You declined the referral. The sender has been told."),
    ),
    "investigate": (
        InvestigateForm,
        _investigate,
        ReferralStatus.INVESTIGATING,
        gettext_lazy("Your investigation is recorded."),
    ),
    "close": (
        CloseForm,
        _close,
        ReferralStatus.CLOSED,
        gettext_lazy("The referral is closed with your outcome. Thank you."),
    ),
}


def open_moves(referral: Referral) -> list[str]:
    """The moves the link holder can make now, as the state machine allows them.

    Accepting or declining a referral not yet acknowledged acknowledges it on the way
    (services), so those two are open from "sent" too.
    """
    sent = referral.status == ReferralStatus.SENT
    allowed = {
        "acknowledge": can_proceed(referral.acknowledge),
        "accept": sent or can_proceed(referral.accept),
        "decline": sent or can_proceed(referral.decline),
        "investigate": can_proceed(referral.open_investigation),
        "close": can_proceed(referral.close),
    }
    return [move for move in MOVES if allowed[move]]


def _private(response: HttpResponse) -> HttpResponse:
    """Keep the token in the address bar out of indexes, Referer headers and caches."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    # Django logs every 4xx with the request path ("Bad Request: /r/<token>/"), which would
    # copy a working token into the server logs; the audit trail records these uses instead.
    response._has_been_logged = True
    return response


def _invalid(request, message, *, guess: bool = True) -> HttpResponse:
    """The page for a link that cannot be used; ``guess``: the link itself was unusable
    (forged, broken, expired, void), which counts towards the client's limit."""
    if guess:
        _failure_count(request, add=True)
    response = render(request, "referrals/respond_invalid.html", {"message": message}, status=404)
    return _private(response)


# --- guessing links: a client that keeps sending unusable ones is slowed down ------------

FAILURE_WINDOW_SECONDS = 60


def _failure_count(request, *, add: bool = False) -> int:
    """Unusable links this client sent in the current minute (counting one more if ``add``).

    A fixed window per address: the first failure opens it for a minute."""
    key = f"referrals:link-failures:{client_address(request) or 'unknown'}"
    if not add:
        return cache.get(key, 0)
    cache.add(key, 0, FAILURE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # the window closed between add and incr
        cache.set(key, 1, FAILURE_WINDOW_SECONDS)
        return 1


def _too_many(request) -> HttpResponse | None:
    """429 once the client sent too many unusable links this minute, for any link: a
    guesser learns nothing more, not even whether its next guess was right."""
    if _failure_count(request) < settings.REFERRAL_LINK_FAILURES_PER_MINUTE:
        return None
    message = _("Too many links that cannot be used were tried from your address. Wait a minute.")
    response = render(request, "referrals/respond_invalid.html", {"message": message}, status=429)
    response["Retry-After"] = str(FAILURE_WINDOW_SECONDS)
    return _private(response)


# --- the holder's language: the recipient's, unless they pick another on the page ------


def _language(request, referral: Referral) -> tuple[str, str]:
    """(the language to answer in, the ``?lang=`` to carry on links or "").

    The page is in the language the sender chose for the recipient (the e-mails' one),
    not the browser's: a counterpart's office PC may be set up in any language. A
    language picked on the page (``?lang=``) wins and is carried along.
    """
    available = dict(settings.LANGUAGES)
    chosen = request.GET.get("lang", "")
    if chosen in available:
        return chosen, chosen
    language = referral.recipient.language
    return (language if language in available else settings.LANGUAGE_CODE), ""


def _with_lang(url: str, chosen: str, **query) -> str:
    if chosen:
        query["lang"] = chosen
    return f"{url}?{urlencode(query)}" if query else url


def _in_language(view):
    """Run ``view(request, referral, token, chosen)`` in the holder's language."""

    def wrapped(request, referral, token, **kwargs):
        language, chosen = _language(request, referral)
        with translation.override(language):
            response = view(request, referral, token, chosen, **kwargs)
        response["Content-Language"] = language
        return response

    return wrapped


def _page(
    request,
    referral,
    token,
    chosen="",
    *,
    forms_=None,
    error=None,
    status=200,
    outcome_form=None,
    outcome_errors=None,
    outcome_change_forms=None,
) -> HttpResponse:
    moves = open_moves(referral)
    shows_data = referral.status in SHOWS_DATA
    forms_ = forms_ or {}
    done = request.GET.get("done")
    confirmation = None
    # The confirmation only says what the referral's state bears out.
    if done in MOVES and MOVES[done][2] == referral.status:
        confirmation = MOVES[done][3]
    outcome_ok = services.may_record_outcome(ExternalActor(referral.pk), referral)
    if done == "outcome" and outcome_ok:
        confirmation = _("Your outcome is recorded. Thank you.")
    elif done in OUTCOME_CHANGE_DONE and outcome_ok:
        confirmation = OUTCOME_CHANGE_DONE[done]
    outcomes = []
    if shows_data:
        outcomes = outcome_rows(
            referral,
            changeable=outcome_ok,
            action=lambda outcome, change: _with_lang(
                reverse(
                    f"referrals:respond-outcome-{change}",
                    kwargs={"token": token, "outcome_id": outcome.public_id},
                ),
                chosen,
            ),
            forms_=outcome_change_forms,
        )
    context = {
        "referral": referral,
        "token": token,
        "moves": moves,
        "outcomes": outcomes,
        "outcome_form": (outcome_form or OutcomeForm()) if outcome_ok else None,
        "outcome_errors": outcome_errors or [],
        "outcome_action": _with_lang(
            reverse("referrals:respond-outcome", kwargs={"token": token}), chosen
        ),
        "forms": {
            name: forms_.get(name) or MOVES[name][0]()
            for name in moves
            if MOVES[name][0] is not None
        },
        "error": error,
        "confirmation": confirmation,
        "dossier": dossiers.dossier_data(referral=referral) if shows_data else None,
        "action": _with_lang(reverse("referrals:respond", kwargs={"token": token}), chosen),
        "dossier_url": _with_lang(
            reverse("referrals:respond-dossier", kwargs={"token": token}), chosen
        ),
        "languages": [
            (code, _with_lang(reverse("referrals:respond", kwargs={"token": token}), code))
            for code, _name in settings.LANGUAGES
        ],
    }
    return _private(render(request, "referrals/respond.html", context, status=status))


def _audit(request, referral, event: str, **extra) -> None:
    audit_access(request=request, obj=referral, event=event, extra=extra or None)


def _messages(exc: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(message) for message in exc.messages]
    return [str(exc) or _("This step is not yours to take.")]


@require_http_methods(["GET", "POST"])
def respond(request, token):
    return _through_the_link(request, token, _respond)


def _through_the_link(request, token, view, **kwargs):
    """Every page of the link starts here: throttled, then the token read; ``view`` gets
    ``(request, referral, token, **kwargs)``."""
    if refused := _too_many(request):
        return refused
    try:
        referral = referral_from_token(token)
    except LinkInvalid as exc:
        return _invalid(request, exc.message)
    return view(request, referral, token, **kwargs)


@_in_language
def _respond(request, referral, token, chosen):
    if request.method == "GET":
        _audit(request, referral, "response_link_view")
        return _page(request, referral, token, chosen)

    move = request.POST.get("move", "")
    if move not in MOVES:
        _audit(request, referral, "response_link_refused", move=move[:40])
        return _page(
            request,
            referral,
            token,
            chosen,
            error=[_("Choose one of the steps offered.")],
            status=400,
        )
    form_class, act, _target, _done = MOVES[move]
    data = {}
    form = None
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            _audit(request, referral, f"response_link_{move}", result="refused")
            return _page(
                request,
                referral,
                token,
                chosen,
                forms_={move: form},
                error=[_("Please correct the form below.")],
                status=400,
            )
        data = form.cleaned_data
    try:
        act(referral, data)
    except (ValidationError, PermissionDenied) as exc:
        _audit(request, referral, f"response_link_{move}", result="refused")
        referral.refresh_from_db()
        return _page(
            request,
            referral,
            token,
            chosen,
            forms_={move: form} if form else None,
            error=_messages(exc),
            status=400,
        )
    _audit(request, referral, f"response_link_{move}", result="done")
    url = reverse("referrals:respond", kwargs={"token": token})
    return HttpResponseRedirect(_with_lang(url, chosen, done=move), status=303)


@require_POST
def outcome_add(request, token):
    """The link holder records an outcome; a refusal shows the page again with the form."""
    return _through_the_link(request, token, _outcome_add)


@_in_language
def _outcome_add(request, referral, token, chosen):
    form = OutcomeForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            outcome = services.outcome_record(
                referral=referral, actor=ExternalActor(referral.pk), via="link", **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            errors = put_errors(form, exc) if isinstance(exc, ValidationError) else _messages(exc)
        else:
            _audit(request, referral, "response_link_outcome", result="done", kind=outcome.kind)
            url = reverse("referrals:respond", kwargs={"token": token})
            return HttpResponseRedirect(_with_lang(url, chosen, done="outcome"), status=303)
    _audit(request, referral, "response_link_outcome", result="refused")
    referral.refresh_from_db()
    if not services.may_record_outcome(ExternalActor(referral.pk), referral):
        # No form on the page to correct: say why instead.
        errors = errors or [_("Outcomes are recorded once the referral is accepted.")]
        return _page(request, referral, token, chosen, error=errors, status=400)
    return _page(
        request,
        referral,
        token,
        chosen,
        error=[_("Please correct the form below.")],
        outcome_form=form,
        outcome_errors=errors,
        status=400,
    )


# After answering a request or withdrawing an outcome through the link (``?done=``).
OUTCOME_CHANGE_DONE = {
    "outcome-answer": gettext_lazy("The answer to the request is recorded. Thank you."),
    "outcome-withdraw": gettext_lazy("The outcome is withdrawn: it no longer counts."),
}


@require_POST
def outcome_answer(request, token, outcome_id):
    """The link holder records the answer to a pending request for legal assistance."""
    return _through_the_link(
        request, token, _outcome_change, outcome_id=outcome_id, change="answer"
    )


@require_POST
def outcome_withdraw(request, token, outcome_id):
    """The link holder withdraws an outcome recorded by mistake."""
    return _through_the_link(
        request, token, _outcome_change, outcome_id=outcome_id, change="withdraw"
    )


@_in_language
def _outcome_change(request, referral, token, chosen, *, outcome_id, change: str):
    event = f"response_link_outcome_{change}"
    # The link reaches this referral's outcomes only.
    outcome = Outcome.all_objects.filter(referral=referral, public_id=outcome_id).first()
    if outcome is None:
        _audit(request, referral, event, result="refused")
        return _page(
            request, referral, token, chosen, error=[_("No such outcome here.")], status=404
        )
    form_class = OutcomeAnswerForm if change == "answer" else OutcomeWithdrawForm
    form = form_class(request.POST, auto_id=f"outcome-{outcome.public_id}-{change}-%s")
    errors: list[str] = []
    if form.is_valid():
        actor = ExternalActor(referral.pk)
        try:
            if change == "answer":
                services.outcome_answer(
                    outcome=outcome, actor=actor, via="link", **form.cleaned_data
                )
            else:
                services.outcome_withdraw(
                    outcome=outcome, actor=actor, via="link", reason=form.cleaned_data["reason"]
                )
        except (ValidationError, PermissionDenied) as exc:
            errors = put_errors(form, exc) if isinstance(exc, ValidationError) else _messages(exc)
        else:
            _audit(request, referral, event, result="done", kind=outcome.kind)
            url = reverse("referrals:respond", kwargs={"token": token})
            return HttpResponseRedirect(
                _with_lang(url, chosen, done=f"outcome-{change}"), status=303
            )
    _audit(request, referral, event, result="refused")
    referral.refresh_from_db()
    return _page(
        request,
        referral,
        token,
        chosen,
        error=[_("Please correct the form below.")],
        outcome_errors=errors,
        outcome_change_forms={outcome.public_id: {change: form}},
        status=400,
    )


@require_GET
def dossier(request, token):
    return _through_the_link(request, token, _dossier)


@_in_language
def _dossier(request, referral, token, chosen):
    if referral.status not in SHOWS_DATA:
        return _invalid(
            request,
            _("This referral was declined: its seizure is no longer shared with you."),
            guess=False,
        )
    content = dossiers.dossier_pdf(referral=referral)
    _audit(request, referral, "response_link_dossier")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{referral.seizure.reference}-referral.pdf"'
    )
    return _private(response)
