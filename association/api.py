"""API plumbing shared by every app: capability permission and the API root."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
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
