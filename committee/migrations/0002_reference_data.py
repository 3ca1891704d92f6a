"""Reference data every registry needs: Japan and the 15 JCM sectoral scopes."""

from django.db import migrations

from committee.reference import SCOPES, ensure_reference_data


def forward(apps, schema_editor):
    ensure_reference_data(apps.get_model("committee", "Country"), apps.get_model("committee", "SectoralScope"))


def backward(apps, schema_editor):
    apps.get_model("committee", "SectoralScope").objects.filter(number__in=[s[0] for s in SCOPES]).delete()
    apps.get_model("committee", "Country").objects.filter(code="JP", joint_committee__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("committee", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
