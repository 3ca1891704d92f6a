"""Database guard: no credits before the reductions happen.

An issuance (and a block it creates, i.e. one without an ``origin``) is refused when its vintage is a
later year than the day it is issued, or when the monitoring period it issues for (looked up by project ID
and period number, when the projects app holds it) had not ended. As in projects 0003, "ended" and "the
year" are judged at the earliest time zone on Earth (UTC+14), so the guard never refuses what the service
(which judges by the registry's local date) allows. The block trigger fires only for issued blocks (a
``WHEN`` clause, no function call for the splits of the transfer path).
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION credits_issuance_after_period_end() RETURNS trigger AS $$
DECLARE
    issued timestamptz := COALESCE(NEW.issued_at, now());
    period_end date;
BEGIN
    IF NEW.vintage > EXTRACT(YEAR FROM (issued AT TIME ZONE 'UTC') + interval '14 hours') THEN
        RAISE EXCEPTION 'credits of vintage % cannot be issued on %', NEW.vintage, issued
            USING ERRCODE = 'check_violation', CONSTRAINT = 'issuance_vintage_not_future';
    END IF;
    SELECT m.end_date INTO period_end
      FROM projects_monitoringperiod m JOIN projects_project p ON p.id = m.project_id
     WHERE p.project_id = NEW.project_code AND m.number = NEW.monitoring_period_number;
    IF period_end IS NOT NULL
       AND issued < ((period_end + 1)::timestamp AT TIME ZONE 'UTC') - interval '14 hours' THEN
        RAISE EXCEPTION 'credits of % period % cannot be issued before the period ends (%)',
            NEW.project_code, NEW.monitoring_period_number, period_end
            USING ERRCODE = 'check_violation', CONSTRAINT = 'issuance_after_period_end';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER issuance_after_period_end
    BEFORE INSERT OR UPDATE OF vintage, issued_at, project_code, monitoring_period_number ON credits_issuance
    FOR EACH ROW EXECUTE FUNCTION credits_issuance_after_period_end();

CREATE FUNCTION credits_issued_block_vintage() RETURNS trigger AS $$
BEGIN
    IF NEW.vintage > EXTRACT(YEAR FROM (COALESCE(NEW.created_at, now()) AT TIME ZONE 'UTC') + interval '14 hours')
    THEN
        RAISE EXCEPTION 'a block of vintage % cannot be issued on %', NEW.vintage, NEW.created_at
            USING ERRCODE = 'check_violation', CONSTRAINT = 'issuance_vintage_not_future';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER issued_block_vintage_not_future
    BEFORE INSERT ON credits_creditblock
    FOR EACH ROW WHEN (NEW.origin_id IS NULL) EXECUTE FUNCTION credits_issued_block_vintage();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS issued_block_vintage_not_future ON credits_creditblock;
DROP FUNCTION IF EXISTS credits_issued_block_vintage();
DROP TRIGGER IF EXISTS issuance_after_period_end ON credits_issuance;
DROP FUNCTION IF EXISTS credits_issuance_after_period_end();
"""


class Migration(migrations.Migration):

    dependencies = [
        ("credits", "0005_ledger_movements_view"),
        ("projects", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
