"""/api/v1/reports/: the city's monthly reports.

Who sees what is the pages' rule (reports/access.py): officers every revision, city viewers
published ones only (a draft is a 404 for them). Officers build (POST on the list), follow the
status and publish; the files are downloaded from the report pages' links (streamed after the
same check). The figures are the report's snapshot through the presenter the page uses,
suppressed for everyone but officers exactly as the published report is (reports.content
.suppress): aggregates only, never an office's rows.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from association.access import require_capability
from association.api import service_error
from association.http import access_of, association_of
from association.permissions import AccessPolicy
from reports.access import access_report_by_id, reports_visible_to
from reports.content import suppress
from reports.forms import MonthField
from reports.models import MonthlyReport, ReportKind
from reports.presenter import present
from reports.progress import build_progress
from reports.services import monthly_report_publish, monthly_report_request
from reports.views import notify_city_viewers


class ReportSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField(help_text="0–100; 100 once built.")
    state = serializers.SerializerMethodField(
        help_text="queued, building, draft, published or failed."
    )
    pdf_url = serializers.SerializerMethodField(help_text="Download (null: no file yet).")
    xlsx_url = serializers.SerializerMethodField(help_text="Download (null: no file yet).")
    figures_url = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "month",
            "kind",
            "revision",
            "status",
            "state",
            "progress",
            "error",
            "created_at",
            "built_at",
            "published_at",
            "checksum",
            "pdf_pages",
            "pdf_url",
            "xlsx_url",
            "figures_url",
        ]
        read_only_fields = fields

    def get_month(self, report: MonthlyReport) -> str:
        return f"{report.month:%Y-%m}"

    def get_progress(self, report: MonthlyReport) -> int:
        return build_progress(report).percent

    def get_state(self, report: MonthlyReport) -> str:
        return build_progress(report).state

    def _url(self, name: str, report: MonthlyReport) -> str:
        return self.context["request"].build_absolute_uri(
            reverse(name, kwargs={"monthly_report_pk": report.pk})
        )

    def get_pdf_url(self, report: MonthlyReport) -> str | None:
        return self._url("reports:pdf", report) if report.pdf else None

    def get_xlsx_url(self, report: MonthlyReport) -> str | None:
        return self._url("reports:xlsx", report) if report.xlsx else None

    def get_figures_url(self, report: MonthlyReport) -> str:
        return self._url("api:report_figures", report)


class BuildSerializer(serializers.Serializer):
    month = serializers.CharField(max_length=7, help_text="YYYY-MM, for example 2025-10.")
    kind = serializers.ChoiceField(choices=ReportKind.choices)

    def validate_month(self, value: str) -> Any:
        try:
            return MonthField().clean(value)
        except forms.ValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class ReportView(generics.GenericAPIView):
    access_policy = AccessPolicy(capability="reports.view")
    serializer_class = ReportSerializer
    queryset = MonthlyReport.objects.none()


class ReportListView(ReportView):
    """Reports, newest month first: every revision for officers, published ones for the city.
    POST (officers): build a month's report, or rebuild its draft, in the background; follow
    it at the revision's URL."""

    def get_queryset(self) -> QuerySet[MonthlyReport]:
        return reports_visible_to(access_of(self.request)).order_by("-month", "kind", "-revision")

    @extend_schema(responses=ReportSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=BuildSerializer, responses={202: ReportSerializer})
    def post(self, request: Request) -> Response:
        require_capability(access_of(request), "kpis.manage")
        serializer = BuildSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            report = monthly_report_request(
                association=association_of(request),
                month=serializer.validated_data["month"],
                kind=serializer.validated_data["kind"],
                user=request.user,
            )
        except ValidationError as error:
            raise service_error(error) from error
        report.refresh_from_db()  # built already where tasks run inline (no broker)
        return Response(self.get_serializer(report).data, status=status.HTTP_202_ACCEPTED)


class ReportDetailView(ReportView):
    """One revision: its status and progress while it builds, its files once built."""

    @extend_schema(
        responses={200: ReportSerializer, 404: OpenApiResponse(description="No such report.")}
    )
    def get(self, request: Request, monthly_report_pk: int) -> Response:
        report = access_report_by_id(access_of(request), monthly_report_pk)
        return Response(self.get_serializer(report).data)


