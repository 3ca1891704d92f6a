"""The sectoral scopes' names in Mongolian (committee.reference.SCOPE_NAMES_MN)."""

from django.db import migrations, models

from committee.reference import SCOPE_NAMES_MN


def fill(apps, schema_editor):
    SectoralScope = apps.get_model("committee", "SectoralScope")  # noqa: N806 - a model class
    for number, name in SCOPE_NAMES_MN.items():
        SectoralScope.objects.filter(number=number).update(name_mn=name)


class Migration(migrations.Migration):
    dependencies = [("committee", "0008_user_language_mongolian")]

    operations = [
        migrations.AddField(
            model_name="sectoralscope",
            name="name_mn",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
