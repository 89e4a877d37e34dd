"""Forms of the report pages: build a month, publish a draft, invite a city viewer."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import ReportKind

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value: object) -> str | None:
        if isinstance(value, date):
            return f"{value:%Y-%m}"
        return super().format_value(value)


class MonthField(forms.Field):
    """A month typed as YYYY-MM (what `<input type="month">` sends); cleans to its first day."""

    widget = MonthInput
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, for example 2025-10.")}

    def to_python(self, value: object) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value.replace(day=1)
        match = _MONTH.match(str(value).strip())
        if not match:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        year, month = int(match.group(1)), int(match.group(2))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return date(year, month, 1)


class BuildForm(forms.Form):
    month = MonthField(label=_("Month"), help_text=_("YYYY-MM, for example 2025-10."))
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)


class PublishForm(forms.Form):
    notify = forms.BooleanField(
        label=_("Email the city viewers that the report is published"), required=False
    )


class ViewerInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("The address of a person who already has an account here (confirmed)."),
    )
