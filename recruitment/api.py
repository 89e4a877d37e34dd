"""/api/v1/jobs/ (the public job board) and /api/v1/postings/, /api/v1/applications/ (an
office's own postings and the applications to them).

The board is public and shows what the public pages show: open postings in the list
(`open_postings` through `public_postings`), published or closed ones by id
(`public_posting_by_id`). Postings and applications are an office's: its people and its head
office (`recruitment.post`, as on the member pages) or its API token; officers never see an
applicant. Every write goes through recruitment.services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from association.api import QueryParametersSerializer, StrictStringsMixin, service_error
from association.api_conditional import etag_of, require_if_match, with_etag
from association.http import access_of
from association.permissions import AccessPolicy
from kpis.api_callers import (
    OfficeEndpoint,
    caller_office_ids,
    caller_token,
    caller_user,
)
from members.models import Office, OfficeStatus
from recruitment.access import access_posting_by_id, public_posting_by_id
from recruitment.models import (
    EmploymentType,
    JobApplication,
    JobCategory,
    JobPosting,
    PostingStatus,
    Qualification,
    Shift,
    WelcomeTag,
    WorkingStyle,
)
from recruitment.selectors import (
    JobFilters,
    applications_of_offices,
    postings_of_offices,
    public_postings,
)
from recruitment.services import (
    POSTING_FIELDS,
    posting_close,
    posting_publish,
    posting_reopen,
    posting_save,
)

# --- the public board ------------------------------------------------------------------------

# What the public board shows: the posting's own fields (the services' list) and its state.
PUBLIC_FIELDS = ["id", "office", *POSTING_FIELDS, "status", "published_at", "url"]


class PublicOfficeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Office
        fields = ["id", "name", "address"]


class JobSerializer(serializers.ModelSerializer):
    office = PublicOfficeSerializer()
    url = serializers.SerializerMethodField(help_text="The posting's public page.")

    class Meta:
        model = JobPosting
        fields = PUBLIC_FIELDS
        read_only_fields = PUBLIC_FIELDS

    def get_url(self, posting: JobPosting) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("jobs:detail", kwargs={"job_posting_pk": posting.pk})
        )


class JobFilterSerializer(QueryParametersSerializer):
    q = serializers.CharField(required=False, max_length=100, help_text="Words to look for.")
    job_category = serializers.ChoiceField(choices=JobCategory.choices, required=False)
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices, required=False)
    working_style = serializers.ChoiceField(choices=WorkingStyle.choices, required=False)
    area = serializers.CharField(required=False, max_length=60, help_text="Town or station.")


class JobListView(generics.GenericAPIView):
    """Open postings, newest first, filtered as the public board filters them."""

    access_policy = AccessPolicy(public=True)
    authentication_classes: list[Any] = []
    serializer_class = JobSerializer
    queryset = JobPosting.objects.none()

    def get_queryset(self) -> QuerySet[JobPosting]:
        query = JobFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = JobFilters(**query.validated_data)
        return public_postings(filters=filters)

    @extend_schema(parameters=[JobFilterSerializer], responses=JobSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class JobDetailView(generics.GenericAPIView):
    """A posting of the board: published, or closed (still there, `status` says it ended)."""

    access_policy = AccessPolicy(public=True)
    authentication_classes: list[Any] = []
    serializer_class = JobSerializer
    queryset = JobPosting.objects.none()

    @extend_schema(
        responses={200: JobSerializer, 404: OpenApiResponse(description="No such posting.")}
    )
    def get(self, request: Request, job_posting_pk: int) -> Response:
        return Response(self.get_serializer(public_posting_by_id(job_posting_pk)).data)


# --- an office's postings --------------------------------------------------------------------


def _choices(choices: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choices.choices),
        max_length=len(choices.choices),
        required=False,
    )


class PostingSerializer(StrictStringsMixin, serializers.ModelSerializer):
    office = serializers.IntegerField(
        source="office_id",
        required=False,
        help_text="The place of work: one of the caller's offices (with a token, its office; "
        "may be left out).",
    )
    status = serializers.ChoiceField(
        choices=[PostingStatus.DRAFT, PostingStatus.PUBLISHED, PostingStatus.CLOSED],
        required=False,
        help_text="Change it to publish (from draft), close (when published) or re-open (when "
        "closed). A new posting is a draft. `hidden` is the association's doing.",
    )
    shifts = _choices(Shift)
    qualifications_required = _choices(Qualification)
    qualifications_welcome = _choices(Qualification)
    welcome_tags = _choices(WelcomeTag)
    application_count = serializers.IntegerField(read_only=True)
    new_count = serializers.IntegerField(read_only=True, help_text="Applications not yet seen.")

    class Meta:
        model = JobPosting
        fields = [
            "id",
            "office",
            *POSTING_FIELDS,
            "status",
            "hidden_reason",
            "published_at",
            "closed_at",
            "created_at",
            "updated_at",
            "application_count",
            "new_count",
        ]
        read_only_fields = [
            "id",
            "hidden_reason",
            "published_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]


class PostingView(OfficeEndpoint):
    access_policy = AccessPolicy(capability="recruitment.post")
    serializer_class = PostingSerializer
    queryset = JobPosting.objects.none()

    def _office_ids(self) -> set[int]:
        return caller_office_ids(self.request, "recruitment.post")

    def _annotated(self, posting: JobPosting) -> JobPosting:
        """The posting as the list shows it (with its application counts)."""
        return postings_of_offices(office_ids={posting.office_id}).get(pk=posting.pk)

    def _office(self, office_id: int | None, current: int | None = None) -> Office:
        """The place of work: the caller's approved office (or the posting's current one)."""
        token = caller_token(self.request)
        if office_id is None:
            office_id = current if current is not None else token.office_id if token else None
        if office_id is None:
            raise serializers.ValidationError({"office": [_("This field is required.")]})
        # As the page's choices: the caller's approved offices, and the posting's own.
        choices = Office.objects.filter(pk__in=self._office_ids(), status=OfficeStatus.APPROVED)
        if current is not None:
            choices = choices | Office.objects.filter(pk=current)
        office = choices.filter(pk=office_id).first()
        if office is None:
            raise serializers.ValidationError({"office": [_("Choose one of your offices.")]})
        return office

    def _save(self, posting: JobPosting | None, data: dict[str, Any], office: Office) -> JobPosting:
        values = {name: getattr(posting, name) for name in POSTING_FIELDS} if posting else {}
        values.update({name: data[name] for name in POSTING_FIELDS if name in data})
        try:
            return posting_save(
                posting=posting, office=office, by=caller_user(self.request), **values
            )
        except ValidationError as error:
            raise service_error(error) from error


class PostingListView(PostingView):
    """The postings of the offices the caller posts for, with their applications counted;
    create one (a draft)."""

    def get_queryset(self) -> QuerySet[JobPosting]:
        return postings_of_offices(office_ids=self._office_ids())

    @extend_schema(responses=PostingSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=PostingSerializer, responses={201: PostingSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        office = self._office(data.get("office_id"))
        posting = self._save(None, data, office)
        posting = _transition(posting, data.get("status"), by=caller_user(request))
        return Response(
            self.get_serializer(self._annotated(posting)).data, status=status.HTTP_201_CREATED
        )


class PostingDetailView(PostingView):
    """One posting of the caller's offices; change it (only the fields sent)."""

    def get_object(self) -> JobPosting:
        return access_posting_by_id(
            access_of(self.request),
            self.kwargs["job_posting_pk"],
            token=caller_token(self.request),
        )

    conditional_updates = True

    @extend_schema(responses=PostingSerializer)
    def get(self, request: Request, job_posting_pk: int) -> Response:
        posting = self.get_object()
        return with_etag(
            Response(self.get_serializer(self._annotated(posting)).data), etag_of(posting)
        )

    @extend_schema(request=PostingSerializer, responses=PostingSerializer)
    def patch(self, request: Request, job_posting_pk: int) -> Response:
        with transaction.atomic():
            posting = self.get_object()
            # If-Match (optional here): a change made since the caller's GET is a 412.
            posting = JobPosting.objects.select_for_update().get(pk=posting.pk)
            serializer = self.get_serializer(posting, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)  # a bad body is a 400 whatever If-Match
            require_if_match(request, etag_of(posting), required=False)
            data = serializer.validated_data
            if any(name in data for name in (*POSTING_FIELDS, "office_id")):
                office = self._office(data.get("office_id"), current=posting.office_id)
                posting = self._save(posting, data, office)
            posting = _transition(posting, data.get("status"), by=caller_user(request))
        posting.refresh_from_db()
        return with_etag(
            Response(self.get_serializer(self._annotated(posting)).data), etag_of(posting)
        )


