"""TRUNCATE passes the row triggers that keep the audit trail append-only: refuse it too."""

from django.db import migrations

FORWARD = """
CREATE TRIGGER jcm_audit_never_truncated
    BEFORE TRUNCATE ON jcm_registry_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION jcm_audit_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS jcm_audit_never_truncated ON jcm_registry_auditevent;
"""


class Migration(migrations.Migration):
    # jcm_audit_append_only() is made by jcm_registry 0002_audit_append_only, before the table moved here
    dependencies = [("core", "0001_audit_event_moved_in")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
