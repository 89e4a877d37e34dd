"""/api/v1/ KPI reads and writes beyond the filings themselves (kpis/api.py):

- `offices/<id>/filing-months/`: an office's months, filed or not, on time or late (its
  people who file and its token, as on its history page; officers, as on their review page);
- `completeness/`: one month across the association, who filed and who did not (officers, as
  on the KPI dashboard);
- `targets/`: the association's and the 部会' targets (officers; set through the service).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from association.api import service_error
from association.api_conditional import etag_of_data, if_match_tags, require_if_match, with_etag
from association.api_errors import PreconditionFailed
from association.http import access_of, association_of
from association.permissions import AccessPolicy
from core.calendar import last_closed_month, parse_month
from kpis.api_callers import OfficeEndpoint, caller_token
from kpis.filing_views import default_month
from kpis.history import FilingMonth, office_filing_months
from kpis.models import KpiMetric, KpiTarget
from kpis.selectors import filing_completeness, kpi_settings, offices_not_filed
from kpis.services import kpi_target_set
from members.access import access_office_by_id
from members.models import Office, OfficeStatus
from subcommittees.models import Subcommittee

# --- one office's months ---------------------------------------------------------------------


class FilingMonthSerializer(serializers.Serializer):
    month = serializers.SerializerMethodField()
    deadline = serializers.DateField()
    submitted = serializers.BooleanField()
    filing = serializers.IntegerField(source="report.pk", allow_null=True, default=None)
    status = serializers.CharField(source="report.status", allow_null=True, default=None)
    first_submitted_at = serializers.DateTimeField(allow_null=True)
    timeliness = serializers.SerializerMethodField(
        help_text="on_time, late; overdue (not submitted, deadline over) or open."
    )

    def get_month(self, item: FilingMonth) -> str:
        return f"{item.month:%Y-%m}"

    def get_timeliness(self, item: FilingMonth) -> str:
        return item.timeliness(self.context["today"])


class OfficeFilingMonthsView(OfficeEndpoint):
    """The office's filing months, newest first (the latest two years), missing ones too."""

    access_policy = AccessPolicy(capability=None)  # kpis.file on the office, or kpis.view_all
    serializer_class = FilingMonthSerializer
    queryset = Office.objects.none()
    pagination_class = None

    @extend_schema(responses=FilingMonthSerializer(many=True))
    def get(self, request: Request, office_pk: int) -> Response:
        access = access_of(request)
        office = access_office_by_id(
            access,
            office_pk,
            capability="kpis.view_all" if access.can("kpis.view_all") else "kpis.file",
            token=caller_token(request),
        )
        today = timezone.localdate()
        months = office_filing_months(
            office_id=office.pk,
            through=default_month(today),
            deadline_day=kpi_settings(association_id=office.association_id).deadline_day,
        )
        context = {**self.get_serializer_context(), "today": today}
        return Response(FilingMonthSerializer(months, many=True, context=context).data)


# --- the association's month -----------------------------------------------------------------


class CompletenessOfficeSerializer(serializers.ModelSerializer):
    corporation = serializers.CharField(source="corporation.name")

    class Meta:
        model = Office
        fields = ["id", "name", "provider_number", "corporation"]


class CompletenessSerializer(serializers.Serializer):
    month = serializers.CharField()
    deadline = serializers.DateField()
    closed = serializers.BooleanField(help_text="The deadline is over.")
    expected = serializers.IntegerField(help_text="Approved offices.")
    filed = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    missing = serializers.IntegerField()
    filed_offices = CompletenessOfficeSerializer(many=True)
    not_filed_offices = CompletenessOfficeSerializer(many=True)


class CompletenessView(generics.GenericAPIView):
    """One month's filings across the association: counts as the KPI dashboard shows them,
    and which approved offices have submitted and which not (a draft is not a filing)."""

    access_policy = AccessPolicy(capability="kpis.view_all")
    serializer_class = CompletenessSerializer
    queryset = Office.objects.none()
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "month",
                str,
                description="YYYY-MM; by default the last month past its deadline.",
            )
        ],
        responses=CompletenessSerializer,
    )
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        deadline_day = kpi_settings(association_id=association_of(request).pk).deadline_day
        month = _month_param(request.query_params.get("month"))
        month = month or last_closed_month(today, deadline_day=deadline_day)
        (row,) = filing_completeness(months=[month], deadline_day=deadline_day, today=today)
        not_filed = list(offices_not_filed(month=month))
        missing = {office.pk for office in not_filed}
        filed = (
            Office.objects.filter(status=OfficeStatus.APPROVED)
            .exclude(pk__in=missing)
            .select_related("corporation")
            .order_by("kana", "name", "pk")
        )
        data = {
            "month": f"{month:%Y-%m}",
            "deadline": row.deadline,
            "closed": row.closed,
            "expected": row.expected,
            "filed": row.filed,
            "on_time": row.on_time,
            "late": row.late,
            "missing": row.missing,
            "filed_offices": filed,
            "not_filed_offices": not_filed,
        }
        return Response(CompletenessSerializer(data).data)