def _transition(posting: JobPosting, wanted: str | None, *, by: Any) -> JobPosting:
    """Publish, close or re-open through the services, as the page's buttons do."""
    if wanted is None or wanted == posting.status:
        return posting
    moves: dict[tuple[str, str], Callable[..., JobPosting]] = {
        (PostingStatus.DRAFT, PostingStatus.PUBLISHED): posting_publish,
        (PostingStatus.PUBLISHED, PostingStatus.CLOSED): posting_close,
        (PostingStatus.CLOSED, PostingStatus.PUBLISHED): posting_reopen,
    }
    move = moves.get((posting.status, wanted))
    if move is None:
        raise serializers.ValidationError(
            {"status": [_("A posting cannot go from this status to that one.")]}
        )
    try:
        return move(posting=posting, by=by)
    except ValidationError as error:
        raise service_error(error) from error


# --- applications ------------------------------------------------------------------------------


class ApplicationSerializer(serializers.ModelSerializer):
    posting = serializers.IntegerField(source="posting_id")
    posting_title = serializers.CharField(source="posting.title")
    office = serializers.IntegerField(source="posting.office_id")

    class Meta:
        model = JobApplication
        fields = [
            "id",
            "posting",
            "posting_title",
            "office",
            "name",
            "kana",
            "email",
            "phone",
            "age_band",
            "qualifications",
            "preferred_start",
            "message",
            "status",
            "status_changed_at",
            "hired_on",
            "seen_at",
            "created_at",
        ]
        read_only_fields = fields


class ApplicationListView(OfficeEndpoint):
    """Applications to the postings of the caller's offices, newest first (read only: the
    status is changed on the member pages, which mail the applicant)."""

    access_policy = AccessPolicy(capability="recruitment.post")
    serializer_class = ApplicationSerializer
    queryset = JobApplication.objects.none()

    def get_queryset(self) -> QuerySet[JobApplication]:
        query = ApplicationFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return applications_of_offices(
            office_ids=caller_office_ids(self.request, "recruitment.post"),
            posting_id=query.validated_data.get("posting"),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("posting", int, description="Only the applications to this posting.")
        ],
        responses=ApplicationSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ApplicationFilterSerializer(QueryParametersSerializer):
    posting = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
