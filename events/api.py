"""/api/v1/events/: the association's public events for partners' sites, with their
programme, venues and places left.

Public (no authentication): exactly what the public event list shows a visitor who is not
logged in (`events.selectors.public_events` with no access), nothing more; an event the list
does not show is a 404 here too (`events.access.access_event_by_id`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from association.api import QueryParametersSerializer
from association.permissions import AccessPolicy
from events.access import access_event_by_id
from events.models import Event, EventKind, ProgrammeItem, Venue
from events.selectors import Availability, EventFilters, events_availability, public_events


class VenueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = [
            "id",
            "name",
            "area",
            "postal_code",
            "address",
            "access_notes",
            "step_free",
            "accessible_toilet",
            "parking",
            "accessibility_notes",
            "map_url",
        ]


AvailabilitySerializer = inline_serializer(
    "Availability",
    {
        "state": serializers.ChoiceField(
            choices=[
                Availability.NOT_NEEDED,
                Availability.OPEN,
                Availability.FEW,
                Availability.WAITING_LIST,
                Availability.CLOSED,
                Availability.ENDED,
                Availability.CANCELLED,
            ]
        ),
        "places_left": serializers.IntegerField(
            allow_null=True, help_text="Null: no limit, or not counted."
        ),
        "label": serializers.CharField(),
    },
)


class ProgrammeItemSerializer(serializers.ModelSerializer):
    venue = VenueSerializer(allow_null=True)
    availability = serializers.SerializerMethodField()

    class Meta:
        model = ProgrammeItem
        fields = [
            "id",
            "title",
            "description",
            "venue",
            "starts_at",
            "ends_at",
            "registration_required",
            "capacity",
            "availability",
        ]

    @extend_schema_field(AvailabilitySerializer)
    def get_availability(self, item: ProgrammeItem) -> dict[str, Any]:
        return _availability(self.context, item.event_id, item.pk)


def _availability(context: dict[str, Any], event_id: int, item_id: int | None) -> dict[str, Any]:
    availability: Availability = context["availability"][(event_id, item_id)]
    return {
        "state": availability.state,
        "places_left": availability.seats_left,
        "label": availability.label,
    }


class EventSerializer(serializers.ModelSerializer):
    venue = VenueSerializer(allow_null=True)
    programme = ProgrammeItemSerializer(many=True)
    availability = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The event's public page.")

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "kind",
            "status",
            "summary",
            "description",
            "organiser",
            "starts_at",
            "ends_at",
            "venue",
            "registration_required",
            "capacity",
            "registration_closes_at",
            "availability",
            "programme",
            "url",
        ]

    @extend_schema_field(AvailabilitySerializer)
    def get_availability(self, event: Event) -> dict[str, Any]:
        return _availability(self.context, event.pk, None)

    def get_url(self, event: Event) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("events:detail", kwargs={"event_pk": event.pk})
        )


class EventFilterSerializer(QueryParametersSerializer):
    kind = serializers.ChoiceField(choices=EventKind.choices, required=False)
    date_from = serializers.DateField(required=False, help_text="Events ending on or after.")
    date_to = serializers.DateField(required=False, help_text="Events starting on or before.")
    when = serializers.ChoiceField(
        choices=["upcoming", "past"],
        default="upcoming",
        help_text="past: events that are over, newest first.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first: date | None = attrs.get("date_from")
        last: date | None = attrs.get("date_to")
        if first and last and last < first:
            raise serializers.ValidationError({"date_to": ["date_to is before date_from."]})
        return attrs


class PublicEventView(generics.GenericAPIView):
    access_policy = AccessPolicy(public=True)
    authentication_classes: list[Any] = []
    serializer_class = EventSerializer
    queryset = Event.objects.none()

    def _serialize(self, events: list[Event], *, many: bool) -> Any:
        context = {**self.get_serializer_context(), "availability": events_availability(events)}
        data = EventSerializer(events, many=True, context=context).data
        return data if many else data[0]


class EventListView(PublicEventView):
    """Published (and cancelled) public events, as the public list shows them: upcoming by
    default, soonest first; each with its venue, programme and places left."""

    def get_queryset(self) -> QuerySet[Event]:
        query = EventFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = EventFilters(
            kind=data.get("kind", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            past=data["when"] == "past",
        )
        return public_events(filters=filters, include_cancelled=True)

    @extend_schema(parameters=[EventFilterSerializer], responses=EventSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self._serialize(list(page or []), many=True))


class EventDetailView(PublicEventView):
    """One public event; one the public list does not show is not there (404)."""

    @extend_schema(
        responses={200: EventSerializer, 404: OpenApiResponse(description="No such event.")}
    )
    def get(self, request: Request, event_pk: int) -> Response:
        event = access_event_by_id(None, event_pk)
        return Response(self._serialize([event], many=False))