def _month_param(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return parse_month(value)
    except ValidationError as error:
        raise serializers.ValidationError({"month": error.messages}) from error


# --- targets ---------------------------------------------------------------------------------


def target_etag(target: KpiTarget) -> str:
    """The target's entity tag: changes whenever its value or direction does."""
    return etag_of_data(
        [
            target.pk,
            target.subcommittee_id,
            target.fiscal_year,
            target.metric,
            target.value,
            target.at_most,
        ]
    )


class TargetSerializer(serializers.ModelSerializer):
    etag = serializers.SerializerMethodField(
        help_text="Send it as If-Match when setting the target again: 412 if it changed since."
    )
    subcommittee = serializers.IntegerField(
        source="subcommittee_id",
        allow_null=True,
        required=False,
        default=None,
        min_value=1,
        max_value=2**63 - 1,
        help_text="The 部会's id; null: the whole association.",
    )
    fiscal_year = serializers.IntegerField(min_value=2000, max_value=2100)
    metric = serializers.ChoiceField(choices=KpiMetric.choices)
    value = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=0, max_value=100, help_text="Percent."
    )
    at_most = serializers.BooleanField(default=True)

    class Meta:
        model = KpiTarget
        fields = ["id", "subcommittee", "fiscal_year", "metric", "at_most", "value", "etag"]
        read_only_fields = ["id"]
        validators: list[Any] = []  # one target per scope: setting it again changes it

    def get_etag(self, target: KpiTarget) -> str:
        return target_etag(target)


class TargetListView(generics.GenericAPIView):
    """KPI targets, newest fiscal year first; set one (creates it, or changes the existing
    target of that scope, fiscal year and rate). If-Match (optional) with the target's `etag`:
    the change is made only if nobody changed the target since (else 412, nothing changed);
    If-Match for a target that does not exist yet is a 412 too."""

    access_policy = AccessPolicy(capability="kpis.manage")
    serializer_class = TargetSerializer
    queryset = KpiTarget.objects.none()

    def get_queryset(self) -> QuerySet[KpiTarget]:
        targets = KpiTarget.objects.order_by("-fiscal_year", "subcommittee_id", "metric", "pk")
        year = self.request.query_params.get("fiscal_year")
        if year:
            query = TargetSerializer(data={"fiscal_year": year}, partial=True)
            query.is_valid(raise_exception=True)
            targets = targets.filter(fiscal_year=query.validated_data["fiscal_year"])
        return targets

    @extend_schema(
        parameters=[OpenApiParameter("fiscal_year", int, description="Only this fiscal year.")],
        responses=TargetSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=TargetSerializer, responses={200: TargetSerializer, 201: TargetSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subcommittee = None
        if data["subcommittee_id"] is not None:
            subcommittee = Subcommittee.objects.filter(pk=data["subcommittee_id"]).first()
            if subcommittee is None:
                raise serializers.ValidationError({"subcommittee": [_("No such subcommittee.")]})
        with transaction.atomic():
            if if_match_tags(request) is not None:
                current = (
                    KpiTarget.objects.select_for_update()
                    .filter(
                        subcommittee_id=data["subcommittee_id"],
                        fiscal_year=data["fiscal_year"],
                        metric=data["metric"],
                    )
                    .first()
                )
                if current is None:
                    raise PreconditionFailed()
                require_if_match(request, target_etag(current))
            try:
                target, created = kpi_target_set(
                    association=association_of(request),
                    subcommittee=subcommittee,
                    fiscal_year=data["fiscal_year"],
                    metric=data["metric"],
                    value=data["value"],
                    at_most=data["at_most"],
                )
            except ValidationError as error:
                raise service_error(error) from error
        return with_etag(
            Response(
                self.get_serializer(target).data,
                status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            ),
            target_etag(target),
        )
