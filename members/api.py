"""/api/v1/offices/: the member directory, an office's profile and its staff."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from association.api import StrictStringsMixin, service_error
from association.api_conditional import etag_of_data, require_if_match, with_etag
from association.http import access_of
from association.permissions import AccessPolicy
from kpis.api_callers import OfficeEndpoint, caller_token
from members.access import access_office_by_id, access_office_profile_by_id
from members.models import Office, OfficeStatus
from members.selectors import office_list, office_staff
from members.service_types import SERVICE_CODE_CHOICES
from members.services import OfficeChanges, office_update


class OfficeSerializer(serializers.ModelSerializer):
    corporation = serializers.CharField(source="corporation.name")
    service_codes = serializers.SerializerMethodField()

    class Meta:
        model = Office
        fields = ["id", "name", "kana", "provider_number", "corporation", "service_codes", "status"]

    def get_service_codes(self, office: Office) -> list[str]:
        return [service.service_code for service in office.services.all()]


class OfficeListView(generics.ListAPIView):
    """Approved member offices of the association (the member directory)."""

    access_policy = AccessPolicy(capability="members.directory")
    serializer_class = OfficeSerializer
    queryset = Office.objects.none()

    def get_queryset(self) -> QuerySet[Office]:
        return office_list().filter(status=OfficeStatus.APPROVED).order_by("kana", "pk")


# --- one office: its profile and its staff (the office's people, officers, or its token) -------


class OfficeProfileSerializer(StrictStringsMixin, serializers.ModelSerializer):
    """The profile as its page shows it; the fields its edit page changes are writable."""

    corporation = serializers.CharField(source="corporation.name", read_only=True)
    service_codes = serializers.ListField(
        child=serializers.ChoiceField(choices=SERVICE_CODE_CHOICES),
        min_length=1,
        max_length=len(SERVICE_CODE_CHOICES),
        required=False,
        help_text="Every service offered under this provider number.",
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    capacity = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100_000
    )

    class Meta:
        model = Office
        fields = [
            *OfficeSerializer.Meta.fields,
            "postal_code",
            "address",
            "phone",
            "email",
            "capacity",
        ]
        read_only_fields = ["id", "provider_number", "status"]
        extra_kwargs = {
            "name": {"max_length": 200},
            "kana": {"max_length": 200},
            "postal_code": {"max_length": 10},
        }

    def to_representation(self, instance: Office) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["service_codes"] = [service.service_code for service in instance.services.all()]
        return data


class OfficeDetailView(OfficeEndpoint):
    """An office's profile (GET: whoever may open its page; its own token); change it (PATCH:
    who manages the office, or its own token), through the same service as its edit page."""

    access_policy = AccessPolicy(capability="members.directory")
    serializer_class = OfficeProfileSerializer
    queryset = Office.objects.none()
    conditional_updates = True

    @extend_schema(responses=OfficeProfileSerializer)
    def get(self, request: Request, office_pk: int) -> Response:
        office = access_office_profile_by_id(
            access_of(request), office_pk, token=caller_token(request)
        )
        data = self.get_serializer(office).data
        return with_etag(Response(data), etag_of_data(data))

    @extend_schema(request=OfficeProfileSerializer, responses=OfficeProfileSerializer)
    def patch(self, request: Request, office_pk: int) -> Response:
        office = access_office_by_id(
            access_of(request),
            office_pk,
            capability="office.manage",
            queryset=office_list(),
            token=caller_token(request),
        )
        with transaction.atomic():
            # If-Match (optional here): a change made since the caller's GET is a 412.
            Office.objects.select_for_update().filter(pk=office.pk).first()  # the row lock
            locked = office_list().get(pk=office.pk)
            current = etag_of_data(self.get_serializer(locked).data)
            serializer = self.get_serializer(locked, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)  # a bad body is a 400 whatever If-Match
            require_if_match(request, current, required=False)
            changes = {
                key: value
                for key, value in serializer.validated_data.items()
                if key in OfficeChanges.__annotations__
            }
            try:
                office_update(office=locked, changes=changes)  # type: ignore[arg-type]
            except ValidationError as error:
                raise service_error(error) from error
        data = self.get_serializer(office_list().get(pk=office.pk)).data
        return with_etag(Response(data), etag_of_data(data))


class StaffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    email = serializers.EmailField(source="user.email")


class OfficeStaffView(OfficeEndpoint):
    """The office's accounts and their roles (invitations and removals stay on its page)."""

    access_policy = AccessPolicy(capability="office.manage")
    serializer_class = StaffSerializer
    queryset = Office.objects.none()
    pagination_class = None

    @extend_schema(responses=StaffSerializer(many=True))
    def get(self, request: Request, office_pk: int) -> Response:
        office = access_office_by_id(
            access_of(request),
            office_pk,
            capability="office.manage",
            token=caller_token(request),
        )
        return Response(self.get_serializer(office_staff(office=office), many=True).data)
