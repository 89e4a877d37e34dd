"""Officers manage venues and events (with programme items and job-fair booths) here.

Events are saved through events.services.event_save (sanitised description, publication
time); every change drops the
association's cached public event pages (events.services.events_changed). Registrations are
managed on the officers' own pages, not in the admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model, QuerySet, URLField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from association.admin_site import TenantInline, TenantModelAdmin
from association.http import association_of
from events.models import Event, EventKind, ProgrammeItem, Venue
from events.services import event_save, events_changed
from recruitment.admin import JobFairBoothInline


def _public_pages_changed(request: HttpRequest) -> None:
    """Now, and again after the admin's transaction commits (a page rendered meanwhile from
    the old rows must not stay cached)."""
    association_id = association_of(request).pk
    events_changed(association_id=association_id)
    transaction.on_commit(lambda: events_changed(association_id=association_id))


class EventsChangedMixin:
    """Saves and deletes of an admin drop the association's cached public event pages."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        _public_pages_changed(request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)  # type: ignore[misc]
        _public_pages_changed(request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        _public_pages_changed(request)


@admin.register(Venue)
class VenueAdmin(EventsChangedMixin, TenantModelAdmin):
    list_display = ["name", "area", "address", "step_free", "accessible_toilet", "parking"]
    list_filter = ["area", "step_free", "accessible_toilet", "parking"]
    search_fields = ["name", "kana", "area", "address"]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if isinstance(db_field, URLField):
            kwargs["assume_scheme"] = "https"  # a map link typed without a scheme
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    fieldsets = [
        (None, {"fields": ["name", "kana", "area", "postal_code", "address", "map_url"]}),
        (
            _("Access and accessibility"),
            {
                "fields": [
                    "access_notes",
                    "step_free",
                    "accessible_toilet",
                    "parking",
                    "accessibility_notes",
                ]
            },
        ),
    ]


class ProgrammeItemInline(TenantInline):
    model = ProgrammeItem
    fields = (
        "title",
        "title_kana",
        "venue",
        "starts_at",
        "ends_at",
        "registration_required",
        "capacity",
        "description",
    )
    autocomplete_fields = ("venue",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProgrammeItem]:
        return super().get_queryset(request).select_related("venue")


@admin.register(Event)
class EventAdmin(EventsChangedMixin, TenantModelAdmin):
    list_display = ["title", "kind", "status", "audience", "starts_at", "venue"]
    list_filter = ["kind", "status", "audience"]
    list_select_related = ["venue"]
    search_fields = ["title", "title_kana", "summary", "organiser", "venue__name"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at", "pk"]
    autocomplete_fields = ("venue", "co_hosts")
    readonly_fields = ("published_at",)
    fieldsets = [
        (None, {"fields": ["title", "title_kana", "kind", "status", "audience", "subcommittee"]}),
        (None, {"fields": ["summary", "description", "image", "image_alt"]}),
        (None, {"fields": ["organiser", "co_hosts"]}),
        (None, {"fields": ["venue", "starts_at", "ends_at"]}),
        (
            None,
            {
                "fields": [
                    "registration_required",
                    "capacity",
                    "registration_closes_at",
                    "published_at",
                ]
            },
        ),
    ]

    def get_inlines(self, request: HttpRequest, obj: Model | None) -> list[Any]:
        inlines: list[Any] = [ProgrammeItemInline]
        if obj is None or getattr(obj, "kind", None) == EventKind.JOB_FAIR:
            inlines.append(JobFairBoothInline)
        return inlines

    def save_model(self, request: HttpRequest, obj: Event, form: Any, change: bool) -> None:
        """Through `event_save`, like every other write of an event (sanitised description,
        publication time, validation, cached public pages dropped)."""
        if not change:
            obj.association = association_of(request)
        event_save(obj)
