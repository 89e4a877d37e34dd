"""Membership is derived from the offices' services and the editable mapping, never stored:
changing either moves offices at once, on the pages and in the announcement recipients."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from members.models import Office, OfficeStatus
from members.services import office_update
from subcommittees.models import ServiceTypeMapping, Subcommittee, SubcommitteeKind
from subcommittees.selectors import (
    announcement_recipient_emails,
    offices_in_subcommittee,
    subcommittees_with_office_counts,
)
from tests.conftest import client_for
from tests.subcommittees.helpers import add_office, add_staff, subcommittee_of
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def members_of(tenant: Tenant, kind: SubcommitteeKind) -> set[int]:
    with scope(association=tenant.association.pk):
        subcommittee = Subcommittee.objects.get(kind=kind)
        return set(offices_in_subcommittee(subcommittee=subcommittee).values_list("pk", flat=True))


def test_offices_sit_where_their_services_map(tenant_a: Tenant, tenant_b: Tenant) -> None:
    both = add_office(tenant_a, ["43", "15"])  # 居宅介護支援 and 通所介護
    unmapped = add_office(tenant_a, ["17"])  # 福祉用具貸与 maps to no subcommittee
    kyotaku = members_of(tenant_a, SubcommitteeKind.KYOTAKU)
    tsusho = members_of(tenant_a, SubcommitteeKind.TSUSHO)
    assert {tenant_a.offices[0].pk, both.pk} <= kyotaku
    assert both.pk in tsusho
    everywhere = set().union(*(members_of(tenant_a, kind) for kind in SubcommitteeKind))
    assert unmapped.pk not in everywhere
    assert not everywhere & {office.pk for office in tenant_b.offices}


def test_only_approved_offices_are_members(tenant_a: Tenant) -> None:
    waiting = add_office(tenant_a, ["43"], status=OfficeStatus.APPLIED)
    assert waiting.pk not in members_of(tenant_a, SubcommitteeKind.KYOTAKU)
    with scope(association=tenant_a.association.pk):
        office_update(office=waiting, changes={"status": OfficeStatus.APPROVED})
    assert waiting.pk in members_of(tenant_a, SubcommitteeKind.KYOTAKU)
    with scope(association=tenant_a.association.pk):
        office_update(office=waiting, changes={"status": OfficeStatus.SUSPENDED})
    assert waiting.pk not in members_of(tenant_a, SubcommitteeKind.KYOTAKU)


def test_changing_an_offices_services_moves_it(tenant_a: Tenant) -> None:
    office = tenant_a.offices[0]  # 居宅介護支援 only
    assert office.pk in members_of(tenant_a, SubcommitteeKind.KYOTAKU)
    with scope(association=tenant_a.association.pk):
        changed = office_update(office=office, changes={"service_codes": ["15", "11"]})
    assert changed == ["service_codes"]
    assert office.pk not in members_of(tenant_a, SubcommitteeKind.KYOTAKU)
    assert office.pk in members_of(tenant_a, SubcommitteeKind.TSUSHO)
    assert office.pk in members_of(tenant_a, SubcommitteeKind.HOUMON)


def test_officer_editing_the_mapping_in_the_admin_moves_offices(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """The mapping is edited in the officer admin; membership follows with no other step."""
    office = tenant_a.offices[2]  # 通所介護 (15)
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    with scope(association=tenant_a.association.pk):
        mapping = ServiceTypeMapping.objects.get(service_code="15")
    response = client_for(tenant_a, tenant_a.users["officer"]).post(
        reverse("admin:subcommittees_servicetypemapping_change", args=[mapping.pk]),
        {"service_code": "15", "subcommittee": kyotaku.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    assert office.pk in members_of(tenant_a, SubcommitteeKind.KYOTAKU)
    assert office.pk not in members_of(tenant_a, SubcommitteeKind.TSUSHO)
    # B's mapping is its own: B's 通所介護 offices stay in B's 通所部会.
    assert tenant_b.offices[2].pk in members_of(tenant_b, SubcommitteeKind.TSUSHO)

    page = client_for(tenant_a, tenant_a.users["office_staff"]).get(
        reverse("subcommittees:detail", kwargs={"subcommittee_pk": kyotaku.pk})
    )
    assert office.name in page.content.decode()


def test_counts_and_recipients_follow_the_move(tenant_a: Tenant) -> None:
    office = tenant_a.offices[2]  # 通所介護
    staff = add_staff(tenant_a, office, "mover@alpha.example")
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    tsusho = subcommittee_of(tenant_a, SubcommitteeKind.TSUSHO)
    with scope(association=tenant_a.association.pk):
        before = {s.kind: s.office_count for s in subcommittees_with_office_counts()}  # type: ignore[attr-defined]
        assert staff.email in announcement_recipient_emails(subcommittee=tsusho)
        assert staff.email not in announcement_recipient_emails(subcommittee=kyotaku)

        office_update(office=office, changes={"service_codes": ["43"]})

        after = {s.kind: s.office_count for s in subcommittees_with_office_counts()}  # type: ignore[attr-defined]
        assert after["kyotaku"] == before["kyotaku"] + 1
        assert after["tsusho"] == before["tsusho"] - 1
        assert staff.email in announcement_recipient_emails(subcommittee=kyotaku)
        assert staff.email not in announcement_recipient_emails(subcommittee=tsusho)


def test_membership_is_not_stored(tenant_a: Tenant) -> None:
    """No table links offices to subcommittees: the only path is the mapping."""
    relations = {f.related_model for f in Office._meta.get_fields() if f.is_relation}
    assert Subcommittee not in relations


def test_member_offices_come_a_page_at_a_time(
    tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 部会 of a few hundred offices lists them a page at a time, counting them all."""
    from subcommittees import views

    monkeypatch.setattr(views, "OFFICES_PAGE_SIZE", 1)
    add_office(tenant_a, ["43"], name="居宅ふたつめ事業所")
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    url = reverse("subcommittees:detail", kwargs={"subcommittee_pk": kyotaku.pk})
    client = client_for(tenant_a, tenant_a.users["officer"])
    first, second = (client.get(url, {"page": n}).content.decode() for n in (1, 2))
    names = (tenant_a.offices[0].name, "居宅ふたつめ事業所")
    assert sum(name in first for name in names) == sum(name in second for name in names) == 1
    assert "2件" in first and 'href="?page=2"' in first