class PublishSerializer(serializers.Serializer):
    notify = serializers.BooleanField(
        default=False, help_text="Email the city viewers that the report is published."
    )


class ReportPublishView(ReportView):
    """Publish a draft (officers): it never changes again, and the city sees it. GET: the
    revision it would publish (as the page's GET shows the form), for officers only."""

    access_policy = AccessPolicy(capability="kpis.manage")

    @extend_schema(responses=ReportSerializer)
    def get(self, request: Request, monthly_report_pk: int) -> Response:
        report = access_report_by_id(
            access_of(request), monthly_report_pk, capability="kpis.manage"
        )
        return Response(self.get_serializer(report).data)

    @extend_schema(request=PublishSerializer, responses=ReportSerializer)
    def post(self, request: Request, monthly_report_pk: int) -> Response:
        report = access_report_by_id(
            access_of(request), monthly_report_pk, capability="kpis.manage"
        )
        options = PublishSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                report = monthly_report_publish(report=report, by=request.user)
                if options.validated_data["notify"]:
                    notify_city_viewers(request._request, report)  # type: ignore[arg-type]
        except ValidationError as error:
            raise service_error(error) from error
        return Response(self.get_serializer(report).data)


FiguresSerializer = inline_serializer(
    "ReportFigures",
    {
        "report": serializers.IntegerField(),
        "suppressed_for_city": serializers.BooleanField(
            help_text="true: cells from fewer offices than the threshold (and complementary "
            "ones) are hidden, as in the published files."
        ),
        "threshold": serializers.IntegerField(),
        "title": serializers.CharField(),
        "month_label": serializers.CharField(),
        "summary": serializers.ListField(child=serializers.DictField()),
        "sections": serializers.ListField(child=serializers.DictField()),
        "notes": serializers.ListField(child=serializers.CharField()),
        "suppression_note": serializers.CharField(),
        "suppressed_cells": serializers.IntegerField(),
    },
)


class ReportFiguresView(ReportView):
    """The report's figures (its tables, as the figures page shows them): association-wide
    aggregates, suppressed for the city exactly as the published report."""

    @extend_schema(responses=FiguresSerializer)
    def get(self, request: Request, monthly_report_pk: int) -> Response:
        access = access_of(request)
        report = access_report_by_id(access, monthly_report_pk)
        officer = access.can("kpis.manage")
        threshold = association_of(request).suppression_threshold
        data: Any = report.data if isinstance(report.data, dict) else {}
        if not officer and data:
            data = suppress(data, threshold=threshold)
        view = present(data)
        return Response(
            {
                "report": report.pk,
                "suppressed_for_city": not officer,
                "threshold": threshold,
                "title": view.title or report.get_kind_display(),
                "month_label": view.month_label,
                "summary": [
                    {"key": item.key, "label": item.label, "unit": item.unit, **_cell(item.cell)}
                    for item in view.summary
                ],
                "sections": [
                    {
                        "key": section.key,
                        "title": section.title,
                        "tables": [
                            {
                                "key": table.key,
                                "title": table.title,
                                "period": table.period,
                                "row_header": table.row_header,
                                "note": table.note,
                                "columns": [asdict(column) for column in table.columns],
                                "rows": [
                                    {
                                        "label": row.label,
                                        "whole": row.whole,
                                        "cells": [_cell(cell) for cell in row.cells],
                                    }
                                    for row in table.rows
                                ],
                            }
                            for table in section.tables
                        ],
                    }
                    for section in view.sections
                ],
                "notes": list(view.notes),
                "suppression_note": view.suppression_note,
                "suppressed_cells": view.suppressed_cells,
            }
        )


def _cell(cell: Any) -> dict[str, Any]:
    """A cell as shown: its text, its number (null when hidden or empty) and why."""
    number = cell.number
    return {
        "text": cell.text,
        "number": str(number) if number is not None and not isinstance(number, int) else number,
        "suppressed": cell.suppressed,
        "empty": cell.empty,
    }
