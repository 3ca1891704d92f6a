"""Documents, moved here from jcm_registry: same tables (jcm_registry_document...), same content type ids."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MODELS = ['document', 'documentbatch', 'documentnumber']


def rename_content_types(apps, schema_editor, old="jcm_registry", new='documents'):
    """Rename the content types in place, so that their ids (which audit events and the audit hash name) stay."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def restore_content_types(apps, schema_editor):
    rename_content_types(apps, schema_editor, old='documents', new="jcm_registry")


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
                    name='Document',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('issuance_notification', 'Issuance notification'), ('retirement_certificate', 'Retirement certificate'), ('cancellation_certificate', 'Cancellation certificate'), ('account_statement', 'Account statement'), ('registration_letter', 'Project registration letter'), ('decision_record', 'Joint Committee decision record'), ('methodology_approval', 'Methodology approval notice')], max_length=30)),
                        ('number', models.CharField(db_index=True, max_length=32)),
                        ('version', models.PositiveSmallIntegerField(default=1)),
                        ('title', models.CharField(max_length=300)),
                        ('subject_id', models.CharField(max_length=64)),
                        ('key', models.CharField(blank=True, max_length=60)),
                        ('file', models.FileField(max_length=200, upload_to='documents/')),
                        ('sha256', models.CharField(max_length=64, unique=True, verbose_name='SHA-256')),
                        ('size', models.PositiveIntegerField(default=0)),
                        ('status', models.CharField(choices=[('current', 'Current'), ('superseded', 'Superseded')], default='current', max_length=12)),
                        ('reason', models.TextField(blank=True, verbose_name='why this version replaces the previous one')),
                        ('facts', models.JSONField(blank=True, default=list, help_text='What the document states: a list of {label, value}.')),
                        ('public', models.BooleanField(default=True, help_text='Whether anyone may read its facts and download it (not statements).')),
                        ('verification_url', models.CharField(max_length=300)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('subject_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype')),
                        ('supersedes', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='documents.document')),
                    ],
                    options={
                        'db_table': 'jcm_registry_document',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='DocumentBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('retirement_certificates', 'All retirement certificates of a year'), ('account_statements', 'Statements of every account of a registry'), ('article6_report', 'Article 6.2 annual report'), ('account_statement', 'Account statement')], max_length=30)),
                        ('title', models.CharField(max_length=300)),
                        ('params', models.JSONField(blank=True, default=dict)),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10)),
                        ('total', models.PositiveIntegerField(default=0)),
                        ('done', models.PositiveIntegerField(default=0)),
                        ('file', models.FileField(blank=True, max_length=200, upload_to='documents/batches/')),
                        ('error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('documents', models.ManyToManyField(blank=True, related_name='batches', to='documents.document')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='document_batches', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'document batches',
                        'db_table': 'jcm_registry_documentbatch',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='DocumentNumber',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.CharField(max_length=32, unique=True)),
                        ('kind', models.CharField(choices=[('issuance_notification', 'Issuance notification'), ('retirement_certificate', 'Retirement certificate'), ('cancellation_certificate', 'Cancellation certificate'), ('account_statement', 'Account statement'), ('registration_letter', 'Project registration letter'), ('decision_record', 'Joint Committee decision record'), ('methodology_approval', 'Methodology approval notice')], max_length=30)),
                        ('year', models.PositiveSmallIntegerField()),
                        ('sequence', models.PositiveIntegerField()),
                        ('subject_id', models.CharField(max_length=64)),
                        ('key', models.CharField(blank=True, help_text="Tells apart documents of one kind about one subject, e.g. a statement's period.", max_length=60)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('subject_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype')),
                    ],
                    options={
                        'db_table': 'jcm_registry_documentnumber',
                    },
                ),
                migrations.AddIndex(
                    model_name='document',
                    index=models.Index(fields=['subject_type', 'subject_id'], name='document_subject_idx'),
                ),
                migrations.AddConstraint(
                    model_name='document',
                    constraint=models.UniqueConstraint(fields=('kind', 'subject_type', 'subject_id', 'key', 'version'), name='document_once_per_version'),
                ),
                migrations.AddConstraint(
                    model_name='document',
                    constraint=models.UniqueConstraint(fields=('number', 'version'), name='document_number_version_unique'),
                ),
                migrations.AddConstraint(
                    model_name='document',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'current')), fields=('kind', 'subject_type', 'subject_id', 'key'), name='document_one_current'),
                ),
                migrations.AddConstraint(
                    model_name='document',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['issuance_notification', 'retirement_certificate', 'cancellation_certificate', 'account_statement', 'registration_letter', 'decision_record', 'methodology_approval'])), name='document_kind_valid'),
                ),
                migrations.AddConstraint(
                    model_name='document',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['current', 'superseded'])), name='document_status_valid'),
                ),
                migrations.AddConstraint(
                    model_name='document',
                    constraint=models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='document_version_positive'),
                ),
                migrations.AddConstraint(
                    model_name='document',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('supersedes__isnull', True), ('version', 1)), models.Q(('supersedes__isnull', False), ('version__gt', 1)), _connector='OR'), name='document_versions_chain'),
                ),
                migrations.AddConstraint(
                    model_name='documentbatch',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['retirement_certificates', 'account_statements', 'article6_report', 'account_statement'])), name='batch_kind_valid'),
                ),
                migrations.AddConstraint(
                    model_name='documentbatch',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'running', 'done', 'failed'])), name='batch_status_valid'),
                ),
                migrations.AddConstraint(
                    model_name='documentbatch',
                    constraint=models.CheckConstraint(condition=models.Q(('done__lte', models.F('total'))), name='batch_done_within_total'),
                ),
                migrations.AddConstraint(
                    model_name='documentnumber',
                    constraint=models.UniqueConstraint(fields=('kind', 'subject_type', 'subject_id', 'key'), name='document_number_once'),
                ),
                migrations.AddConstraint(
                    model_name='documentnumber',
                    constraint=models.UniqueConstraint(fields=('kind', 'year', 'sequence'), name='document_number_sequence_unique'),
                ),
                migrations.AddConstraint(
                    model_name='documentnumber',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['issuance_notification', 'retirement_certificate', 'cancellation_certificate', 'account_statement', 'registration_letter', 'decision_record', 'methodology_approval'])), name='document_number_kind_valid'),
                ),
            ],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
