"""Who gets what from every URL: the expectation table of tests/test_permission_matrix.py.

Every URL pattern of the project (pages, API routes, the schema) must have at least one
``Case`` here; the test walks the URL configuration and fails on a route without one, so a
new view cannot ship without someone deciding who may use it. Admin pages are one case:
every persona here is an ordinary user, for whom the whole admin is the admin login.

A case names the route, which fixture object fills its URL (``target``) and, per HTTP
method, what each persona gets:

- an HTTP status (200, 201, 204, 302, 400, 401, 403, 404, 405);
- ``LOGIN``: a redirect to the login page (anonymous visitors of pages);
- ``ADMIN_LOGIN``: a redirect to the admin's login page.

Personas (built in the test): ``anonymous``; ``owner``, an officer of the unit that logged
the seizure (ECGYE-PCU); ``supervisor``, that unit's supervisor, signed in with both
factors (gets what the owner gets unless the case says otherwise); ``other_unit``, an
officer of another port control unit (BEANR-PCU); ``recipient_before``, an investigator
of EC-INV looking at a seizure not shared with the unit; ``recipient_after``, the same
investigator looking at a seizure shared with EC-INV at H1; ``evaluator``, a programme
evaluator (unit EVAL).

Targets: ``seizure`` (the seizure the persona looks at), ``attachment`` / ``note`` (an H1
piece of it), ``attachment_h0`` / ``note_h0`` (an H0 piece: never leaves the owning unit),
``referral`` (a referral, in state "sent", of another seizure of the owning unit: to EC-INV
for every persona but ``recipient_before``, who tries one sent to an NCB instead);
``forensic_task`` (requested from a lab), ``forensic_report`` (reported, with its PDF) and
``seizure_link`` (proposed, to another seizure shared like this one): tests/forensics/matrix.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

LOGIN = "login"
ADMIN_LOGIN = "admin-login"

PERSONAS = (
    "anonymous",
    "owner",
    "supervisor",
    "other_unit",
    "recipient_before",
    "recipient_after",
    "evaluator",
)

# The admin is one route for the matrix (see the module docstring).
ADMIN_ROUTE = "admin:*"


@dataclass(frozen=True)
class Expect:
    anonymous: int | str
    owner: int | str
    supervisor: int | str
    other_unit: int | str
    recipient_before: int | str
    recipient_after: int | str
    evaluator: int | str

    def of(self, persona: str) -> int | str:
        return getattr(self, persona)


def everyone(status: int | str, **overrides) -> Expect:
    """``status`` for every persona but those named; the supervisor gets the owner's."""
    overrides.setdefault("supervisor", overrides.get("owner", status))
    return Expect(**{persona: overrides.get(persona, status) for persona in PERSONAS})


@dataclass(frozen=True)
class Case:
    route: str
    target: str | None = None
    methods: dict[str, Expect] = field(default_factory=dict)
    # Form or JSON body for POST/PUT/PATCH, by method; "json:" bodies are sent as JSON.
    bodies: dict[str, object] = field(default_factory=dict)
    query: str = ""
    path: str | None = None  # for routes that cannot be reversed (the admin group)
    kwargs: dict[str, str] = field(default_factory=dict)  # URL arguments besides the target


# --- the routes, as the URL configuration names them ---------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the pattern when the route has no name
    pattern: str
    converters: dict[str, str]


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            if inner == "admin":
                yield Route(ADMIN_ROUTE, pattern, {})
                continue
            yield from _walk(entry.url_patterns, pattern, inner)
        elif isinstance(entry, URLPattern):
            name = entry.name
            key = (f"{namespace}:{name}" if namespace else name) if name else pattern
            converters = {
                kwarg: type(converter).__name__
                for kwarg, converter in getattr(entry.pattern, "converters", {}).items()
            }
            yield Route(key, pattern, converters)


def all_routes() -> list[Route]:
    """Every route of the project, pages and API alike (DRF router routes included)."""
    return list(_walk(get_resolver().url_patterns))


