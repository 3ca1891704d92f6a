"""Database guard: a monitoring period lies inside its project's crediting period.

Overlaps are refused by the exclusion constraint ``monitoring_period_no_overlap`` (0001); this
trigger refuses a period outside the crediting period, and a change of the crediting period that
would leave an existing monitoring period outside it — whatever wrote the row (service, admin, SQL).
Core PL/pgSQL only (no extension).
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION projects_monitoring_period_in_crediting() RETURNS trigger AS $$
DECLARE
    period_start date;
    period_end date;
BEGIN
    SELECT crediting_start, crediting_end INTO period_start, period_end
      FROM projects_project WHERE id = NEW.project_id;
    IF period_start IS NULL OR period_end IS NULL
       OR NEW.start_date < period_start OR NEW.end_date > period_end THEN
        RAISE EXCEPTION 'monitoring period % to % lies outside the crediting period of project % (% to %)',
            NEW.start_date, NEW.end_date, NEW.project_id, period_start, period_end
            USING ERRCODE = 'check_violation', CONSTRAINT = 'monitoring_period_in_crediting_period';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER monitoring_period_in_crediting_period
    BEFORE INSERT OR UPDATE OF project_id, start_date, end_date ON projects_monitoringperiod
    FOR EACH ROW EXECUTE FUNCTION projects_monitoring_period_in_crediting();

CREATE FUNCTION projects_crediting_period_keeps_monitoring() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM projects_monitoringperiod m
                WHERE m.project_id = NEW.id
                  AND (NEW.crediting_start IS NULL OR NEW.crediting_end IS NULL
                       OR m.start_date < NEW.crediting_start OR m.end_date > NEW.crediting_end)) THEN
        RAISE EXCEPTION 'the crediting period of project % would leave a monitoring period outside it', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'monitoring_period_in_crediting_period';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER crediting_period_keeps_monitoring
    BEFORE UPDATE OF crediting_start, crediting_end ON projects_project
    FOR EACH ROW EXECUTE FUNCTION projects_crediting_period_keeps_monitoring();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS crediting_period_keeps_monitoring ON projects_project;
DROP FUNCTION IF EXISTS projects_crediting_period_keeps_monitoring();
DROP TRIGGER IF EXISTS monitoring_period_in_crediting_period ON projects_monitoringperiod;
DROP FUNCTION IF EXISTS projects_monitoring_period_in_crediting();
"""


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
