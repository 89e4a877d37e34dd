"""API plumbing shared by every app: capability permission and the API root."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from association.http import access_of, association_of
from association.permissions import AccessPolicy


class ApiRootView(APIView):
    access_policy = AccessPolicy(public=True)

    @extend_schema(
        responses=inline_serializer(
            "ApiRoot",
            {
                "association": serializers.CharField(allow_null=True),
                "endpoints": serializers.DictField(),
            },
        )
    )
    def get(self, request: Request) -> Response:
        association = getattr(request, "association", None)
        names = [
            "api:me",
            "api:events",
            "api:jobs",
            "api:news",
            "api:offices",
            "api:subcommittees",
            "api:filings",
            "api:completeness",
            "api:targets",
            "api:postings",
            "api:applications",
            "api:reports",
        ]
        return Response(
            {
                "association": association.name if association else None,
                "endpoints": {
                    n.split(":")[1]: request.build_absolute_uri(reverse(n)) for n in names
                },
            }
        )


class RoleSerializer(serializers.Serializer):
    kind = serializers.CharField()
    office = serializers.IntegerField(source="office_id", allow_null=True)
    subcommittee = serializers.IntegerField(source="subcommittee_id", allow_null=True)


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    association = serializers.CharField()
    roles = RoleSerializer(many=True)


class MeView(APIView):
    """The caller's account and roles in this association."""

    access_policy = AccessPolicy(capability=None)

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        data: dict[str, Any] = {
            "email": request.user.email,  # type: ignore[union-attr]
            "association": association_of(request).name,
            "roles": access_of(request).roles,
        }
        return Response(MeSerializer(data).data)


def service_error(error: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError as DRF's (400, field by field; a message without a field
    under `non_field_errors`), so every endpoint answers a refused write the same way."""
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError({"non_field_errors": error.messages})


class QueryParametersSerializer(serializers.Serializer):
    """The query parameters of a list (filters): one given empty (`?when=`) is refused with a
    400 naming it, as the schema says (a value at least one character long), instead of being
    read as absent."""

    def to_internal_value(self, data: Any) -> Any:
        names: list[str] = list(self.fields.keys())
        blank = [name for name in names if name in data and str(data.get(name, "")).strip() == ""]
        if blank:
            raise serializers.ValidationError(
                {name: [_("Give a value or leave the parameter out.")] for name in blank}
            )
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A string field that refuses numbers and booleans (DRF's turns 0 into "0"), as the
    schema's `type: string` says."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictStringsMixin:
    """For a ModelSerializer that writes: model text fields become StrictCharField."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }
