"""Forms for job postings (offices), applications (job seekers) and the public board's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kpis.models import EmploymentType, JobCategory
from recruitment.models import (
    AgeBand,
    ApplicationStatus,
    JobPosting,
    PayKind,
    Qualification,
    Shift,
    WelcomeTag,
    WorkingStyle,
)
from recruitment.services import MESSAGE_MAX, POSTING_FIELDS

MAX_PHOTO_BYTES = 5 * 1024 * 1024


class PostingForm(forms.ModelForm):
    office: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Place of work"), queryset=None, empty_label=None
    )
    shifts = forms.MultipleChoiceField(
        label=_("Shifts"),
        choices=Shift.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    qualifications_required = forms.MultipleChoiceField(
        label=_("Qualifications required"),
        choices=Qualification.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    qualifications_welcome = forms.MultipleChoiceField(
        label=_("Qualifications welcome"),
        choices=Qualification.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    welcome_tags = forms.MultipleChoiceField(
        label=_("Welcome"),
        choices=WelcomeTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = JobPosting
        fields = ["office", *POSTING_FIELDS]
        widgets = {
            "expires_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "allowances": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "description": _("Plain Japanese: the work, the team, a day at work. Links allowed."),
            "fixed_overtime_hours": _("Only with fixed overtime pay: state both or neither."),
            "expires_on": _("The posting closes by itself after this day (at most 183 days)."),
            "area": _("The town (町名) job seekers search by."),
        }

    def __init__(self, *args: Any, offices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices  # type: ignore[attr-defined]
        for name in ("pay_min", "pay_max", "fixed_overtime_pay", "holidays_per_year"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "min": 0})

    def _post_clean(self) -> None:
        # The service validates and saves (posting_save); the model is not touched here.
        pass


class PhotoForm(forms.Form):
    image = forms.ImageField(label=_("Photo"))
    alt = forms.CharField(
        label=_("What the photo shows (for people who cannot see it)"), max_length=200
    )

    def clean_image(self) -> Any:
        image = self.cleaned_data["image"]
        if image.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo must be 5 MB or smaller."))
        return image


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the office)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ApplicationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ApplicationStatus.choices)
    happened_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    note = forms.CharField(
        label=_("Note (only your office sees it)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- the public side ------------------------------------------------------------------------

FORM_SALT = "recruitment.application-form"
MIN_FILL_SECONDS = 3
MAX_FILL_SECONDS = 6 * 60 * 60


def form_started_token() -> str:
    return signing.dumps(int(timezone.now().timestamp()), salt=FORM_SALT)


class ApplicationForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    kana = forms.CharField(label=_("Name in kana"), max_length=100)
    email = forms.CharField(
        label=_("Email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    age_band = forms.ChoiceField(label=_("Age"), choices=[("", "---------"), *AgeBand.choices])
    qualifications = forms.MultipleChoiceField(
        label=_("Your qualifications"),
        choices=Qualification.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_start = forms.CharField(
        label=_("When could you start?"), required=False, max_length=100
    )
    message = forms.CharField(
        label=_("Message to the office"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX}),
    )
    consent = forms.BooleanField(label=_("I agree to my data being used as described above."))
    # Bots fill every field; people never see this one.
    website = forms.CharField(required=False, label=_("Leave this empty"))
    started = forms.CharField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            raise forms.ValidationError(_("Sorry, we could not accept this form."), code="bot")
        try:
            started = int(
                signing.loads(
                    self.data.get("started", ""), salt=FORM_SALT, max_age=MAX_FILL_SECONDS
                )
            )
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError(
                _("The form has expired. Please check your answers and send it again."),
                code="expired",
            ) from None
        if timezone.now().timestamp() - started < MIN_FILL_SECONDS:
            raise forms.ValidationError(
                _("That was very quick. Please check your answers and send the form again."),
                code="too_fast",
            )
        return data


SORTS = (("new", _("Newest first")), ("pay", _("Highest pay first")))


class JobFilterForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False, max_length=100)
    job_category = forms.ChoiceField(label=_("Job"), required=False)
    employment_type = forms.ChoiceField(label=_("Employment type"), required=False)
    working_style = forms.ChoiceField(label=_("Full-time or part-time"), required=False)
    subcommittee = forms.ChoiceField(label=_("Kind of service"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    qualification = forms.ChoiceField(label=_("Your qualification"), required=False)
    pay_kind = forms.ChoiceField(label=_("Pay"), required=False)
    pay_floor = forms.IntegerField(
        label=_("At least (yen)"), required=False, min_value=0, max_value=10_000_000
    )
    tag = forms.MultipleChoiceField(
        label=_("Welcome"),
        required=False,
        choices=WelcomeTag.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=SORTS)

    def __init__(
        self, *args: Any, areas: list[str], subcommittees: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("Any"))]
        self.fields["job_category"].choices = [*every, *JobCategory.choices]  # type: ignore[attr-defined]
        self.fields["employment_type"].choices = [*every, *EmploymentType.choices]  # type: ignore[attr-defined]
        self.fields["working_style"].choices = [*every, *WorkingStyle.choices]  # type: ignore[attr-defined]
        self.fields["subcommittee"].choices = [*every, *subcommittees]  # type: ignore[attr-defined]
        self.fields["area"].choices = [*every, *((a, a) for a in areas)]  # type: ignore[attr-defined]
        self.fields["qualification"].choices = [*every, *Qualification.choices]  # type: ignore[attr-defined]
        self.fields["pay_kind"].choices = [*every, *PayKind.choices]  # type: ignore[attr-defined]
        self.fields["pay_floor"].widget.attrs.update({"inputmode": "numeric", "step": 1000})
