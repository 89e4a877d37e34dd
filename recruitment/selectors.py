"""Read-side queries for job fairs: booths of an office, a fair's totals, hires per month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet, Sum

from core.calendar import add_months
from events.models import Event, EventKind, EventStatus
from recruitment.models import JobFairBooth

TOKYO = ZoneInfo("Asia/Tokyo")


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    return (
        datetime.combine(first, time.min, tzinfo=TOKYO),
        datetime.combine(add_months(first, 1), time.min, tzinfo=TOKYO),
    )


def job_fair_hires(*, office_id: int, month: date) -> int:
    """Hires the office recorded from the association's job fairs held in `month` (Asia/Tokyo).

    A fair counts in the month it started; cancelled fairs and booths without an outcome add
    nothing. The office files these under “hires via association job fair”.
    """
    start, end = _month_bounds(month)
    total = (
        JobFairBooth.objects.filter(
            office_id=office_id,
            event__kind=EventKind.JOB_FAIR,
            event__starts_at__gte=start,
            event__starts_at__lt=end,
        )
        .exclude(event__status=EventStatus.CANCELLED)
        .aggregate(total=Sum("hires"))["total"]
    )
    return int(total or 0)


def booths_of_offices(*, office_ids: set[int]) -> QuerySet[JobFairBooth]:
    """The booths of these offices at job fairs, latest fair first."""
    return (
        JobFairBooth.objects.filter(office_id__in=office_ids)
        .exclude(event__status=EventStatus.CANCELLED)
        .select_related("event", "office")
        .order_by("-event__starts_at", "office__name", "pk")
    )


def job_fairs() -> QuerySet[Event]:
    """The association's job fairs with their booth and outcome totals, latest first."""
    return (
        Event.objects.filter(kind=EventKind.JOB_FAIR)
        .annotate(
            booth_count=Count("booths"),
            interview_total=Sum("booths__interviews"),
            hire_total=Sum("booths__hires"),
            recorded_count=Count("booths__outcome_recorded_at"),
        )
        .order_by("-starts_at", "pk")
    )


@dataclass(frozen=True)
class FairTotals:
    booths: int
    recorded: int
    open_positions: int
    interviews: int
    hires: int


def fair_booths(*, event: Event) -> QuerySet[JobFairBooth]:
    return (
        JobFairBooth.objects.filter(event=event)
        .select_related("office")
        .order_by("office__kana", "office__name", "pk")
    )


def fair_totals(*, event: Event) -> FairTotals:
    """Booths, recorded outcomes, open positions, interviews and hires of one fair."""
    row = JobFairBooth.objects.filter(event=event).aggregate(
        booths=Count("pk"),
        recorded=Count("outcome_recorded_at"),
        open_positions=Sum("open_positions"),
        interviews=Sum("interviews"),
        hires=Sum("hires"),
    )
    return FairTotals(**{key: int(value or 0) for key, value in row.items()})
