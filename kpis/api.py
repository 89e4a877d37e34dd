"""/api/v1/filings/: offices file their monthly staffing report from their own systems.

Two kinds of callers: a system holding an office's API token (`Authorization: Bearer …`),
which may file for that office only, and logged-in members with `kpis.file` for the office
(session). Every save goes through `staffing_report_save(via="api")`; errors come back as JSON
naming the row and field. `Idempotency-Key` is honoured by the one mechanism of all of /api/
(association/idempotency.py); a change of an existing filing names the version it starts from
with `If-Match: <ETag>` (association/api_conditional.py): a stale one is 412.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from association.api_conditional import etag_of, require_if_match, with_etag
from association.api_errors import PreconditionFailed
from association.http import access_of, parse_id
from association.permissions import AccessPolicy
from core.calendar import parse_month
from kpis.access import access_filing_by_id, access_filing_office_by_id, filing_office_ids
from kpis.api_callers import OfficeEndpoint, caller_token
from kpis.checks import Problem, row_key
from kpis.models import (
    EmploymentType,
    JobCategory,
    OfficeApiToken,
    StaffingReport,
)
from kpis.services import (
    FilingAlreadySubmitted,
    FilingConflict,
    FilingInvalid,
    FilingLocked,
    FilingNeedsConfirmation,
    FilingNothingToCarry,
    staffing_report_file_unchanged,
    staffing_report_save,
)
from members.models import Office

MAX_ROWS = len(JobCategory) * len(EmploymentType)


def _filing_office_ids(request: Request) -> set[int]:
    """The approved offices the caller (a person, or an office's token) may file for."""
    return filing_office_ids(access_of(request), token=caller_token(request))


# --- serializers ---------------------------------------------------------------------------


EMPTY_IS_ZERO = "Left out or null: 0."
EMPTY_IS_CARRIED = (
    "Left out or null: last month's month-end headcount of the row (0 if last month was filed "
    "without the row); required only when the month before has no submitted filing."
)


def _count(help_text: str = EMPTY_IS_ZERO) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, required=False, allow_null=True, help_text=help_text
    )


class FilingRowSerializer(serializers.Serializer):
    """One row. Empty counts follow the one rule of every channel (kpis.checks): 0, except the
    month-start headcount, carried from last month; foreign staff left out are not reported."""

    job_category = serializers.ChoiceField(choices=JobCategory.choices)
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices)
    headcount_start = _count(EMPTY_IS_CARRIED)
    hires = _count()
    separations = _count()
    separations_within_year = _count()
    headcount_end = _count()
    open_positions = _count()
    hires_job_fair = _count()
    hires_association_posting = _count()
    hires_hello_work = _count()
    hires_agency = _count()
    hires_referral = _count()
    hires_other = _count()
    foreign_specified_skilled = _count("Left out or null: not reported.")
    foreign_technical_intern = _count("Left out or null: not reported.")
    foreign_epa = _count("Left out or null: not reported.")
    foreign_care_visa = _count("Left out or null: not reported.")


@extend_schema_field(FilingRowSerializer(many=True))
class RowsField(serializers.ListField):
    """Rows as sent: checked cell by cell by staffing_report_save, which names row and field."""

    child = serializers.DictField()


class FilingSerializer(serializers.ModelSerializer):
    office = serializers.IntegerField(source="office_id", read_only=True)
    provider_number = serializers.CharField(source="office.provider_number", read_only=True)
    month = serializers.SerializerMethodField()
    rows = FilingRowSerializer(many=True, read_only=True)

    class Meta:
        model = StaffingReport
        fields = [
            "id",
            "office",
            "provider_number",
            "month",
            "status",
            "version",
            "comment",
            "submitted_at",
            "updated_at",
            "rows",
        ]
        read_only_fields = fields

    def get_month(self, report: StaffingReport) -> str:
        return f"{report.month:%Y-%m}"


