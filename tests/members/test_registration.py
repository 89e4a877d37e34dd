"""Self-registration, officers' decisions, invitations and staff removal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope

from association.models import Role, RoleKind
from members.models import Corporation, Invitation, Office, OfficeStatus
from members.services import office_approve, office_register, office_reject
from tests.conftest import client_for
from tests.tenants import Tenant, corporate_number, make_user, provider_number

pytestmark = pytest.mark.django_db


def registration_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "corporation_name": "社会福祉法人みらい会",
        "corporation_kana": "しゃかいふくしほうじんみらいかい",
        "corporation_kind": "social_welfare",
        "corporate_number": corporate_number(777),
        "name": "みらいケアプランセンター",
        "kana": "みらいけあぷらんせんたー",
        "provider_number": provider_number("20", 901),
        "service_codes": ["43", "46"],
        "postal_code": "〒５６０－００２２",
        "address": "大阪府豊中市北桜塚1-1-1",
        "phone": "06-6840-0000",
        "email": "mirai@care.example",
    }
    data.update(overrides)
    return data


def test_registration_page_creates_an_application_and_emails(tenant_a: Tenant) -> None:
    applicant = make_user("applicant@care.example")
    client = client_for(tenant_a, applicant)
    response = client.post(reverse("members:register"), registration_data())
    assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        office = Office.objects.get(provider_number=provider_number("20", 901))
        assert office.status == OfficeStatus.APPLIED
        assert office.applicant == applicant
        assert office.postal_code == "560-0022"
        assert sorted(office.services.values_list("service_code", flat=True)) == ["43", "46"]
    page = client.get(reverse("members:applications")).content.decode()
    assert "みらいケアプランセンター" in page and "承認待ち" in page


def test_registration_errors_name_the_field_in_japanese(tenant_a: Tenant) -> None:
    applicant = make_user("applicant@care.example")
    client = client_for(tenant_a, applicant)
    bad = registration_data(provider_number="2710000016", corporate_number="8000012050002")
    response = client.post(reverse("members:register"), bad)
    assert response.status_code == 200
    body = response.content.decode()
    assert "介護保険事業所番号" in body and "チェックデジット" in body
    with scope(association=tenant_a.association.pk):
        assert not Office.objects.filter(name="みらいケアプランセンター").exists()
        assert not Corporation.objects.filter(name="社会福祉法人みらい会").exists()


def test_duplicate_number_names_the_office_that_holds_it(tenant_a: Tenant) -> None:
    applicant = make_user("applicant@care.example")
    taken = tenant_a.offices[0]
    response = client_for(tenant_a, applicant).post(
        reverse("members:register"), registration_data(provider_number=taken.provider_number)
    )
    assert taken.name in response.content.decode()


def test_existing_corporation_is_found_by_its_number(tenant_a: Tenant) -> None:
    applicant = make_user("applicant@care.example")
    with scope(association=tenant_a.association.pk):
        existing = tenant_a.offices[0].corporation
        office = office_register(
            association=tenant_a.association,
            applicant=applicant,
            **registration_data(
                corporation_name=f" {existing.name} ", corporate_number=existing.corporate_number
            ),
        )
        assert office.corporation == existing
        assert Corporation.objects.count() == 1
        # A mistyped number that belongs to another corporation is refused, not attached.
        with pytest.raises(ValidationError) as refused:
            office_register(
                association=tenant_a.association,
                applicant=applicant,
                **registration_data(
                    corporation_name="社会福祉法人べつの会",
                    corporate_number=existing.corporate_number,
                    provider_number=provider_number("20", 902),
                ),
            )
        assert existing.name in str(refused.value.message_dict["corporate_number"])


def test_approval_grants_office_admin_and_emails_the_applicant(tenant_a: Tenant) -> None:
    applicant = make_user("applicant@care.example")
    officer = tenant_a.users["officer"]
    with scope(association=tenant_a.association.pk):
        office = office_register(
            association=tenant_a.association, applicant=applicant, **registration_data()
        )
    client = client_for(tenant_a, officer)
    response = client.post(
        reverse("members:decide", kwargs={"office_pk": office.pk}),
        {"decision": "approve", "reason": ""},
    )
    assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        office.refresh_from_db()
        assert office.status == OfficeStatus.APPROVED and office.decided_by == officer
        assert Role.objects.filter(
            user=applicant, office=office, kind=RoleKind.OFFICE_ADMIN
        ).exists()
    # The new admin can now edit their office.
    edit = client_for(tenant_a, applicant).get(
        reverse("members:office_edit", kwargs={"office_pk": office.pk})
    )
    assert edit.status_code == 200


def test_on_commit_emails_are_sent(tenant_a: Tenant, django_capture_on_commit_callbacks) -> None:
    applicant = make_user("applicant@care.example")
    with scope(association=tenant_a.association.pk):
        with django_capture_on_commit_callbacks(execute=True):
            office = office_register(
                association=tenant_a.association, applicant=applicant, **registration_data()
            )
        with django_capture_on_commit_callbacks(execute=True):
            office_reject(office=office, by=tenant_a.users["officer"], reason="市外の事業所のため")
    to = [message.to for message in mail.outbox]
    assert ["applicant@care.example"] in to  # received, then rejected
    assert [tenant_a.users["officer"].email] in to  # officers hear of the new application
    rejection = mail.outbox[-1]
    assert rejection.to == ["applicant@care.example"]
    assert "市外の事業所のため" in rejection.body
    assert tenant_a.association.name in rejection.subject


def test_rejection_needs_a_reason_and_decisions_happen_once(tenant_a: Tenant) -> None:
    applicant = make_user("applicant@care.example")
    with scope(association=tenant_a.association.pk):
        office = office_register(
            association=tenant_a.association, applicant=applicant, **registration_data()
        )
        with pytest.raises(ValidationError):
            office_reject(office=office, by=tenant_a.users["officer"], reason="  ")
        office_approve(office=office, by=tenant_a.users["officer"])
        with pytest.raises(ValidationError):
            office_reject(office=office, by=tenant_a.users["officer"], reason="late")
        office.refresh_from_db()
        assert office.status == OfficeStatus.APPROVED


def test_officer_of_b_cannot_decide_a_application(tenant_a: Tenant, tenant_b: Tenant) -> None:
    pending = tenant_a.offices[-1]
    response = client_for(tenant_b, tenant_b.users["officer"]).post(
        reverse("members:decide", kwargs={"office_pk": pending.pk}), {"decision": "approve"}
    )
    assert response.status_code == 404  # A's office does not exist on B's host
    with scope(association=tenant_a.association.pk):
        assert Office.objects.get(pk=pending.pk).status == OfficeStatus.APPLIED


def test_invitation_flow(tenant_a: Tenant, django_capture_on_commit_callbacks) -> None:
    admin = tenant_a.users["office_admin"]
    office = tenant_a.offices[0]
    client = client_for(tenant_a, admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("members:office_staff", kwargs={"office_pk": office.pk}),
            {"email": "Nurse@Care.example", "kind": "office_staff"},
        )
    message = mail.outbox[-1]
    assert message.to == ["nurse@care.example"]
    url = next(line for line in message.body.splitlines() if "/members/invitation/?key=" in line)
    path = url.split(tenant_a.host, 1)[1]

    # Someone else cannot use the link.
    stranger = make_user("stranger@care.example")
    stranger_client = client_for(tenant_a, stranger)
    key = path.split("key=", 1)[1]
    stranger_client.post(reverse("members:invitation"), {"key": key})
    with scope(association=tenant_a.association.pk):
        assert not Role.objects.filter(user=stranger).exists()

    nurse = make_user("nurse@care.example")
    nurse_client = client_for(tenant_a, nurse)
    assert "招待" in nurse_client.get(path).content.decode()
    response = nurse_client.post(reverse("members:invitation"), {"key": key})
    assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        assert Role.objects.filter(user=nurse, office=office, kind=RoleKind.OFFICE_STAFF).exists()
        assert Invitation.objects.get(key=key).accepted_at is not None
    # A used link does not work twice.
    nurse_client.post(reverse("members:invitation"), {"key": key})
    with scope(association=tenant_a.association.pk):
        assert Role.objects.filter(user=nurse).count() == 1


def test_staff_removal_keeps_the_last_admin(tenant_a: Tenant) -> None:
    admin = tenant_a.users["office_admin"]
    office = tenant_a.offices[0]
    client = client_for(tenant_a, admin)
    url = reverse("members:office_staff", kwargs={"office_pk": office.pk})
    with scope(association=tenant_a.association.pk):
        admin_role = Role.objects.get(user=admin, office=office)
        staff_role = Role.objects.get(user=tenant_a.users["office_staff"], office=office)
    client.post(url, {"action": "remove", "role": admin_role.pk})
    client.post(url, {"action": "remove", "role": staff_role.pk})
    with scope(association=tenant_a.association.pk):
        assert Role.objects.filter(pk=admin_role.pk).exists()
        assert not Role.objects.filter(pk=staff_role.pk).exists()


def test_office_admin_manages_only_their_office(tenant_a: Tenant) -> None:
    other = tenant_a.offices[1]
    client = client_for(tenant_a, tenant_a.users["office_admin"])
    for name in ("members:office_edit", "members:office_staff"):
        assert client.get(reverse(name, kwargs={"office_pk": other.pk})).status_code == 403


def test_profile_edit_saves_normalised_values(tenant_a: Tenant) -> None:
    office = tenant_a.offices[0]
    client = client_for(tenant_a, tenant_a.users["office_admin"])
    response = client.post(
        reverse("members:office_edit", kwargs={"office_pk": office.pk}),
        {
            "name": "新しい名前",
            "kana": "あたらしいなまえ",
            "service_codes": ["43"],
            "postal_code": "５６１－０８８４",
            "address": "豊中市岡町1-1",
            "phone": "",
            "email": "",
            "capacity": "",
        },
    )
    assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        office.refresh_from_db()
        assert office.name == "新しい名前" and office.postal_code == "561-0884"
