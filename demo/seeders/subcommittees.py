"""Each 部会's meetings and a draft notice, through `subcommittees.services`."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from demo.data.events import SUBCOMMITTEE_MEETINGS as TEXT
from demo.plan import at
from subcommittees.models import AttendanceStatus, Meeting, Subcommittee
from subcommittees.selectors import offices_in_subcommittee
from subcommittees.services import announcement_create, meeting_attendance_set, meeting_create


@transaction.atomic
def subcommittee_activity_seed(*, seed: int, today: date) -> int:
    """A past meeting with minutes and attendance, a coming one and a draft notice per 部会
    (once: nothing when the association has meetings). Returns the meetings created."""
    if Meeting.objects.exists():
        return 0
    rng = random.Random(seed)
    created = 0
    for subcommittee in Subcommittee.objects.order_by("pk"):
        past = meeting_create(
            subcommittee=subcommittee,
            title=f"{subcommittee.name} 定例会",
            starts_at=at(today - timedelta(days=30 + rng.randint(0, 10)), 14),
            place=TEXT["place"],
            agenda=TEXT["agenda"],
            minutes=TEXT["minutes"],
        )
        offices = list(offices_in_subcommittee(subcommittee=subcommittee)[:40])
        meeting_attendance_set(
            meeting=past,
            statuses={
                office.pk: rng.choice([AttendanceStatus.ATTENDED, AttendanceStatus.ABSENT])
                for office in offices
            },
        )
        meeting_create(
            subcommittee=subcommittee,
            title=f"{subcommittee.name} 勉強会",
            starts_at=at(today + timedelta(days=14 + rng.randint(0, 10)), 18),
            online_url=TEXT["online_url"],
            agenda=TEXT["study_agenda"],
        )
        announcement_create(
            subcommittee=subcommittee,
            subject=f"{subcommittee.name}からのお知らせ（下書き）",
            body=TEXT["notice_body"],
        )
        created += 2
    return created
