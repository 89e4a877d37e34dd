from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField

from association.admin_site import TenantModelAdmin
from association.hosts import hosts_changed
from association.http import association_of
from association.models import (
    Association,
    AssociationDomain,
    AssociationProfile,
    Role,
    RoleKind,
)
from association.services import PROFILE_FIELDS, association_profile_update, role_grant


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
        hosts_changed()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        hosts_changed()  # the domains inline: every web process reloads its host table

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        hosts_changed()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        hosts_changed()


# Which target field each role kind is tied to (the database's role_target_matches_kind).
ROLE_TARGET_FIELD: dict[str, str | None] = {
    RoleKind.OFFICER: None,
    RoleKind.CITY_VIEWER: None,
    RoleKind.SUBCOMMITTEE_LEADER: "subcommittee",
    RoleKind.OFFICE_ADMIN: "office",
    RoleKind.OFFICE_STAFF: "office",
    RoleKind.CORPORATION_ADMIN: "corporation",
}
TARGET_MISSING = {
    "office": _("Choose the office this role is for."),
    "subcommittee": _("Choose the subcommittee this role is for."),
    "corporation": _("Choose the corporation this role is for."),
}
TARGET_NOT_ALLOWED = {
    "office": _("This role is not tied to an office: leave the office empty."),
    "subcommittee": _("This role is not tied to a subcommittee: leave the subcommittee empty."),
    "corporation": _("This role is not tied to a corporation: leave the corporation empty."),
}


class RoleChangeForm(forms.ModelForm):
    """A role's kind and target; the target must fit the kind, with a message on the field."""

    class Meta:
        model = Role
        fields = ["kind", "office", "subcommittee", "corporation"]
        # Empty choices when the class is built (outside any scope); RoleAdmin gives each
        # field its queryset per request.
        field_classes = {
            "office": SafeModelChoiceField,
            "subcommittee": SafeModelChoiceField,
            "corporation": SafeModelChoiceField,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if kind not in ROLE_TARGET_FIELD:
            return cleaned
        wanted = ROLE_TARGET_FIELD[kind]
        for name in TARGET_MISSING:
            if name in self.errors:
                continue
            if name == wanted and cleaned.get(name) is None:
                self.add_error(name, TARGET_MISSING[name])
            elif name != wanted and cleaned.get(name) is not None:
                self.add_error(name, TARGET_NOT_ALLOWED[name])
        return cleaned


class RoleForm(RoleChangeForm):
    user_email = forms.EmailField(
        label=_("User email"),
        help_text=_("The person must already have an account with a verified email address."),
    )

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
            kwargs["form"] = RoleChangeForm
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in TARGET_MISSING:
            # The scoped manager, evaluated inside the request's scope: this association's rows.
            model = db_field.remote_field.model
            kwargs["form_class"] = forms.ModelChoiceField  # SafeModelChoiceField drops querysets
            kwargs["queryset"] = model.objects.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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
        # The admin logs and shows the saved row: let `obj` be it.
        obj.pk, obj.user, obj.created_at = role.pk, role.user, role.created_at
        obj.association = role.association


class AssociationProfileForm(forms.ModelForm):
    class Meta:
        model = AssociationProfile
        fields = [*PROFILE_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("hero_image") and not (cleaned.get("hero_image_alt") or "").strip():
            self.add_error("hero_image_alt", _("Describe the image for people who cannot see it."))
        return cleaned


@admin.register(AssociationProfile)
class AssociationProfileAdmin(TenantModelAdmin):
    """Officers edit their own association's home page: introduction, contact, image. The
    list is that one association; nothing is added or deleted here."""

    list_display = ["name", "contact_email", "contact_phone"]
    form = AssociationProfileForm

    capability = "association.manage"
    exclude = ()  # type: ignore[assignment]  # a proxy of the tenant: no association field
    fieldsets = [
        (None, {"fields": ["description"]}),
        (
            _("Contact"),
            {"fields": ["contact_email", "contact_phone", "contact_address", "contact_hours"]},
        ),
        (_("Home page image"), {"fields": ["hero_image", "hero_image_alt"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> Any:
        return AssociationProfile.objects.filter(pk=association_of(request).pk)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        association_profile_update(
            association=obj, **{name: getattr(obj, name) for name in PROFILE_FIELDS}
        )