# --- the table -----------------------------------------------------------------------------

_PAGE_GET_ONLY = {"POST": everyone(405)}

CASES: list[Case] = [
    # Public plumbing.
    Case("home", methods={"GET": everyone(302)}),
    Case("login", methods={"GET": everyone(200)}),
    # Logging out is a POST (a link could log anyone out); it ends the session.
    Case("logout", methods={"GET": everyone(405), "POST": everyone(LOGIN)}),
    Case("set_language", methods={"POST": everyone(302)}, bodies={"POST": {"language": "fr"}}),
    Case(ADMIN_ROUTE, path="/admin/", methods={"GET": everyone(ADMIN_LOGIN)}),
    # Seizure pages.
    Case(
        "seizures:list",
        methods={
            # Evaluators' role has no "seizure.view" (README, Roles): they read seizures
            # through /evaluation/ only, so the case-work list is refused like a role page.
            "GET": everyone(200, anonymous=LOGIN, evaluator=403),
            **_PAGE_GET_ONLY,
        },
    ),
    Case(
        "seizures:create",
        methods={
            # Only members of a control unit may log seizures.
            "GET": everyone(403, anonymous=LOGIN, owner=200, other_unit=200),
            "POST": everyone(403, anonymous=LOGIN, owner=200, other_unit=200),
        },
    ),
    Case("seizures:port-search", query="?q=ECG", methods={"GET": everyone(200, anonymous=LOGIN)}),
    Case(
        "seizures:detail",
        target="seizure",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
            **_PAGE_GET_ONLY,
        },
    ),
    Case(
        "seizures:edit",
        target="seizure",
        methods={
            # Recipients see a shared seizure; only the owning unit may change it.
            "GET": everyone(404, anonymous=LOGIN, owner=200),
            "POST": everyone(404, anonymous=LOGIN, owner=200),
        },
    ),
    Case(
        "seizures:submit",
        target="seizure",
        methods={
            "GET": everyone(405, anonymous=LOGIN),
            "POST": everyone(404, anonymous=LOGIN, owner=302),
        },
    ),
    Case(
        "seizures:attachment-upload",
        target="seizure",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=302),
            "POST": everyone(404, anonymous=LOGIN, owner=400),
        },
    ),
    Case(
        "seizures:attachment-download",
        target="attachment",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
            "POST": everyone(405, anonymous=LOGIN),
        },
    ),
    Case(
        "seizures:attachment-download",
        target="attachment_h0",
        methods={"GET": everyone(404, anonymous=LOGIN, owner=200)},
    ),
    Case(
        "seizures:attachment-thumbnail",
        target="attachment",
        methods={"GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200)},
    ),
    Case(
        "seizures:attachment-thumbnail",
        target="attachment_h0",
        methods={"GET": everyone(404, anonymous=LOGIN, owner=200)},
    ),
    Case(
        "seizures:pdf",
        target="seizure",
        methods={
            # Hidden first (404), then the role: evaluators never export a seizure.
            "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
            **_PAGE_GET_ONLY,
        },
    ),
    Case(
        "seizures:export-csv",
        methods={
            # The list as CSV holds each reader's own visible seizures only; evaluators
            # export through their own read path.
            "GET": everyone(200, anonymous=LOGIN, evaluator=403),
            **_PAGE_GET_ONLY,
        },
    ),
    Case(
        "seizures:note-add",
        target="seizure",
        methods={
            "GET": everyone(405, anonymous=LOGIN),
            # Notes go on seizures the reader's unit may change; recipients read them.
            "POST": everyone(404, anonymous=LOGIN, owner=302),
        },
        bodies={"POST": {"text": "Driver seen at gate 4", "handling_code": "1"}},
    ),
    Case(
        "seizures:share-add",
        target="seizure",
        methods={
            "GET": everyone(405, anonymous=LOGIN),
            # The owning unit's officer sees the seizure but may not share it (a
            # supervisor's action): 403; everyone else may not change it at all: 404.
            "POST": everyone(404, anonymous=LOGIN, owner=403, supervisor=302),
        },
        bodies={"POST": {"unit": "BEANR-PCU", "handling_level": "1"}},
    ),
    Case(
        "seizures:share-revoke",
        target="seizure",
        kwargs={"unit_code": "EC-INV"},
        methods={
            "GET": everyone(405, anonymous=LOGIN),
            "POST": everyone(404, anonymous=LOGIN, owner=403, supervisor=302),
        },
    ),
    # Role pages: not objects anybody could guess, so a refused role is told so (403).
    Case(
        "reporting:seizures",
        methods={"GET": everyone(403, anonymous=LOGIN, evaluator=200), **_PAGE_GET_ONLY},
    ),
    Case(
        "reporting:dashboard",
        methods={"GET": everyone(403, anonymous=LOGIN, evaluator=200), **_PAGE_GET_ONLY},
    ),
    Case(
        "audit:trail",
        methods={"GET": everyone(403, anonymous=LOGIN, supervisor=200), **_PAGE_GET_ONLY},
    ),
    Case(
        "audit:export-csv",
        methods={"GET": everyone(403, anonymous=LOGIN, supervisor=200), **_PAGE_GET_ONLY},
    ),
    # Account security: every signed-in user manages their own second factor.
    Case("accounts:security", methods={"GET": everyone(200, anonymous=LOGIN)}),
    Case(
        "accounts:otp",
        # Without a password step pending, there is no code to ask for.
        methods={"GET": everyone(302, anonymous=LOGIN)},
    ),
    # A second authenticator is not added with the password alone: who has one is sent on.
    Case("accounts:mfa_setup", methods={"GET": everyone(200, anonymous=LOGIN, supervisor=302)}),
    Case(
        "accounts:mfa_disable",
        methods={"GET": everyone(405, anonymous=LOGIN), "POST": everyone(302, anonymous=LOGIN)},
    ),
    # The API: anonymous clients are refused (403: session authentication comes first and
    # sends no WWW-Authenticate challenge), hidden seizures answer 404 like missing ones.
    Case(
        "api-token",
        methods={"GET": everyone(405), "POST": everyone(400)},
        bodies={"POST": {"username": "nobody", "password": "wrong"}},
    ),
    # The schema maps every endpoint and field: for signed-in users only.
    Case("api-schema", methods={"GET": everyone(200, anonymous=403)}),
    Case(
        "api-seizure-list",
        methods={
            "GET": everyone(200, anonymous=403, evaluator=403),
            # A complete, valid seizure: refusals are about who asks, not the body.
            "POST": everyone(403, anonymous=403, owner=201, other_unit=201),
        },
        bodies={"POST": "json:seizure"},
    ),
    Case(
        "api-seizure-detail",
        target="seizure",
        methods={
            "GET": everyone(404, anonymous=403, owner=200, recipient_after=200),
            "PATCH": everyone(404, anonymous=403, owner=200),
            "PUT": everyone(404, anonymous=403, owner=200),
            "DELETE": everyone(405, anonymous=403),
        },
        bodies={"PATCH": "json:patch", "PUT": "json:seizure"},
    ),
    Case(
        "api-seizure-submit",
        target="seizure",
        methods={
            "GET": everyone(405, anonymous=403),
            "POST": everyone(404, anonymous=403, owner=200),
        },
    ),
    # --- Referral API (referrals/api.py) ---------------------------------------------------
    # The ``referral`` target is "sent" to EC-INV; only its unit answers it, only the seizing
    # unit withdraws it, and for everyone else it does not exist (404). The service decides
    # who may move it (403) and in which order (400).
    Case(
        "api-referral-list",
        methods={
            "GET": everyone(200, anonymous=403, evaluator=403),
            # An empty body: senders hear what is missing, other roles that they may not.
            "POST": everyone(
                400, anonymous=403, recipient_before=403, recipient_after=403, evaluator=403
            ),
        },
    ),
    Case(
        "api-referral-detail",
        target="referral",
        methods={
            "GET": everyone(404, anonymous=403, owner=200, recipient_after=200),
            "PATCH": everyone(405, anonymous=403),
            "DELETE": everyone(405, anonymous=403),
        },
    ),
    Case(
        "api-referral-acknowledge",
        target="referral",
        methods={
            "GET": everyone(405, anonymous=403),
            # The seizing unit sees the referral but does not answer it.
            "POST": everyone(404, anonymous=403, owner=403, recipient_after=200),
        },
    ),
    Case(
        "api-referral-accept",
        target="referral",
        methods={"POST": everyone(404, anonymous=403, owner=403, recipient_after=200)},
    ),
    Case(
        "api-referral-decline",
        target="referral",
        methods={"POST": everyone(404, anonymous=403, owner=403, recipient_after=200)},
        bodies={"POST": {"reason": "no_link"}},
    ),
    Case(
        "api-referral-investigate",
        target="referral",
        # Still "sent": the recipient may investigate only once accepted.
        methods={"POST": everyone(404, anonymous=403, owner=403, recipient_after=400)},
        bodies={"POST": {"case_number": "FGE-2025-0042"}},
    ),
    Case(
        "api-referral-close",
        target="referral",
        methods={"POST": everyone(404, anonymous=403, owner=403, recipient_after=400)},
        bodies={"POST": {"outcome": "merged"}},
    ),
    Case(
        "api-referral-withdraw",
        target="referral",
        methods={"POST": everyone(404, anonymous=403, owner=200, recipient_after=403)},
        bodies={"POST": {"reason": "Sent by mistake"}},
    ),
    # --- outcomes (referrals/api.py): both sides read them; only the recipient records
    # them, and only once it accepted the referral (the target is still "sent": 400).
    Case(
        "api-referral-outcomes",
        target="referral",
        methods={
            "GET": everyone(404, anonymous=403, owner=200, recipient_after=200),
            "POST": everyone(404, anonymous=403, owner=403, recipient_after=400),
        },
        bodies={
            "POST": {
                "kind": "arrest",
                "occurred_on": "2025-01-01",
                "count": "2",
                "justification": "Arrest warrant executed",
            }
        },
    ),
    # Answering a pending request and withdrawing an outcome: the referral is looked up
    # first (404 to whoever may not see it), then the outcome on it; the matrix names one
    # that is not there (404 to everyone who sees the referral). Who may change an existing
    # one: tests/referrals/test_outcome_corrections.py.
    Case(
        "api-referral-outcome-answer",
        target="referral",
        kwargs={"outcome_id": "00000000-0000-4000-8000-000000000000"},
        methods={
            "GET": everyone(405, anonymous=403),
            "POST": everyone(404, anonymous=403),
        },
        bodies={"POST": {"mla_result": "executed", "answered_on": "2025-01-02"}},
    ),
    Case(
        "api-referral-outcome-withdraw",
        target="referral",
        kwargs={"outcome_id": "00000000-0000-4000-8000-000000000000"},
        methods={
            "GET": everyone(405, anonymous=403),
            "POST": everyone(404, anonymous=403),
        },
        bodies={"POST": {"reason": "Recorded by mistake"}},
    ),
    # --- end of outcomes (API)
    Case(
        "api-recipient-list",
        methods={
            "GET": everyone(200, anonymous=403, evaluator=403),
            "POST": everyone(405, anonymous=403),
        },
    ),
    # --- end of the referral API -----------------------------------------------------------
    Case(
        "api-evaluation-seizure-list",
        methods={
            "GET": everyone(403, evaluator=200),
            # Read-only: the role check answers first, the method after it.
            "POST": everyone(403, evaluator=405),
        },
    ),
    # --- the cohort's figures (issue 6): evaluators only, read-only ------------------------
    Case(
        "api-evaluation-cohort",
        methods={"GET": everyone(403, evaluator=200), "POST": everyone(403, evaluator=405)},
    ),
    Case(
        "api-evaluation-breakdown",
        query="?by=route",
        methods={"GET": everyone(403, evaluator=200), "POST": everyone(403, evaluator=405)},
    ),
    Case(
        "api-evaluation-stalled",
        methods={"GET": everyone(403, evaluator=200), "POST": everyone(403, evaluator=405)},
    ),
    Case(
        "api-evaluation-recipients",
        methods={"GET": everyone(403, evaluator=200), "POST": everyone(403, evaluator=405)},
    ),
    Case(
        "api-evaluation-mla",
        methods={"GET": everyone(403, evaluator=200), "POST": everyone(403, evaluator=405)},
    ),
    # --- end of the cohort's figures -------------------------------------------------------
    # --- referral pages (referrals/views.py) ---------------------------------------------
    # The inbox lists the reader's own unit's referrals (empty, saying why, for roles that
    # answer none); evaluators read referral figures through the evaluation pages only.
    Case(
        "referrals:inbox",
        methods={"GET": everyone(200, anonymous=LOGIN, evaluator=403), **_PAGE_GET_ONLY},
    ),
    # The seizing unit's sent referrals: for those who send them (officers, supervisors),
    # each seeing their own unit's (another PCU's officer gets an empty page); a role that
    # sends none is refused the page.
    Case(
        "referrals:sent",
        methods={
            "GET": everyone(
                200, anonymous=LOGIN, recipient_before=403, recipient_after=403, evaluator=403
            ),
            **_PAGE_GET_ONLY,
        },
    ),
    # "Mark all read" touches only the signed-in user's own messages: anyone signed in.
    Case(
        "referrals:notifications-read",
        methods={"GET": everyone(405), "POST": everyone(302, anonymous=LOGIN)},
    ),
    # A referral's page: the sending unit and the recipient unit; for others it is not there.
    Case(
        "referrals:detail",
        target="referral",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
            **_PAGE_GET_ONLY,
        },
    ),
    # The recipient's moves: the sending unit sees the referral but does not answer it (403).
    Case(
        "referrals:acknowledge",
        target="referral",
        methods={
            "GET": everyone(405, anonymous=LOGIN),
            "POST": everyone(404, anonymous=LOGIN, owner=403, recipient_after=302),
        },
    ),
    Case(
        "referrals:accept",
        target="referral",
        methods={"POST": everyone(404, anonymous=LOGIN, owner=403, recipient_after=302)},
    ),
    Case(
        "referrals:decline",
        target="referral",
        methods={"POST": everyone(404, anonymous=LOGIN, owner=403, recipient_after=302)},
        bodies={"POST": {"reason": "no_link"}},
    ),
    Case(
        "referrals:investigate",
        target="referral",
        # Still "sent": out of order, said on the page (400).
        methods={"POST": everyone(404, anonymous=LOGIN, owner=403, recipient_after=400)},
        bodies={"POST": {"case_number": "FGE-2025-0042"}},
    ),
    Case(
        "referrals:close",
        target="referral",
        methods={"POST": everyone(404, anonymous=LOGIN, owner=403, recipient_after=400)},
        bodies={"POST": {"outcome": "merged"}},
    ),
    # The sender's moves: the recipient sees the referral but may not take it back (403).
    Case(
        "referrals:withdraw",
        target="referral",
        methods={
            "GET": everyone(405, anonymous=LOGIN),
            "POST": everyone(404, anonymous=LOGIN, owner=302, recipient_after=403),
        },
        bodies={"POST": {"reason": "Sent by mistake"}},
    ),
    Case(
        "referrals:new-link",
        target="referral",
        # The referral goes to a unit, which answers in the app: no link to renew (400).
        methods={"POST": everyone(404, anonymous=LOGIN, owner=400, recipient_after=403)},
    ),
    # --- outcomes (referrals/views.py): the recipient records them once it accepted the
    # referral (the target is still "sent": said on the page, 400); the seizing unit 403.
    Case(
        "referrals:outcome-add",
        target="referral",
        methods={
            "GET": everyone(405, anonymous=LOGIN),
            "POST": everyone(404, anonymous=LOGIN, owner=403, recipient_after=400),
        },
        bodies={
            "POST": {
                "kind": "arrest",
                "occurred_on": "2025-01-01",
                "count": "2",
                "justification": "Arrest warrant executed",
            }
        },
    ),
    # Answering a pending request, withdrawing an outcome: the seizing unit changes none
    # (403); for the recipient the outcome named here is not on the referral (404).
    Case(
        "referrals:outcome-answer",
        target="referral",
        kwargs={"outcome_id": "00000000-0000-4000-8000-000000000000"},
        methods={
            "GET": everyone(405, anonymous=LOGIN),
            "POST": everyone(404, anonymous=LOGIN, owner=403),
        },
        bodies={"POST": {"mla_result": "executed", "answered_on": "2025-01-02"}},
    ),
    Case(
        "referrals:outcome-withdraw",
        target="referral",
        kwargs={"outcome_id": "00000000-0000-4000-8000-000000000000"},
        methods={
            "GET": everyone(405, anonymous=LOGIN),
            "POST": everyone(404, anonymous=LOGIN, owner=403),
        },
        bodies={"POST": {"reason": "Recorded by mistake"}},
    ),
    # --- end of outcomes (pages)
    Case(
        "referrals:add",
        target="seizure",
        methods={
            # Only the seizing unit refers by hand; the target is a draft, so the form
            # explains that it must be submitted first and a POST is refused (400).
            "GET": everyone(404, anonymous=LOGIN, owner=200),
            "POST": everyone(404, anonymous=LOGIN, owner=400),
        },
        bodies={"POST": {"handling_code": "1", "ack_hours": "24", "respond_days": "7"}},
    ),
    # --- end of the referral pages -------------------------------------------------------
    # --- the referral dossier and the external response link (dossier_views.py,
    # external_views.py) ---------------------------------------------------------------
    # The dossier: the sending unit always, the recipient unit while the referral is open
    # or closed; for everyone else the referral is not there.
    Case(
        "referrals:dossier",
        target="referral",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
            **_PAGE_GET_ONLY,
        },
    ),
    # The response link needs no account: the token is the only key. A token that does not
    # verify gets the same "this link cannot be used" page for everyone, signed in or not,
    # answered 404 (there is no referral to show); POST too, before any move is tried.
    Case(
        "referrals:respond",
        kwargs={"token": "not-a-valid-token"},
        methods={"GET": everyone(404), "POST": everyone(404)},
        bodies={"POST": {"move": "accept"}},
    ),
    # --- outcomes through the response link: POST only; a token that does not verify is
    # the same "link cannot be used" page (404) for everyone.
    Case(
        "referrals:respond-outcome",
        kwargs={"token": "not-a-valid-token"},
        methods={"GET": everyone(405), "POST": everyone(404)},
        bodies={"POST": {"kind": "arrest"}},
    ),
    Case(
        "referrals:respond-outcome-answer",
        kwargs={"token": "not-a-valid-token", "outcome_id": "00000000-0000-4000-8000-000000000000"},
        methods={"GET": everyone(405), "POST": everyone(404)},
        bodies={"POST": {"mla_result": "executed"}},
    ),
    Case(
        "referrals:respond-outcome-withdraw",
        kwargs={"token": "not-a-valid-token", "outcome_id": "00000000-0000-4000-8000-000000000000"},
        methods={"GET": everyone(405), "POST": everyone(404)},
        bodies={"POST": {"reason": "Recorded by mistake"}},
    ),
    # --- end of outcomes (response link)
    Case(
        "referrals:respond-dossier",
        kwargs={"token": "not-a-valid-token"},
        methods={"GET": everyone(404), "POST": everyone(405)},
    ),
    # --- end of the dossier and the response link --------------------------------------
    # --- Evidence pages (evidence/views.py) ---------------------------------------------
    # The ``item`` target is a digital evidence item of the persona's seizure, held by the
    # owner. An item is there for those who see its seizure (the owning unit, EC-INV once
    # shared) and nobody else: 404. Moves POSTed with an empty form answer 400 to whoever
    # may hold evidence and sees the item (the form names what is missing; the services
    # then decide who may move it, tested in tests/evidence).
    Case(
        "evidence:mine",
        methods={"GET": everyone(200, anonymous=LOGIN, evaluator=403), **_PAGE_GET_ONLY},
    ),
    Case(
        "evidence:add",
        target="seizure",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
            "POST": everyone(404, anonymous=LOGIN, owner=400, recipient_after=400),
        },
        bodies={"POST": {"kind": "package"}},
    ),
    Case(
        "evidence:item",
        target="item",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
            **_PAGE_GET_ONLY,
        },
    ),
    # Taking a sub-item is for the item's holder (the owner); others who see it are refused.
    Case(
        "evidence:sub-item",
        target="item",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=200, supervisor=403, recipient_after=403),
            "POST": everyone(404, anonymous=LOGIN, owner=400, supervisor=403, recipient_after=403),
        },
    ),
    *[
        Case(
            f"evidence:{move}",
            target="item",
            methods={
                "GET": everyone(405),
                "POST": everyone(404, anonymous=LOGIN, owner=400, recipient_after=400),
            },
        )
        for move in ("transfer", "receive", "reject", "cancel", "check", "dispose")
    ],
    Case(
        "evidence:verify",
        target="item",
        methods={
            "GET": everyone(405),
            "POST": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
        },
    ),
    Case(
        "evidence:file",
        target="item",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
            **_PAGE_GET_ONLY,
        },
    ),
    Case(
        "evidence:file-verify",
        target="item",
        methods={
            "GET": everyone(405),
            "POST": everyone(404, anonymous=LOGIN, owner=302, recipient_after=302),
        },
    ),
    # --- end of the evidence pages -------------------------------------------------------
    # --- evidence labels and the chain-of-custody form (evidence/pdf_views.py) ----------
    # Whoever sees the item downloads its label and its form; a seizure's batch holds the
    # items the reader sees, and with none the seizure is not there (404).
    *[
        Case(
            f"evidence:{document}",
            target="item",
            methods={
                "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
                **_PAGE_GET_ONLY,
            },
        )
        for document in ("label-pdf", "custody-pdf")
    ],
    Case(
        "evidence:labels-pdf",
        target="seizure",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
            **_PAGE_GET_ONLY,
        },
    ),
    # --- end of evidence labels and the chain-of-custody form ---------------------------
    # --- forensic pages (forensics/views.py) --------------------------------------------
    # Officers, supervisors and investigators who see the seizure ask a lab; an empty form
    # is refused (400); for others the seizure is not there.
    Case(
        "forensics:request",
        target="seizure",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
            "POST": everyone(404, anonymous=LOGIN, owner=400, recipient_after=400),
        },
    ),
    # The lab's queue: a role page for members of a forensic lab (none of the personas).
    Case("forensics:queue", methods={"GET": everyone(403, anonymous=LOGIN), **_PAGE_GET_ONLY}),
    # A task: whoever sees its seizure (and its lab); the requesting side reads it but only
    # the lab moves it (403).
    Case(
        "forensics:detail",
        target="forensic_task",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
            **_PAGE_GET_ONLY,
        },
    ),
    *[
        Case(
            f"forensics:{move}",
            target="forensic_task",
            methods={
                "GET": everyone(405, anonymous=LOGIN),
                "POST": everyone(404, anonymous=LOGIN, owner=403, recipient_after=403),
            },
        )
        for move in ("accept", "reject", "assign", "start", "report")
    ],
    Case(
        "forensics:report-download",
        target="forensic_report",
        methods={
            "GET": everyone(404, anonymous=LOGIN, owner=200, recipient_after=200),
            "POST": everyone(405, anonymous=LOGIN),
        },
    ),
    # Link proposals: for roles that decide links (investigators, supervisors).
    Case(
        "forensics:links",
        methods={
            "GET": everyone(
                403, anonymous=LOGIN, supervisor=200, recipient_before=200, recipient_after=200
            ),
            **_PAGE_GET_ONLY,
        },
    ),
    # Deciding a link: whoever sees both seizures with a deciding role; the officer sees the
    # link but may not decide (403); who sees neither seizure finds nothing (404).
    *[
        Case(
            f"forensics:{move}",
            target="seizure_link",
            methods={
                "GET": everyone(405, anonymous=LOGIN),
                "POST": everyone(
                    404, anonymous=LOGIN, owner=403, supervisor=302, recipient_after=302
                ),
            },
            bodies={"POST": {"note": "Same profile signature and the same consignee."}},
        )
        for move in ("link-confirm", "link-dismiss")
    ],
    # --- end of the forensic pages -----------------------------------------------------
    # --- historic import (seizures/imports): supervisors of the unit (and administrators,
    # not a persona here) only. Other roles are told their role may not import (403); a
    # run of another unit does not exist for its supervisor (404, tests/seizures).
    Case(
        "seizures:import",
        methods={
            "GET": everyone(403, anonymous=LOGIN, supervisor=200),
            # No file: the form comes back with its error.
            "POST": everyone(403, anonymous=LOGIN, supervisor=400),
        },
    ),
    Case(
        "seizures:import-template",
        kwargs={"fmt": "xlsx"},
        methods={"GET": everyone(403, anonymous=LOGIN, supervisor=200), **_PAGE_GET_ONLY},
    ),
    Case(
        "seizures:import-detail",
        target="import_run",
        methods={"GET": everyone(403, anonymous=LOGIN, supervisor=200), **_PAGE_GET_ONLY},
    ),
    Case(
        "seizures:import-issues",
        target="import_run",
        methods={"GET": everyone(403, anonymous=LOGIN, supervisor=200), **_PAGE_GET_ONLY},
    ),
    Case(
        "seizures:import-confirm",
        target="import_run",
        methods={
            "GET": everyone(405, anonymous=LOGIN),
            "POST": everyone(403, anonymous=LOGIN, supervisor=302),
        },
    ),
    # --- end historic import ---
    # --- cohort reports (issue 6): evaluators ask; a run is its requester's alone (the
    # matrix's run is the evaluator's; another evaluator gets 404, tests/reporting).
    Case(
        "reporting:report-start",
        bodies={"POST": {"format": "pdf"}},
        methods={
            "GET": everyone(405, anonymous=LOGIN),
            "POST": everyone(403, anonymous=LOGIN, evaluator=302),
        },
    ),
    Case(
        "reporting:report-detail",
        target="report_run",
        methods={"GET": everyone(403, anonymous=LOGIN, evaluator=200), **_PAGE_GET_ONLY},
    ),
    Case(
        "reporting:report-download",
        target="report_run",
        methods={"GET": everyone(403, anonymous=LOGIN, evaluator=200), **_PAGE_GET_ONLY},
    ),
    Case(
        "api-evaluation-report-list",
        bodies={"POST": {"format": "pdf"}},
        methods={"GET": everyone(403, evaluator=405), "POST": everyone(403, evaluator=202)},
    ),
    Case(
        "api-evaluation-report-detail",
        target="report_run",
        methods={"GET": everyone(403, evaluator=200), "POST": everyone(403, evaluator=405)},
    ),
    Case(
        "api-evaluation-report-file",
        target="report_run",
        methods={"GET": everyone(403, evaluator=200), "POST": everyone(403, evaluator=405)},
    ),
    # --- end cohort reports ---
]
