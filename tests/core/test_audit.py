"""The audit trail: every change, access and login leaves a row; supervisors read their
unit's rows, administrators all; nobody edits or deletes one."""

import csv
import io

import pytest
from auditlog.context import set_actor, set_extra_data
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from axes.signals import user_locked_out
from django.apps import apps
from django.contrib.admin.sites import site as admin_site
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casetracker.core.audit.middleware import AuditMiddleware
from casetracker.core.audit.services import audit_access
from casetracker.core.choices import HandlingCode, Role
from casetracker.core.models import Agency, User
from seizures import services, sharing
from seizures.models import (
    Container,
    Party,
    PortCall,
    SeizedItem,
    Seizure,
    SeizureGroupObjectPermission,
    SeizureShare,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

TRAIL = "/audit/"
EXPORT = "/audit/export.csv"
CREATE, UPDATE, DELETE, ACCESS = (
    LogEntry.Action.CREATE,
    LogEntry.Action.UPDATE,
    LogEntry.Action.DELETE,
    LogEntry.Action.ACCESS,
)


def rows_for(model, action=None, **lookup):
    rows = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), **lookup)
    return rows.filter(action=action) if action is not None else rows


def access_rows(event):
    return LogEntry.objects.filter(action=ACCESS, additional_data__event=event)


