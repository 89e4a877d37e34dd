from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from association.models import RoleKind
from members.models import CorporationKind
from members.service_types import SERVICE_CODE_CHOICES
from subcommittees.models import Subcommittee


class OfficeFieldsMixin(forms.Form):
    name = forms.CharField(label=_("Office name"), max_length=200)
    kana = forms.CharField(label=_("Office name (kana)"), max_length=200, required=False)
    service_codes = forms.MultipleChoiceField(
        label=_("Service types"),
        choices=SERVICE_CODE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every service offered under this provider number."),
    )
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Office email"), required=False)
    capacity = forms.IntegerField(
        label=_("Capacity"), min_value=0, max_value=100_000, required=False
    )


class OfficeRegistrationForm(OfficeFieldsMixin):
    corporation_name = forms.CharField(label=_("Corporation name"), max_length=200)
    corporation_kana = forms.CharField(
        label=_("Corporation name (kana)"), max_length=200, required=False
    )
    corporation_kind = forms.ChoiceField(
        label=_("Corporation type"), choices=CorporationKind.choices
    )
    corporate_number = forms.CharField(
        label=_("Corporate number"),
        max_length=20,
        required=False,
        help_text=_("13 digits. If your corporation is already a member, its offices are linked."),
    )
    provider_number = forms.CharField(
        label=_("Care-insurance provider number"),
        max_length=20,
        help_text=_("10 characters, e.g. 2771000015. Full-width digits and hyphens are fine."),
    )
    field_order = [
        "corporation_name",
        "corporation_kana",
        "corporation_kind",
        "corporate_number",
        "name",
        "kana",
        "provider_number",
        "service_codes",
    ]


class OfficeProfileForm(OfficeFieldsMixin):
    pass


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason or message to the applicant"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Required when rejecting. The applicant receives it by email."),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    kind = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (RoleKind.OFFICE_STAFF, _("Office staff")),
            (RoleKind.OFFICE_ADMIN, _("Office administrator")),
        ],
    )


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, kana or number"), required=False)
    service_code = forms.ChoiceField(label=_("Service type"), required=False)
    subcommittee = forms.TypedChoiceField(label=_("Subcommittee"), required=False, coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["service_code"].choices = everything + SERVICE_CODE_CHOICES  # type: ignore[attr-defined]
        self.fields["subcommittee"].choices = everything + [  # type: ignore[attr-defined]
            (s.pk, s.name) for s in Subcommittee.objects.order_by("pk")
        ]
