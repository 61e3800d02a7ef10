"""On PostgreSQL the database itself keeps the audit trail append-only (trigger of
migration core.0002): whoever asks, through the ORM or raw SQL, rows are never changed or
deleted; new rows still go in, and the test runner's TRUNCATE still empties the table."""

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from casetracker.core.audit.services import audit_access
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def row(seizure):
    return LogEntry.objects.filter(object_id=seizure.pk).first()


def refused(action) -> bool:
    try:
        with transaction.atomic():
            action()
    except DatabaseError as exc:
        return "append-only" in str(exc)
    return False


def test_changing_a_row_through_the_orm_is_refused(row):
    row.object_repr = "forged"
    assert refused(row.save)
    assert refused(lambda: LogEntry.objects.filter(pk=row.pk).update(remote_addr="10.6.6.6"))
    row.refresh_from_db()
    assert row.object_repr != "forged" and row.remote_addr != "10.6.6.6"


def test_deleting_rows_through_the_orm_is_refused(row):
    assert refused(row.delete)
    assert refused(LogEntry.objects.all().delete)
    assert LogEntry.objects.filter(pk=row.pk).exists()


def test_changing_or_deleting_a_row_in_raw_sql_is_refused(row):
    def run(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])

    assert refused(lambda: run("UPDATE auditlog_logentry SET object_repr = 'x' WHERE id = %s"))
    assert refused(lambda: run("DELETE FROM auditlog_logentry WHERE id = %s"))
    assert LogEntry.objects.filter(pk=row.pk).exists()


def test_new_rows_still_go_in(officer, seizure, rf):
    before = LogEntry.objects.count()
    request = rf.get("/")
    request.user = officer
    audit_access(request=request, obj=seizure, event="view")
    assert LogEntry.objects.count() == before + 1


def test_deleting_a_user_who_acted_is_refused(client, db):
    # Their rows would lose their actor (SET NULL): users are deactivated, never deleted.
    user = f.UserFactory(username="leaver")
    client.post(reverse("login"), {"username": "leaver", "password": f.PASSWORD})
    assert LogEntry.objects.filter(actor=user).exists()

    assert refused(user.delete)
    assert user.__class__.objects.filter(pk=user.pk).exists()


def test_a_flush_still_empties_the_table_as_the_test_runner_does(transactional_db, officer, rf):
    request = rf.get("/")
    request.user = officer
    audit_access(request=request, obj=officer, event="view")

    call_command("flush", "--no-input")  # TRUNCATE: row triggers do not fire

    assert not LogEntry.objects.exists()


def test_a_forwarded_header_that_is_no_address_does_not_break_a_page(
    client, officer, seizure, settings
):
    settings.MIDDLEWARE = [
        "casetracker.core.audit.middleware.AuditMiddleware"
        if name == "auditlog.middleware.AuditlogMiddleware"
        else name
        for name in settings.MIDDLEWARE
    ]
    settings.CASETRACKER_AUDIT_TRUST_X_FORWARDED_FOR = True
    client.force_login(officer)
    response = client.get(f"/seizures/{seizure.public_id}/", HTTP_X_FORWARDED_FOR="garbage")

    assert response.status_code == 200
