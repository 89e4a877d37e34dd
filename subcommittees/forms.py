"""Forms parse what people type; the services validate and write."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Office
from subcommittees.models import AttendanceStatus


def _datetime_input() -> forms.DateTimeInput:
    """The browser's date-and-time picker; values are read in the current zone (Asia/Tokyo)."""
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        help_text=_("Japan time."),
        widget=_datetime_input(),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        required=False,
        help_text=_("Japan time; optional."),
        widget=_datetime_input(),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("Give a place, an online meeting link, or both."),
    )
    online_url = forms.URLField(
        label=_("Online meeting link"),
        max_length=200,
        required=False,
        assume_scheme="https",
        help_text=_("For example https://zoom.us/j/…"),
    )
    agenda = forms.CharField(label=_("Agenda"), required=False, widget=forms.Textarea)
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        widget=forms.Textarea,
        help_text=_("Usually written after the meeting."),
    )


class AnnouncementForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Plain text. Sent by email to every staff account of the member offices."),
    )


class AttendanceForm(forms.Form):
    """One status per office, built from the offices of `meeting_attendance_sheet`.

    Each office carries its current status (`attendance_status`), so no query runs per row.
    """

    def __init__(self, *args: Any, offices: Sequence[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offices = list(offices)
        choices = [("", _("Not recorded")), *AttendanceStatus.choices]
        for office in self.offices:
            self.fields[self.field_name(office)] = forms.ChoiceField(
                label=office.name,
                choices=choices,
                required=False,
                initial=getattr(office, "attendance_status", None) or "",
            )

    @staticmethod
    def field_name(office: Office) -> str:
        return f"office_{office.pk}"

    def rows(self) -> Iterator[tuple[Office, forms.BoundField]]:
        for office in self.offices:
            yield office, self[self.field_name(office)]

    def statuses(self) -> dict[int, str | None]:
        """Office id → chosen status (None clears it), for `meeting_attendance_set`."""
        return {
            office.pk: self.cleaned_data.get(self.field_name(office)) or None
            for office in self.offices
        }