def verified_login(client, user):
    """A session that passed both factors (supervisors and administrators need one)."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def supervisor(officer):
    return f.UserFactory(username="supervisor", unit=officer.unit, role=Role.SUPERVISOR)


@pytest.fixture
def other_supervisor(other_officer):
    return f.UserFactory(username="other_supervisor", unit=other_officer.unit, role=Role.SUPERVISOR)


@pytest.fixture
def administrator(officer):
    return f.UserFactory(username="administrator", unit=officer.unit, role=Role.ADMINISTRATOR)


# --- what is recorded -------------------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    [
        "seizures.seizure",
        "seizures.container",
        "seizures.seizeditem",
        "seizures.portcall",
        "seizures.party",
        "seizures.attachment",
        "seizures.note",
        "seizures.seizureshare",
        "seizures.seizuregroupobjectpermission",
        "seizures.seizureuserobjectpermission",
        "core.unit",
        "core.agency",
        "core.user",
        "auth.group",
    ],
)
def test_every_domain_model_is_recorded(label):
    assert auditlog.contains(apps.get_model(label))


def test_logging_a_seizure_records_the_seizure_and_every_part_with_who_and_where(officer):
    with set_actor(officer, remote_addr="10.1.2.3"):
        seizure = f.log_seizure(officer)

    for model, count in [(Seizure, 1), (Container, 1), (SeizedItem, 1), (PortCall, 3), (Party, 1)]:
        rows = rows_for(model, CREATE)
        assert rows.count() == count, model
        assert {(r.actor, r.remote_addr) for r in rows} == {(officer, "10.1.2.3")}
        assert {r.additional_data["seizure"] for r in rows} == {seizure.reference}
    # The owning unit's rights on the new seizure are permission changes, recorded too.
    grants = rows_for(SeizureGroupObjectPermission, CREATE)
    assert grants.count() == 2
    assert rows_for(Party, CREATE).get().changes["name"] == ["None", "Frutas del Sol SA"]


def test_correcting_a_seizure_records_what_changed_and_the_parts_replaced(officer, seizure):
    old_item = seizure.items.get()
    parts = f.seizure_parts(
        items=[
            {"category": "drugs", "substance": "cocaine", "quantity": 300, "quantity_unit": "kg"}
        ]
    )
    services.seizure_update(
        user=officer, seizure=seizure, fields={"vessel_name": "MSC Other"}, parts=parts
    )

    change = rows_for(Seizure, UPDATE, object_id=seizure.pk).get()
    assert change.changes["vessel_name"] == ["MSC Example", "MSC Other"]
    deleted = rows_for(SeizedItem, DELETE).get()
    assert deleted.object_id == old_item.pk
    # The row stays attached to the unit and the seizure after the item is gone.
    assert deleted.additional_data == {"object_unit": seizure.unit_id, "seizure": seizure.reference}
    assert rows_for(SeizedItem, CREATE).count() == 2


def test_changing_a_part_in_place_records_old_and_new_values(seizure):
    container = seizure.containers.get()
    container.seal_numbers = "ML-999999"
    container.save()

    row = rows_for(Container, UPDATE).get()
    assert row.changes == {"seal_numbers": ["ML-123456", "ML-999999"]}


def test_sharing_and_taking_back_record_the_share_and_the_permission_rows(
    seizure, officer, investigator
):
    sharing.seizure_share(
        seizure=seizure, unit=investigator.unit, handling_level=HandlingCode.H2, by=officer
    )
    sharing.seizure_unshare(seizure=seizure, unit=investigator.unit, by=officer)

    assert rows_for(SeizureShare, CREATE).count() == 1
    revoked = rows_for(SeizureShare, UPDATE).get()
    assert "revoked_at" in revoked.changes
    granted = rows_for(SeizureGroupObjectPermission, CREATE).order_by("id").last()
    removed = rows_for(SeizureGroupObjectPermission, DELETE).get()
    assert granted.object_pk == removed.object_pk
    assert "unit:EC-INV" in removed.object_repr
    assert removed.additional_data["object_unit"] == seizure.unit_id


def test_moving_a_user_to_another_unit_records_the_unit_and_group_change(officer, other_officer):
    officer.unit = other_officer.unit
    officer.save()

    change = rows_for(User, UPDATE, object_id=officer.pk).exclude(changes__groups__isnull=False)
    assert change.get().changes["unit"] == [str(f.pcu("ECGYE").pk), str(other_officer.unit.pk)]
    groups = [r.changes["groups"] for r in rows_for(User, UPDATE, changes__groups__isnull=False)]
    assert {"type": "m2m", "operation": "delete", "objects": ["unit:ECGYE-PCU"]} in groups
    assert {"type": "m2m", "operation": "add", "objects": ["unit:BEANR-PCU"]} in groups


def test_a_password_change_never_puts_the_hash_in_the_trail(officer):
    last = LogEntry.objects.order_by("-pk").first().pk
    officer.set_password("another-long-password-7")
    officer.email = "officer@customs.example.org"
    officer.save()

    row = LogEntry.objects.get(pk__gt=last)
    assert row.changes == {"email": ["officer@example.org", "officer@customs.example.org"]}
    assert not LogEntry.objects.filter(changes__has_key="password").exists()


# --- logins -------------------------------------------------------------------------------


def log_in(client, username, password=f.PASSWORD):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.9.8.7"
    )


def test_a_login_and_a_logout_are_recorded_with_the_address(client, officer):
    log_in(client, "officer")
    client.post(reverse("logout"), REMOTE_ADDR="10.9.8.7")

    for event in ("login", "logout"):
        row = access_rows(event).get()
        assert (row.actor, row.object_pk, row.remote_addr) == (officer, str(officer.pk), "10.9.8.7")


def test_a_failed_login_of_a_known_user_is_recorded_against_that_user(client, officer):
    log_in(client, "officer", "wrong-password")

    row = access_rows("login_failed").get()
    assert row.actor is None
    assert (row.object_pk, row.remote_addr) == (str(officer.pk), "10.9.8.7")
    assert row.additional_data["object_unit"] == officer.unit_id


def test_a_failed_login_of_an_unknown_username_names_the_username(client, db):
    log_in(client, "mallory", "guess")

    row = access_rows("login_failed").get()
    assert row.content_type == ContentType.objects.get_for_model(User)
    assert (row.object_pk, row.object_repr, row.object_id) == ("mallory", "mallory", None)


def test_a_lockout_is_recorded(officer):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.9.8.7")
    user_locked_out.send("axes", request=request, username="officer", ip_address="10.9.8.7")

    row = access_rows("locked_out").get()
    assert (row.object_pk, row.remote_addr) == (str(officer.pk), "10.9.8.7")


# --- reads --------------------------------------------------------------------------------


def test_audit_access_records_actor_address_event_and_extra(officer, seizure):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.5")
    request.user = officer
    audit_access(request=request, obj=seizure, event="view", extra={"tab": "route"})

    row = access_rows("view").get()
    assert (row.actor, row.remote_addr, row.object_repr) == (
        officer,
        "192.0.2.5",
        seizure.reference,
    )
    assert row.additional_data == {
        "event": "view",
        "tab": "route",
        "object_unit": seizure.unit_id,
        "seizure": seizure.reference,
    }


def test_opening_a_seizure_records_the_view(client, officer, seizure):
    client.force_login(officer)
    assert client.get(f"/seizures/{seizure.public_id}/").status_code == 200

    row = access_rows("view").get()
    assert (row.actor, row.object_id) == (officer, seizure.pk)


def test_a_page_refused_with_404_records_no_view(client, other_officer, seizure):
    client.force_login(other_officer)
    assert client.get(f"/seizures/{seizure.public_id}/").status_code == 404
    assert not access_rows("view").exists()


def test_exporting_seizures_records_the_export(client, officer, seizure):
    client.force_login(officer)
    response = client.get(reverse("seizures:export-csv"))
    b"".join(response.streaming_content)

    assert access_rows("export").get().actor == officer


def test_downloading_an_attachment_records_the_download(
    client, officer, seizure, settings, tmp_path
):
    from seizures.attachments import attachment_add
    from tests.seizures.test_attachments import image_bytes, upload

    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    attachment = attachment_add(
        user=officer, seizure=seizure, upload=upload("deck.jpg", image_bytes()), caption="Deck"
    )
    client.force_login(officer)
    response = client.get(reverse("seizures:attachment-download", args=[attachment.public_id]))
    assert response.status_code == 200

    row = access_rows("download").get()
    assert (row.actor, row.object_pk) == (officer, str(attachment.pk))
    assert row.additional_data["seizure"] == seizure.reference


# --- who reads the trail -----------------------------------------------------------------


@pytest.fixture
def two_units_of_activity(officer, other_officer):
    """A seizure of each unit, logged by its officer from their own address."""
    with set_actor(officer, remote_addr="10.0.0.1"):
        ours = f.log_seizure(officer, bill_of_lading="OURS0001")
    with set_actor(other_officer, remote_addr="10.0.0.2"):
        theirs = f.log_seizure(other_officer, port=f.port("BEANR"), bill_of_lading="THEIRS0001")
    return ours, theirs


def test_a_supervisor_sees_the_trail_of_their_unit_only(client, supervisor, two_units_of_activity):
    ours, theirs = two_units_of_activity
    page = verified_login(client, supervisor).get(TRAIL).content.decode()

    assert ours.reference in page
    assert theirs.reference not in page


def test_a_supervisor_of_another_unit_does_not_see_it(
    client, other_supervisor, two_units_of_activity
):
    ours, theirs = two_units_of_activity
    page = verified_login(client, other_supervisor).get(TRAIL).content.decode()

    assert theirs.reference in page
    assert ours.reference not in page


def test_a_supervisor_sees_what_another_unit_did_with_a_shared_seizure(
    client, supervisor, investigator, seizure
):
    sharing.seizure_share(
        seizure=seizure, unit=investigator.unit, handling_level=HandlingCode.H1, by=supervisor
    )
    client.force_login(investigator)
    client.get(f"/seizures/{seizure.public_id}/")

    verified_login(client, supervisor)
    page = client.get(TRAIL, {"action": "view"}).content.decode()
    assert "investigator" in page and seizure.reference in page


def test_an_officer_may_not_read_the_trail(client, officer):
    client.force_login(officer)
    assert client.get(TRAIL).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(TRAIL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_administrator_sees_every_unit(client, administrator, two_units_of_activity):
    ours, theirs = two_units_of_activity
    page = verified_login(client, administrator).get(TRAIL).content.decode()

    assert ours.reference in page and theirs.reference in page


def test_the_trail_filters_by_user_action_type_reference_and_address(
    client, administrator, two_units_of_activity
):
    ours, theirs = two_units_of_activity
    verified_login(client, administrator)
    seizure_type = ContentType.objects.get_for_model(Seizure).pk

    def shown(**params):
        return client.get(TRAIL, params).context["rows"]

    assert {r.actor for r in shown(actor="OTHER_OFFICER")} == {"other_officer"}
    assert {r.object for r in shown(action="create", object_type=seizure_type)} == {
        ours.reference,
        theirs.reference,
    }
    assert {r.seizure for r in shown(object_ref=ours.reference)} == {ours.reference}
    assert {r.seizure for r in shown(object_ref=str(theirs.public_id))} == {theirs.reference}
    assert {r.remote_addr for r in shown(remote_addr="10.0.0.2")} == {"10.0.0.2"}
    assert shown(start="2000-01-01", end="2000-01-02") == []


def test_a_period_ending_before_it_starts_is_refused(client, administrator):
    verified_login(client, administrator)
    response = client.get(TRAIL, {"start": "2025-02-01", "end": "2025-01-01"})
    assert response.context["form"].errors["end"]
    assert client.get(EXPORT, {"start": "2025-02-01", "end": "2025-01-01"}).status_code == 400


def test_the_trail_pages_back_in_time(client, administrator, settings, officer):
    settings.CASETRACKER_AUDIT_PAGE_SIZE = 10
    for n in range(12):
        f.AgencyFactory(name=f"Agency {n}")
    verified_login(client, administrator)
    agencies = {"object_type": ContentType.objects.get_for_model(Agency).pk}
    first = client.get(TRAIL, agencies)
    assert len(first.context["rows"]) == 10
    older = client.get(TRAIL, {**agencies, "older": first.context["older_cursor"]})
    assert [r.object for r in older.context["rows"]] == ["Agency 1 (EC)", "Agency 0 (EC)"]
    assert older.context["newer_cursor"] is not None


# --- the CSV export ---------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_csv_export_keeps_the_filters(client, supervisor, officer):
    with set_actor(officer, remote_addr="10.0.0.1"):
        seizure = f.log_seizure(officer)
    verified_login(client, supervisor)

    party_type = ContentType.objects.get_for_model(Party).pk
    rows = read_csv(client.get(EXPORT, {"object_type": party_type}))

    assert rows[0][:4] == ["Time (UTC)", "User", "Unit", "What happened"]
    assert len(rows) == 2
    assert rows[1][1:4] == ["officer", "ECGYE-PCU", "Created"]
    assert rows[1][6:9] == ["Shipper: Frutas del Sol SA", seizure.reference, "10.0.0.1"]
    assert "name: Frutas del Sol SA" in rows[1][9].split("; ")


def test_a_username_typed_as_a_formula_reaches_the_csv_disarmed(client, administrator):
    log_in(client, '=HYPERLINK("http://evil.example","x")', "guess")
    verified_login(client, administrator)

    rows = read_csv(client.get(EXPORT, {"action": "login_failed"}))

    assert len(rows) == 2
    assert rows[1][5] == rows[1][6] == '\'=HYPERLINK("http://evil.example","x")'


def test_exporting_the_trail_is_itself_recorded(client, supervisor):
    verified_login(client, supervisor)
    b"".join(client.get(EXPORT, {"actor": "officer"}).streaming_content)

    row = access_rows("audit_export").get()
    assert row.actor == supervisor
    assert row.additional_data["filters"] == {"actor": "officer"}


# --- append-only ------------------------------------------------------------------------


def test_the_admin_shows_audit_rows_but_never_adds_changes_or_deletes_them(
    client, officer, seizure
):
    root = User.objects.create_superuser("root", "root@example.org", f.PASSWORD)
    verified_login(client, root)
    row = LogEntry.objects.first()
    model_admin = admin_site._registry[LogEntry]
    request = RequestFactory().get("/admin/")
    request.user = root

    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)
    assert client.get(reverse("admin:auditlog_logentry_add")).status_code == 403
    assert client.post(reverse("admin:auditlog_logentry_delete", args=[row.pk])).status_code == 403
    assert LogEntry.objects.filter(pk=row.pk).exists()


def test_the_admin_cannot_delete_users(client, officer):
    root = User.objects.create_superuser("root", "root@example.org", f.PASSWORD)
    verified_login(client, root)

    response = client.post(reverse("admin:core_user_delete", args=[officer.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=officer.pk).exists()


# --- where from -------------------------------------------------------------------------


@pytest.fixture
def audit_middleware(settings):
    """The address-checking middleware in auditlog's place (until settings name it)."""
    settings.MIDDLEWARE = [
        "casetracker.core.audit.middleware.AuditMiddleware"
        if name == "auditlog.middleware.AuditlogMiddleware"
        else name
        for name in settings.MIDDLEWARE
    ]
    return settings


