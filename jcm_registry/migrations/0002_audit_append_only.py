from django.db import migrations

FORWARD = """
CREATE FUNCTION jcm_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on jcm_registry_auditevent is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER jcm_audit_append_only
    BEFORE UPDATE OR DELETE ON jcm_registry_auditevent
    FOR EACH ROW EXECUTE FUNCTION jcm_audit_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS jcm_audit_append_only ON jcm_registry_auditevent;
DROP FUNCTION IF EXISTS jcm_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("jcm_registry", "0001_audit_trail")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
