"""MonthlyReport moves from kpis to reports, rows and all.

The model is created in reports' migration state only (the table exists: kpis created it), the
table is renamed kpis_monthlyreport → reports_monthlyreport, and the model's content type row
follows (its id is kept, so permissions and admin log entries still point at it). kpis/0003
then deletes the model from kpis' state only. Every step reverses.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODEL = "monthlyreport"


def _move_content_type(apps, schema_editor, *, source, target):
    """The content type row of MonthlyReport changes app: same id, same permissions."""
    content_type = apps.get_model("contenttypes", "ContentType")
    types = content_type.objects.using(schema_editor.connection.alias)
    moving = types.filter(app_label=source, model=MODEL).first()
    if moving is None:  # a new database: post_migrate creates the row later
        return
    # A row for the target may exist already when post_migrate ran in between (migrating back
    # and forth): it is the newer and empty one; the moving row carries the history.
    types.filter(app_label=target, model=MODEL).delete()
    moving.app_label = target
    moving.save(update_fields=["app_label"])
    content_type.objects.clear_cache()


def content_type_to_reports(apps, schema_editor):
    _move_content_type(apps, schema_editor, source="kpis", target="reports")


def content_type_to_kpis(apps, schema_editor):
    _move_content_type(apps, schema_editor, source="reports", target="kpis")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('association', '0004_corporation_head_office'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('kpis', '0002_monthly_reports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='MonthlyReport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField(verbose_name='month')),
                        ('kind', models.CharField(choices=[('recruitment', 'Recruitment report'), ('retention', 'Retention report')], max_length=16, verbose_name='report')),
                        ('revision', models.PositiveIntegerField(verbose_name='revision')),
                        ('status', models.CharField(choices=[('building', 'Building'), ('draft', 'Draft'), ('published', 'Published'), ('failed', 'Failed')], default='building', max_length=16, verbose_name='status')),
                        ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='progress (%)')),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('error', models.TextField(blank=True)),
                        ('data', models.JSONField(blank=True, null=True, verbose_name='figures used')),
                        ('pdf', models.FileField(blank=True, upload_to='reports/%Y/%m/')),
                        ('xlsx', models.FileField(blank=True, upload_to='reports/%Y/%m/')),
                        ('checksum', models.CharField(blank=True, max_length=64, verbose_name='checksum (SHA-256 of PDF and XLSX)')),
                        ('pdf_pages', models.PositiveIntegerField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('built_at', models.DateTimeField(blank=True, null=True)),
                        ('published_at', models.DateTimeField(blank=True, null=True)),
                        ('association', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='monthly_reports', to='association.association')),
                        ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'monthly report',
                        'verbose_name_plural': 'monthly reports',
                        'ordering': ['-month', 'kind', '-revision'],
                        'db_table': 'kpis_monthlyreport',
                        'constraints': [models.UniqueConstraint(fields=('association', 'month', 'kind', 'revision'), name='monthly_report_revision'), models.UniqueConstraint(condition=models.Q(('status__in', ['building', 'draft'])), fields=('association', 'month', 'kind'), name='monthly_report_one_open_revision'), models.CheckConstraint(condition=models.Q(('month__day', 1)), name='monthly_report_month_first_day')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='monthlyreport', table=None),
        migrations.RunPython(content_type_to_reports, content_type_to_kpis),
    ]
