"""MonthlyReport's move from kpis to reports keeps every row, its content type and permissions.

The database is migrated back to the old head (kpis holding MonthlyReport, in kpis_monthlyreport),
seeded there through the old state's models, and migrated forward to the new head.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.tenants import Tenant

pytestmark = pytest.mark.django_db(transaction=True)

OLD_HEAD = [("kpis", "0002_monthly_reports"), ("reports", None)]  # migrate targets


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def test_migrating_from_the_old_head_keeps_reports_and_content_type(tenant_a: Tenant) -> None:
    new_head = _executor().loader.graph.leaf_nodes()
    executor = _executor()
    try:
        executor.migrate(OLD_HEAD)
        assert "kpis_monthlyreport" in _tables() and "reports_monthlyreport" not in _tables()
        # The old head's state: every other app at its head, kpis before the move.
        old_state = [n for n in new_head if n[0] not in ("kpis", "reports")] + OLD_HEAD[:1]
        old: Any = _executor().loader.project_state(old_state).apps
        report = old.get_model("kpis", "MonthlyReport")
        content_type = old.get_model("contenttypes", "ContentType")
        permission = old.get_model("auth", "Permission")
        association_id = tenant_a.association.pk
        for month, kind, status in [
            (date(2026, 6, 1), "recruitment", "published"),
            (date(2026, 6, 1), "retention", "published"),
            (date(2026, 7, 1), "recruitment", "draft"),
            (date(2026, 7, 1), "retention", "failed"),
        ]:
            report.objects.create(
                association_id=association_id,
                month=month,
                kind=kind,
                revision=1,
                status=status,
                data={"month": month.isoformat()},
            )
        count_before = report.objects.count()
        assert count_before >= 4  # tenant_a's fixture report too
        ids_before = set(report.objects.values_list("pk", flat=True))
        kpis_type, _created = content_type.objects.get_or_create(
            app_label="kpis", model="monthlyreport"
        )
        permission.objects.get_or_create(
            content_type=kpis_type,
            codename="view_monthlyreport",
            defaults={"name": "Can view monthly report"},
        )
        permissions_before = set(
            permission.objects.filter(content_type=kpis_type).values_list("pk", "codename")
        )

        _executor().migrate(new_head)

        assert "reports_monthlyreport" in _tables() and "kpis_monthlyreport" not in _tables()
        new: Any = _executor().loader.project_state(new_head).apps
        moved = new.get_model("reports", "MonthlyReport")
        assert moved.objects.count() == count_before
        assert set(moved.objects.values_list("pk", flat=True)) == ids_before
        assert set(moved.objects.filter(month=date(2026, 7, 1)).values_list("kind", "status")) == {
            ("recruitment", "draft"),
            ("retention", "failed"),
        }
        types = new.get_model("contenttypes", "ContentType")
        reports_type = types.objects.get(app_label="reports", model="monthlyreport")
        assert reports_type.pk == kpis_type.pk
        assert not types.objects.filter(app_label="kpis", model="monthlyreport").exists()
        permissions = new.get_model("auth", "Permission")
        assert (
            set(permissions.objects.filter(content_type=reports_type).values_list("pk", "codename"))
            == permissions_before
        )
        # A new revision gets the next id: the sequence came along with the table.
        created = moved.objects.create(
            association_id=association_id, month=date(2026, 8, 1), kind="recruitment", revision=1
        )
        assert created.pk > max(ids_before)
    finally:
        _executor().migrate(new_head)
