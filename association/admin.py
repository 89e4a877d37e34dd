from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField

from association.admin_site import TenantModelAdmin
from association.http import association_of
from association.models import Association, AssociationDomain, Role
from association.services import role_grant


class AssociationDomainInline(admin.TabularInline):
    model = AssociationDomain
    extra = 1


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    """Platform operators (superusers) create and edit associations."""

    list_display = ["name", "slug", "municipality_code", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AssociationDomainInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            from kpis.services import national_benchmarks_create_defaults
            from subcommittees.services import subcommittees_create_defaults

            subcommittees_create_defaults(association=obj)
            national_benchmarks_create_defaults(association=obj)


class RoleForm(forms.ModelForm):
    user_email = forms.EmailField(
        label=_("User email"),
        help_text=_("The person must already have an account with a verified email address."),
    )

    class Meta:
        model = Role
        fields = ["kind", "office", "subcommittee", "corporation"]
        field_classes = {
            "office": SafeModelChoiceField,
            "subcommittee": SafeModelChoiceField,
            "corporation": SafeModelChoiceField,
        }

    def clean_user_email(self) -> Any:
        from allauth.account.models import EmailAddress

        email = self.cleaned_data["user_email"]
        address = EmailAddress.objects.filter(email__iexact=email, verified=True).first()
        if address is None:
            raise forms.ValidationError(_("No account has this verified email address."))
        return address.user


@admin.register(Role)
class RoleAdmin(TenantModelAdmin):
    list_display = ["user_email", "kind", "office", "subcommittee", "corporation", "created_at"]
    list_filter = ["kind", "subcommittee"]
    search_fields = ["user__email", "office__name"]
    list_select_related = ["user", "office", "subcommittee", "corporation"]
    form = RoleForm

    @admin.display(description=_("email"), ordering="user__email")
    def user_email(self, obj: Role) -> str:
        return obj.user.email

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is not None:
            kwargs["form"] = forms.ModelForm
            kwargs["fields"] = ["kind", "office", "subcommittee", "corporation"]
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        role = role_grant(
            association=association_of(request),
            user=form.cleaned_data["user_email"],
            kind=form.cleaned_data["kind"],
            office=form.cleaned_data.get("office"),
            subcommittee=form.cleaned_data.get("subcommittee"),
            corporation=form.cleaned_data.get("corporation"),
        )
        obj.pk = role.pk
