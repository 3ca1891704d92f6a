"""The audit trail, moved here from jcm_registry: same table (jcm_registry_auditevent), same content type id."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ['auditevent']


def rename_content_types(apps, schema_editor, old="jcm_registry", new='core'):
    """Rename the content types in place, so that their ids (which audit events and the audit hash name) stay."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def restore_content_types(apps, schema_editor):
    rename_content_types(apps, schema_editor, old='core', new="jcm_registry")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('jcm_registry', '0006_models_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist (made by jcm_registry's migrations); only Django's picture of them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('seq', models.BigIntegerField(editable=False, unique=True)),
                        ('created_at', models.DateTimeField(editable=False)),
                        ('actor_name', models.CharField(blank=True, max_length=150)),
                        ('action', models.CharField(db_index=True, max_length=100)),
                        ('target_id', models.CharField(blank=True, max_length=64)),
                        ('target_repr', models.CharField(blank=True, max_length=300)),
                        ('data', models.JSONField(blank=True, default=dict)),
                        ('message', models.TextField(blank=True)),
                        ('request_id', models.CharField(blank=True, max_length=64)),
                        ('prev_hash', models.CharField(max_length=64)),
                        ('hash', models.CharField(max_length=64, unique=True)),
                        ('actor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('target_type', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contenttypes.contenttype')),
                    ],
                    options={
                        'db_table': 'jcm_registry_auditevent',
                        'ordering': ['seq'],
                        'indexes': [models.Index(fields=['target_type', 'target_id'], name='audit_target_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('seq__gte', 1)), name='audit_seq_positive')],
                    },
                ),
            ],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
