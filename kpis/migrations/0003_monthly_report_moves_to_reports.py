"""MonthlyReport now lives in reports (reports/0001_initial): removed from kpis' state only.

The table and its rows stay; reports/0001_initial renamed the table and moved the content type.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('kpis', '0002_monthly_reports'),
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='MonthlyReport')],
            database_operations=[],
        ),
    ]