class FilingUpdateSerializer(serializers.Serializer):
    rows = RowsField(max_length=MAX_ROWS)
    submit = serializers.BooleanField(
        default=False, help_text="true: submit (complete and valid); false: save a draft."
    )
    expected_version = serializers.IntegerField(
        allow_null=True,
        required=False,
        default=None,
        help_text="The version this change starts from; null for a filing not made yet. "
        "A filing changed since then is refused (409), never overwritten.",
    )
    comment = serializers.CharField(allow_blank=True, required=False, default="", max_length=4000)
    confirm_warnings = serializers.BooleanField(
        default=False, help_text="Confirm figures the soft checks ask about."
    )


class FilingWriteSerializer(FilingUpdateSerializer):
    rows = RowsField(max_length=MAX_ROWS, required=False, default=list)
    office = serializers.IntegerField(
        required=False, help_text="The office's id; with a token, its office (may be left out)."
    )
    month = serializers.CharField(help_text="The month filed, as YYYY-MM.")
    unchanged = serializers.BooleanField(
        default=False,
        help_text="true: 「先月と変わりなし」 — file and submit the month as last month's "
        "month-end headcounts (at start and end), no hires or separations, the same open "
        "positions; send no `rows` (and `submit`, `comment`, `confirm_warnings` are not used). "
        "A draft of the month is replaced (give its `expected_version`); a month already "
        "submitted is refused (409 `already_submitted`), so is one whose month before has no "
        "submitted filing (400 `nothing_to_carry`).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["unchanged"] and attrs["rows"]:
            raise serializers.ValidationError(
                {"rows": [_("Send no rows with “unchanged”: last month's rows are filed.")]}
            )
        if not attrs["unchanged"] and "rows" not in self.initial_data:
            raise serializers.ValidationError({"rows": [_("This field is required.")]})
        return attrs

    def validate_month(self, value: str) -> date:
        try:
            return parse_month(value)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class FilingProblemSerializer(serializers.Serializer):
    row = serializers.CharField(required=False, help_text="job_category/employment_type, or empty")
    index = serializers.IntegerField(
        required=False, allow_null=True, help_text="Position in `rows`, if known."
    )
    field = serializers.CharField()
    message = serializers.CharField()


FilingErrorSerializer = inline_serializer(
    "FilingError",
    {
        "code": serializers.CharField(
            help_text="invalid, needs_confirmation, conflict, locked, already_submitted, "
            "nothing_to_carry, or a code of the API's errors (ApiError)"
        ),
        "detail": serializers.CharField(),
        "errors": FilingProblemSerializer(many=True, required=False),
        "warnings": FilingProblemSerializer(many=True, required=False),
        "current_version": serializers.IntegerField(allow_null=True, required=False),
    },
)


ERROR_RESPONSES = {
    400: OpenApiResponse(FilingErrorSerializer, description="Invalid, or needs confirmation"),
    409: OpenApiResponse(FilingErrorSerializer, description="Changed meanwhile, or locked"),
}


# --- errors as JSON ------------------------------------------------------------------------


def _problems(problems: Sequence[Problem], rows: Sequence[Any]) -> list[dict[str, Any]]:
    keys = [row_key(row) if isinstance(row, dict) else "" for row in rows]
    return [
        {
            "row": problem.row,
            "index": keys.index(problem.row) if problem.row in keys else None,
            "field": problem.field,
            "message": problem.message,
        }
        for problem in problems
    ]


def _serializer_errors(errors: Any, prefix: str = "") -> list[dict[str, Any]]:
    """DRF's nested error dict as the flat list the service's findings use."""
    flat: list[dict[str, Any]] = []
    if isinstance(errors, dict):
        for name, value in errors.items():
            flat += _serializer_errors(value, f"{prefix}.{name}" if prefix else str(name))
    elif isinstance(errors, list) and errors and not isinstance(errors[0], str):
        for index, value in enumerate(errors):
            flat += _serializer_errors(value, f"{prefix}[{index}]")
    elif isinstance(errors, list):
        flat += [{"row": "", "index": None, "field": prefix, "message": str(e)} for e in errors]
    return flat


def _invalid(errors: list[dict[str, Any]]) -> Response:
    return Response(
        {"code": "invalid", "detail": _("The filing has errors."), "errors": errors},
        status=status.HTTP_400_BAD_REQUEST,
    )


def _save(*, request: Request, office: Office, month: date, data: dict[str, Any]) -> Response:
    """One call of the filing service, its outcome as an HTTP answer."""
    rows = data["rows"]
    try:
        report = staffing_report_save(
            office=office,
            month=month,
            rows=rows,
            user=request.user if request.user.is_authenticated else None,
            expected_version=data["expected_version"],
            submit=data["submit"],
            comment=data["comment"],
            confirm_warnings=data["confirm_warnings"],
            via=_via(request),
        )
    except FilingInvalid as error:
        return _invalid(_problems(error.check.errors, rows))
    except FilingNeedsConfirmation as error:
        return Response(
            {
                "code": "needs_confirmation",
                "detail": _("Some figures need a confirmation (confirm_warnings) or a comment."),
                "warnings": _problems(error.check.warnings, rows),
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    except (FilingConflict, FilingLocked) as error:
        return _refused(error)
    report = (
        StaffingReport.objects.select_related("office").prefetch_related("rows").get(pk=report.pk)
    )
    created = data["expected_version"] is None  # otherwise an existing filing would conflict
    return Response(
        FilingSerializer(report).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


def _refused(error: FilingConflict | FilingLocked) -> Response:
    """A stale version (409 with the current one) or a locked month (409), as both saves say."""
    if isinstance(error, FilingLocked):
        return Response(
            {"code": "locked", "detail": " ".join(error.messages)},
            status=status.HTTP_409_CONFLICT,
        )
    return Response(
        {
            "code": "conflict",
            "detail": " ".join(error.messages),
            "current_version": error.report.version if error.report else None,
        },
        status=status.HTTP_409_CONFLICT,
    )


def _save_unchanged(
    *, request: Request, office: Office, month: date, data: dict[str, Any]
) -> Response:
    """「先月と変わりなし」 through the API: `staffing_report_file_unchanged`, as an answer."""
    try:
        report = staffing_report_file_unchanged(
            office=office,
            month=month,
            user=request.user if request.user.is_authenticated else None,
            expected_version=data["expected_version"],
            via=_via(request),
        )
    except FilingInvalid as error:
        return _invalid(_problems(error.check.errors, []))
    except FilingAlreadySubmitted as error:
        return Response(
            {
                "code": "already_submitted",
                "detail": " ".join(error.messages),
                "current_version": error.report.version,
            },
            status=status.HTTP_409_CONFLICT,
        )
    except FilingNothingToCarry as error:
        return Response(
            {"code": "nothing_to_carry", "detail": " ".join(error.messages)},
            status=status.HTTP_400_BAD_REQUEST,
        )
    except (FilingConflict, FilingLocked) as error:
        return _refused(error)
    report = (
        StaffingReport.objects.select_related("office").prefetch_related("rows").get(pk=report.pk)
    )
    created = data["expected_version"] is None
    return Response(
        FilingSerializer(report).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


def _via(request: Request) -> str:
    """`StaffingChange.via` of an API call: "api", with the token's prefix when one was used."""
    if isinstance(request.auth, OfficeApiToken):
        return f"api:{request.auth.prefix}"[:16]
    return "api"


# --- views ---------------------------------------------------------------------------------


class FilingView(OfficeEndpoint):
    """What the filing endpoints share: who may call them, and JSON in and out."""

    access_policy = AccessPolicy(capability="kpis.file")
    serializer_class = FilingSerializer
    queryset = StaffingReport.objects.none()


class FilingListView(FilingView):
    """The monthly staffing filings of the offices the caller files for; file one."""

    def get_queryset(self) -> QuerySet[StaffingReport]:
        return (
            StaffingReport.objects.filter(office_id__in=_filing_office_ids(self.request))
            .select_related("office")
            .prefetch_related("rows")
            .order_by("-month", "office__provider_number")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("office", OpenApiTypes.INT, description="Only this office (id)."),
            OpenApiParameter("month", OpenApiTypes.STR, description="Only this month (YYYY-MM)."),
        ],
        responses=FilingSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        """Filings, newest month first; `office` and `month` narrow the list."""
        filings = self.get_queryset()
        office = request.query_params.get("office")
        if office:
            office_id = parse_id(office)
            if office_id is None:
                return _invalid([_field_error("office", _("Give the office's id."))])
            if office_id not in _filing_office_ids(request):
                raise PermissionDenied(_("You may not file for this office."))
            filings = filings.filter(office_id=office_id)
        month = request.query_params.get("month")
        if month:
            try:
                filings = filings.filter(month=parse_month(month))
            except ValidationError as error:
                return _invalid([_field_error("month", " ".join(error.messages))])
        page = self.paginate_queryset(filings)
        return self.get_paginated_response(FilingSerializer(page, many=True).data)

    @extend_schema(
        request=FilingWriteSerializer,
        responses={201: FilingSerializer, 200: FilingSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        """File (or change) an office's month: a draft, or submitted with `submit: true`; or,
        with `unchanged: true` and no rows, submit it as 「先月と変わりなし」."""
        serializer = FilingWriteSerializer(data=request.data)
        if not serializer.is_valid():
            return _invalid(_serializer_errors(serializer.errors))
        data = serializer.validated_data
        if data.get("office") is None and not isinstance(request.auth, OfficeApiToken):
            return _invalid([_field_error("office", _("This field is required."))])
        office = access_filing_office_by_id(
            access_of(request),
            data.get("office"),
            token=caller_token(request),
        )
        save = _save_unchanged if data["unchanged"] else _save
        return save(request=request, office=office, month=data["month"], data=data)


class FilingDetailView(FilingView):
    """One filing; change it from the version you read (its ETag)."""

    conditional_updates = True

    def _report(self, request: Request, staffing_report_pk: int) -> StaffingReport:
        return access_filing_by_id(
            access_of(request),
            staffing_report_pk,
            token=caller_token(request),
            queryset=StaffingReport.objects.select_related("office").prefetch_related("rows"),
        )

    @extend_schema(responses=FilingSerializer)
    def get_object(self) -> StaffingReport:
        """The filing of the URL, through the access helper (DRF's OPTIONS answer asks)."""
        return self._report(self.request, self.kwargs["staffing_report_pk"])

    def get(self, request: Request, staffing_report_pk: int) -> Response:
        report = self._report(request, staffing_report_pk)
        return with_etag(Response(FilingSerializer(report).data), etag_of(report))

    @extend_schema(
        request=FilingUpdateSerializer,
        responses={200: FilingSerializer, **ERROR_RESPONSES},
    )
    def put(self, request: Request, staffing_report_pk: int) -> Response:
        """Replace the rows of this filing (and submit it with `submit: true`), from the version
        read: `If-Match` with its ETag (stale: 412), or else `expected_version` in the body
        (stale: 409); with neither, 428."""
        report = self._report(request, staffing_report_pk)
        serializer = FilingUpdateSerializer(data=request.data)
        if not serializer.is_valid():
            return _invalid(_serializer_errors(serializer.errors))
        data = dict(serializer.validated_data)
        by_etag = require_if_match(
            request, etag_of(report), required=data["expected_version"] is None
        )
        if by_etag:
            data["expected_version"] = report.version
        response = _save(request=request, office=report.office, month=report.month, data=data)
        stale = response.status_code == status.HTTP_409_CONFLICT and (
            response.data.get("code") == "conflict"  # changed since the If-Match check
        )
        if by_etag and stale:
            raise PreconditionFailed()
        if response.status_code == status.HTTP_200_OK:
            changed = StaffingReport.objects.get(pk=report.pk)
            with_etag(response, etag_of(changed))
        return response


def _field_error(field: str, message: str) -> dict[str, Any]:
    return {"row": "", "index": None, "field": field, "message": message}