@pytest.mark.parametrize("forwarded", ["203.0.113.66", "not-an-address"])
def test_a_client_cannot_write_its_own_address_into_the_trail(
    client, officer, seizure, audit_middleware, forwarded
):
    audit_middleware.CASETRACKER_AUDIT_TRUST_X_FORWARDED_FOR = False
    client.force_login(officer)
    response = client.get(
        f"/seizures/{seizure.public_id}/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded
    )

    assert response.status_code == 200
    assert access_rows("view").get().remote_addr == "10.0.0.9"


def test_behind_our_proxy_the_address_it_appended_is_recorded(
    client, officer, seizure, audit_middleware
):
    audit_middleware.CASETRACKER_AUDIT_TRUST_X_FORWARDED_FOR = True
    client.force_login(officer)
    client.get(
        f"/seizures/{seizure.public_id}/",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.20",
    )

    assert access_rows("view").get().remote_addr == "203.0.113.20"


def test_audit_access_keeps_a_row_for_typed_text_with_a_nul_character(officer, seizure):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.5")
    request.user = officer
    audit_access(request=request, obj=seizure, event="export", extra={"filters": {"q": "a\x00b"}})

    assert access_rows("export").get().additional_data["filters"] == {"q": "a\ufffdb"}


def test_a_change_made_through_the_api_with_a_token_records_who_made_it(officer, seizure):
    # The token is read by the view, after the audit middleware has seen an anonymous
    # request: the actor must still be the token's user.
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=officer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}", REMOTE_ADDR="10.9.8.7")

    answer = client.patch(
        f"/api/v1/seizures/{seizure.public_id}/", {"terminal": "Quay 9"}, format="json"
    )

    assert answer.status_code == 200, answer.content
    row = rows_for(Seizure, UPDATE, object_pk=str(seizure.pk)).get()
    assert row.changes["terminal"][1] == "Quay 9"
    assert (row.actor, row.remote_addr) == (officer, "10.9.8.7")


def test_a_change_made_with_nobody_signed_in_records_no_actor(seizure):
    with set_extra_data(
        context_data=AuditMiddleware(None).get_extra_data(RequestFactory().get("/"))
    ):
        seizure.terminal = "Quay 9"
        seizure.save()

    assert rows_for(Seizure, UPDATE, object_pk=str(seizure.pk)).get().actor is None
