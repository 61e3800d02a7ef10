"""The audit trail is append-only in the database itself (PostgreSQL).

A row-level BEFORE UPDATE OR DELETE trigger refuses any change to auditlog_logentry,
whoever asks: the app, the admin, a shell or raw SQL. TRUNCATE is a statement-level
operation that row triggers do not see, so Django's test flush still empties the table;
production grants should not give the app's role TRUNCATE on it.

Consequences, on purpose: deleting a user who acted would SET NULL their rows' actor and
is refused (users are deactivated, never deleted); deleting a content type would cascade
to its rows and is refused too.

Two expression indexes serve a supervisor's trail, which filters on the object's unit
stored in additional_data (casetracker.core.audit.selectors.entry_list).

SQLite (the embedded demo) has no such guard; the app itself never edits or deletes rows.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION casetracker_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log rows are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS auditlog_logentry_append_only ON auditlog_logentry;
CREATE TRIGGER auditlog_logentry_append_only
    BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION casetracker_auditlog_append_only();

CREATE INDEX IF NOT EXISTS auditlog_logentry_object_unit
    ON auditlog_logentry ((additional_data -> 'object_unit'));
CREATE INDEX IF NOT EXISTS auditlog_logentry_seizure
    ON auditlog_logentry ((additional_data -> 'seizure'));
"""

DROP = """
DROP INDEX IF EXISTS auditlog_logentry_seizure;
DROP INDEX IF EXISTS auditlog_logentry_object_unit;
DROP TRIGGER IF EXISTS auditlog_logentry_append_only ON auditlog_logentry;
DROP FUNCTION IF EXISTS casetracker_auditlog_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the SQL is sent as is (its % is plpgsql's, not a placeholder).
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]
