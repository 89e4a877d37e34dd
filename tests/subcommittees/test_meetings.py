"""Meetings through the pages: schedule, edit (agenda, minutes), attendance per office,
times read and shown in Japan time, every mistake shown next to its field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from members.models import OfficeStatus
from members.services import office_update
from subcommittees.models import AttendanceStatus, Meeting, MeetingAttendance, SubcommitteeKind
from subcommittees.selectors import meeting_attendance_sheet
from subcommittees.services import meeting_attendance_set, meeting_create, meeting_update
from tests.conftest import client_for
from tests.subcommittees.helpers import TOKYO, add_meeting, add_office, subcommittee_of
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def test_leader_schedules_a_meeting_in_japan_time(tenant_a: Tenant) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    client = client_for(tenant_a, tenant_a.users["leader"])
    url = reverse("subcommittees:meeting_new", kwargs={"subcommittee_pk": kyotaku.pk})
    form = client.get(url).text
    assert 'type="datetime-local"' in form and "<fieldset>" in form and "<legend>" in form

    response = client.post(
        url,
        {
            "title": "第3回 居宅部会",
            "starts_at": "2026-07-01T14:00",
            "ends_at": "2026-07-01T16:30",
            "place": "豊中市役所 第2会議室",
            "online_url": "https://meet.example.jp/abc",
            "agenda": "1. 報酬改定について\n2. その他",
        },
    )
    with scope(association=tenant_a.association.pk):
        meeting = Meeting.objects.get(title="第3回 居宅部会")
    assert response.status_code == 302
    assert response["Location"] == reverse("subcommittees:meeting_detail", args=[meeting.pk])
    assert meeting.starts_at == datetime(2026, 7, 1, 5, 0, tzinfo=UTC)
    assert meeting.ends_at == datetime(2026, 7, 1, 7, 30, tzinfo=UTC)
    assert meeting.subcommittee_id == kyotaku.pk
    assert meeting.created_by == tenant_a.users["leader"]

    page = client_for(tenant_a, tenant_a.users["office_staff"]).get(response["Location"]).text
    assert "14:00" in page and "16:30" in page and "05:00" not in page
    assert 'href="https://meet.example.jp/abc"' in page
    assert "報酬改定について" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"starts_at": "2026-07-01T14:00", "ends_at": "2026-07-01T13:00", "place": "会館"},
            "ends_at",
            "The meeting cannot end before it starts.",
        ),
        ({"starts_at": "2026-07-01T14:00"}, "place", "Give a place, an online meeting link"),
        (
            {"starts_at": "2026-07-01T14:00", "online_url": "javascript:alert(1)"},
            "online_url",
            "",
        ),
        ({"starts_at": "", "place": "会館"}, "starts_at", ""),
    ],
)
def test_mistakes_are_shown_and_nothing_is_saved(
    tenant_a: Tenant, data: dict[str, str], field: str, message: str
) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    client = client_for(tenant_a, tenant_a.users["leader"])
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("subcommittees:meeting_new", args=[kyotaku.pk]),
        {"title": "誤りのある会議", **data},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    page = response.text
    assert 'role="alert"' in page
    assert f'href="#id_{field}"' in page  # the summary links to the field
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert message in page
    with scope(association=tenant_a.association.pk):
        assert not Meeting.objects.filter(title="誤りのある会議").exists()


def test_service_refuses_naive_times_and_unsafe_links(tenant_a: Tenant) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    with scope(association=tenant_a.association.pk):
        with pytest.raises(ValidationError) as naive:
            meeting_create(
                subcommittee=kyotaku,
                title="x",
                starts_at=datetime(2026, 7, 1, 14, 0),  # noqa: DTZ001 - naive on purpose
                place="会館",
            )
        assert "starts_at" in naive.value.error_dict
        with pytest.raises(ValidationError) as link:
            meeting_create(
                subcommittee=kyotaku,
                title="x",
                starts_at=timezone.now(),
                online_url="javascript:alert(1)",
            )
        assert "online_url" in link.value.error_dict


def test_edit_shows_japan_time_and_saves_minutes(tenant_a: Tenant) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    meeting = add_meeting(tenant_a, kyotaku, datetime(2026, 6, 18, 14, 0, tzinfo=TOKYO))
    client = client_for(tenant_a, tenant_a.users["leader"])
    url = reverse("subcommittees:meeting_edit", kwargs={"meeting_pk": meeting.pk})
    assert 'value="2026-06-18T14:00"' in client.get(url).text

    response = client.post(
        url,
        {
            "title": meeting.title,
            "starts_at": "2026-06-18T14:00",
            "place": meeting.place,
            "minutes": "報告事項を確認した。",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "報告事項を確認した。"
    assert meeting.starts_at == datetime(2026, 6, 18, 14, 0, tzinfo=TOKYO)
    assert "報告事項を確認した。" in client.get(response["Location"]).text


def test_update_reports_what_changed_and_validates_the_whole(tenant_a: Tenant) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    meeting = add_meeting(tenant_a, kyotaku)
    with scope(association=tenant_a.association.pk):
        assert meeting_update(meeting=meeting, changes={"title": meeting.title}) == []
        assert meeting_update(meeting=meeting, changes={"agenda": "議題"}) == ["agenda"]
        with pytest.raises(ValidationError):
            meeting_update(meeting=meeting, changes={"ends_at": meeting.starts_at - timedelta(1)})
        with pytest.raises(ValidationError):  # dropping the place leaves nowhere to meet
            meeting_update(meeting=meeting, changes={"place": ""})
        meeting.refresh_from_db()
        assert meeting.place and meeting.ends_at is None


def test_attendance_per_office(tenant_a: Tenant) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    first = tenant_a.offices[0]
    second = add_office(tenant_a, ["46"], name="アルファ第二居宅")
    outsider = tenant_a.offices[2]  # 通所部会
    meeting = add_meeting(tenant_a, kyotaku)
    client = client_for(tenant_a, tenant_a.users["leader"])
    url = reverse("subcommittees:meeting_attendance", kwargs={"meeting_pk": meeting.pk})

    page = client.get(url).text
    assert first.name in page and second.name in page and outsider.name not in page
    assert '<th scope="row"' in page and "<caption>" in page
    assert f'for="id_office_{first.pk}"' in page  # every select has its label

    response = client.post(
        url, {f"office_{first.pk}": "attending", f"office_{second.pk}": "absent"}
    )
    assert response.status_code == 302
    response = client.post(url, {f"office_{first.pk}": "attended", f"office_{second.pk}": ""})
    assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        rows = dict(meeting.attendances.values_list("office_id", "status"))
    assert rows == {first.pk: AttendanceStatus.ATTENDED}

    detail = client_for(tenant_a, tenant_a.users["office_staff"]).get(response["Location"])
    assert detail.context["counts"] == {"attending": 0, "absent": 0, "attended": 1}


def test_attendance_refuses_offices_outside_the_subcommittee(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    meeting = add_meeting(tenant_a, kyotaku)
    with scope(association=tenant_a.association.pk):
        for office in (tenant_a.offices[2], tenant_b.offices[0]):  # 通所部会; B's 居宅
            with pytest.raises(ValidationError):
                meeting_attendance_set(meeting=meeting, statuses={office.pk: "attended"})
        with pytest.raises(ValidationError):
            meeting_attendance_set(meeting=meeting, statuses={tenant_a.offices[0].pk: "late"})
        assert not MeetingAttendance.objects.filter(meeting=meeting).exists()


def test_an_office_that_left_keeps_its_attendance(tenant_a: Tenant) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    office = add_office(tenant_a, ["43"])
    meeting = add_meeting(tenant_a, kyotaku)
    with scope(association=tenant_a.association.pk):
        meeting_attendance_set(meeting=meeting, statuses={office.pk: "attended"})
        office_update(office=office, changes={"status": OfficeStatus.WITHDRAWN})
        sheet = {
            o.pk: o.attendance_status  # type: ignore[attr-defined]
            for o in meeting_attendance_sheet(meeting=meeting)
        }
    assert sheet[office.pk] == "attended"
    # It can still be corrected on the attendance page.
    client = client_for(tenant_a, tenant_a.users["leader"])
    url = reverse("subcommittees:meeting_attendance", args=[meeting.pk])
    assert office.name in client.get(url).text


def test_subcommittee_page_splits_upcoming_and_past(tenant_a: Tenant) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    now = timezone.now()
    add_meeting(tenant_a, kyotaku, now + timedelta(days=3), title="来週の会議")
    add_meeting(tenant_a, kyotaku, now - timedelta(days=30), title="先月の会議")
    add_meeting(
        tenant_a,
        kyotaku,
        now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        title="開催中の会議",
    )
    response = client_for(tenant_a, tenant_a.users["office_staff"]).get(
        reverse("subcommittees:detail", args=[kyotaku.pk])
    )
    upcoming = [m.title for m in response.context["upcoming"]]
    past = [m.title for m in response.context["past"]]
    assert upcoming[:2] == ["開催中の会議", "来週の会議"]
    assert "先月の会議" in past and "来週の会議" not in past


def test_empty_states(tenant_a: Tenant) -> None:
    nyusho = subcommittee_of(tenant_a, SubcommitteeKind.NYUSHO)  # the fixture has none approved
    client = client_for(tenant_a, tenant_a.users["officer"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("subcommittees:detail", args=[nyusho.pk])).text
    assert "No meetings planned." in page
    assert "No past meetings yet." in page
    assert "No announcements yet." in page
    assert "No member offices yet." in page
