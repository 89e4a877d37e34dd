"""The site menu and where each person lands after log-in, from the capabilities of
`association/permissions.py`: one rule, no role names in templates.

A link is shown when the person holds its capability (the one its view requires, or for pages
any logged-in person may open, the capability of the people the page is for). Pages for people
who are not members yet (applying for their office) are shown to them as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from association.permissions import CAPABILITIES, Access


@dataclass(frozen=True)
class NavLink:
    url_name: str
    label: str | Promise
    capability: str
    # Also for a logged-in person with no role here (someone applying to join).
    non_members: bool = False

    def __post_init__(self) -> None:
        if self.capability not in CAPABILITIES:
            raise ValueError(f"unknown capability {self.capability!r}")

    def shown_to(self, access: Access) -> bool:
        return access.can(self.capability) or (self.non_members and not access.is_member)


# In menu order. The capability is the view's own (`@requires`) where it has one; "My offices"
# and "Membership applications" open for anyone logged in, but are for the offices' people.
NAV_LINKS: tuple[NavLink, ...] = (
    NavLink("association:dashboard", _("Dashboard"), "dashboard.view"),
    NavLink("admin:index", _("Administration"), "admin.access"),
    NavLink("members:directory", _("Member directory"), "members.directory"),
    NavLink("subcommittees:list", _("Subcommittees"), "members.directory"),
    NavLink("news:manage", _("Articles"), "news.manage"),
    NavLink("reports:list", _("Monthly reports"), "reports.view"),
    NavLink("members:my_offices", _("My offices"), "kpis.file"),
    NavLink("recruitment:posting_list", _("Job postings"), "recruitment.post"),
    NavLink("members:applications", _("Membership applications"), "kpis.file", non_members=True),
)


def nav_links(access: Access | None, user: Any) -> list[dict[str, Any]]:
    """The logged-in person's menu links (the public ones are in the template)."""
    if access is None or not getattr(user, "is_authenticated", False):
        return []
    return [
        {"url": reverse(link.url_name), "label": link.label, "name": link.url_name}
        for link in NAV_LINKS
        if link.shown_to(access)
    ]


def landing_url(access: Access) -> str | None:
    """Where a person's work is, right after log-in (a `next` parameter wins, in allauth):
    officers on their dashboard, an office's people on their office's filing (a head office
    on its offices), subcommittee leaders on their 部会, the city on the reports."""
    if access.can("association.manage"):
        return reverse("association:dashboard")
    offices = access.own_office_ids
    if len(offices) == 1:
        return reverse("kpis:filing", kwargs={"office_pk": next(iter(offices))})
    if offices:
        return reverse("members:my_offices")
    led = sorted(
        role.subcommittee_id
        for role in access.roles
        if role.subcommittee_id
        and access.can("subcommittee.manage", subcommittee_id=role.subcommittee_id)
    )
    if led:
        return reverse("subcommittees:detail", kwargs={"subcommittee_pk": led[0]})
    if access.can("reports.view"):
        return reverse("reports:list")
    return None
