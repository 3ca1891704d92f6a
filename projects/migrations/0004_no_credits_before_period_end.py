"""Database guards: no credits before the reductions happen.

- A verification report cannot be dated before the end of its monitoring period
  (``verification_after_period_end``).
- A monitoring report cannot be submitted, nor an issuance request decided, before its period has ended
  (``monitoring_report_after_period_end``, ``issuance_decided_after_period_end``).

"Ended" is judged at the earliest time zone on Earth (UTC+14): the guard refuses a step taken before the
day after the period's last day began anywhere, so it never refuses what the services (which judge by the
registry's local date) allow, whatever ``TIME_ZONE`` is. The services refuse the same steps first, with a
message. These are triggers and not CHECK constraints because they compare with another table's row.
Core PL/pgSQL only (no extension).
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION projects_period_over_at(period_id bigint) RETURNS timestamptz AS $$
    SELECT ((end_date + 1)::timestamp AT TIME ZONE 'UTC') - interval '14 hours'
      FROM projects_monitoringperiod WHERE id = period_id
$$ LANGUAGE sql STABLE;

CREATE FUNCTION projects_verification_after_period_end() RETURNS trigger AS $$
DECLARE
    period_end date;
BEGIN
    SELECT end_date INTO period_end FROM projects_monitoringperiod WHERE id = NEW.period_id;
    IF NEW.report_date < period_end THEN
        RAISE EXCEPTION 'a verification report dated % is before the end of its monitoring period (%)',
            NEW.report_date, period_end
            USING ERRCODE = 'check_violation', CONSTRAINT = 'verification_after_period_end';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER verification_after_period_end
    BEFORE INSERT OR UPDATE OF report_date, period_id ON projects_verificationreport
    FOR EACH ROW EXECUTE FUNCTION projects_verification_after_period_end();

CREATE FUNCTION projects_monitoring_report_after_period_end() RETURNS trigger AS $$
BEGIN
    IF NEW.status <> 'draft' AND NEW.submitted_at IS NOT NULL
       AND NEW.submitted_at < projects_period_over_at(NEW.period_id) THEN
        RAISE EXCEPTION 'a monitoring report cannot be submitted (%) before its period has ended', NEW.submitted_at
            USING ERRCODE = 'check_violation', CONSTRAINT = 'monitoring_report_after_period_end';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER monitoring_report_after_period_end
    BEFORE INSERT OR UPDATE OF status, submitted_at, period_id ON projects_monitoringreport
    FOR EACH ROW EXECUTE FUNCTION projects_monitoring_report_after_period_end();

CREATE FUNCTION projects_issuance_decided_after_period_end() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'decided'
       AND COALESCE(NEW.decided_at, now()) < projects_period_over_at(NEW.period_id) THEN
        RAISE EXCEPTION 'issuance cannot be decided (%) before the monitoring period has ended', NEW.decided_at
            USING ERRCODE = 'check_violation', CONSTRAINT = 'issuance_decided_after_period_end';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER issuance_decided_after_period_end
    BEFORE INSERT OR UPDATE OF status, decided_at, period_id ON projects_issuancerequest
    FOR EACH ROW EXECUTE FUNCTION projects_issuance_decided_after_period_end();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS issuance_decided_after_period_end ON projects_issuancerequest;
DROP FUNCTION IF EXISTS projects_issuance_decided_after_period_end();
DROP TRIGGER IF EXISTS monitoring_report_after_period_end ON projects_monitoringreport;
DROP FUNCTION IF EXISTS projects_monitoring_report_after_period_end();
DROP TRIGGER IF EXISTS verification_after_period_end ON projects_verificationreport;
DROP FUNCTION IF EXISTS projects_verification_after_period_end();
DROP FUNCTION IF EXISTS projects_period_over_at(bigint);
"""


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0003_reference_sources_and_fictitious_flags"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
