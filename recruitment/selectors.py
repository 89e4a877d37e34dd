"""Read-side queries for job fairs: booths of an office, a fair's totals, hires per month."""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from core.calendar import add_months
from events.models import Event, EventKind, EventStatus
from members.models import Office
from recruitment.models import (
    ApplicationStatus,
    JobApplication,
    JobFairBooth,
    JobFairBoothHire,
    JobPosting,
    JobPostingViewDay,
    PayKind,
    PostingStatus,
)

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


# --- joint recruitment ----------------------------------------------------------------------

# Who holds a qualification also meets the lower ones (介護福祉士 ⊃ 実務者研修 ⊃ 初任者研修).
MEETS = {
    "kaigo_fukushishi": ("kaigo_fukushishi", "jitsumusha", "shoninsha"),
    "jitsumusha": ("jitsumusha", "shoninsha"),
    "shoninsha": ("shoninsha",),
    "care_manager": ("care_manager",),
    "nurse": ("nurse",),
    "none": (),
}
HOURS_A_MONTH = 160  # to rank hourly pay beside monthly pay
HOURLY_FLOOR_BELOW = 10_000  # a pay floor under this is an hourly wage


@dataclass(frozen=True)
class JobFilters:
    q: str = ""
    job_category: str = ""
    employment_type: str = ""
    working_style: str = ""
    subcommittee: int | None = None
    area: str = ""
    qualification: str = ""
    pay_kind: str = ""
    pay_floor: int | None = None
    tags: tuple[str, ...] = ()
    sort: str = "new"


def _contains(field: str, value: str) -> Q:
    """A JSON list field holds `value` (its text holds "value", quotes included): the same
    lookup on PostgreSQL and on the embedded SQLite."""
    return Q(**{f"{field}__icontains": f'"{value}"'})


def open_postings(*, today: date | None = None) -> QuerySet[JobPosting]:
    """Postings a job seeker can apply for: published and not past their “open until” day
    (the daily job closes them; until it runs they are shown as ended, never as open)."""
    today = today or timezone.localdate()
    return JobPosting.objects.filter(status=PostingStatus.PUBLISHED, expires_on__gte=today)


def public_postings(*, filters: JobFilters, today: date | None = None) -> QuerySet[JobPosting]:
    """The board's search: every filter in the database, the office joined, in one query."""
    postings = open_postings(today=today).select_related("office")
    if filters.q:
        for word in filters.q.split()[:5]:
            postings = postings.filter(
                Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(office__name__icontains=word)
                | Q(area__icontains=word)
                | Q(nearest_station__icontains=word)
            )
    for name in ("job_category", "employment_type", "working_style", "pay_kind"):
        if getattr(filters, name):
            postings = postings.filter(**{name: getattr(filters, name)})
    if filters.area:
        postings = postings.filter(Q(area=filters.area) | Q(nearest_station=filters.area))
    if filters.subcommittee:
        from subcommittees.selectors import office_in_subcommittee

        postings = postings.filter(
            office__in=Office.objects.filter(office_in_subcommittee(filters.subcommittee))
        )
    if filters.qualification in MEETS:
        meets = Q(qualifications_required=[]) | _contains("qualifications_required", "none")
        for held in MEETS[filters.qualification]:
            meets |= _contains("qualifications_required", held)
        postings = postings.filter(meets)
    for tag in filters.tags:
        postings = postings.filter(_contains("welcome_tags", tag))
    top = Coalesce("pay_max", "pay_min")
    if filters.pay_floor:
        kind = filters.pay_kind or (
            PayKind.HOURLY if filters.pay_floor < HOURLY_FLOOR_BELOW else PayKind.MONTHLY
        )
        postings = (
            postings.filter(pay_kind=kind)
            .annotate(pay_top=top)
            .filter(pay_top__gte=filters.pay_floor)
        )
    if filters.sort == "pay":
        monthly = Case(
            When(pay_kind=PayKind.HOURLY, then=top * HOURS_A_MONTH),
            default=top,
            output_field=IntegerField(),
        )
        return postings.annotate(pay_rank=monthly).order_by("-pay_rank", "-published_at", "-pk")
    return postings.order_by("-published_at", "-pk")


def posting_areas() -> list[str]:
    """Towns and stations of open postings, for the area filter (one query)."""
    rows = open_postings().values_list("area", "nearest_station").distinct()
    return sorted({value for row in rows for value in row if value})


def subcommittee_choices() -> list[tuple[str, str]]:
    from subcommittees.models import Subcommittee

    return [(str(pk), name) for pk, name in Subcommittee.objects.values_list("pk", "name")]


def other_open_postings(*, posting: JobPosting, limit: int = 5) -> list[JobPosting]:
    """The same office's other open postings."""
    return list(
        open_postings()
        .filter(office_id=posting.office_id)
        .exclude(pk=posting.pk)
        .order_by("-published_at", "-pk")[:limit]
    )


def related_open_postings(*, posting: JobPosting, limit: int = 5) -> list[JobPosting]:
    """Open postings for the same kind of job elsewhere (shown when this one has ended)."""
    return list(
        open_postings()
        .filter(job_category=posting.job_category)
        .exclude(pk=posting.pk)
        .select_related("office")
        .order_by("-published_at", "-pk")[:limit]
    )


def upcoming_booths(*, office_id: int, now: datetime | None = None) -> list[JobFairBooth]:
    """The office's booths at public job fairs still to come."""
    from events.models import Audience

    return list(
        JobFairBooth.objects.filter(
            office_id=office_id,
            event__kind=EventKind.JOB_FAIR,
            event__status=EventStatus.PUBLISHED,
            event__audience=Audience.PUBLIC,
            event__ends_at__gte=now or timezone.now(),
        )
        .select_related("event")
        .order_by("event__starts_at")
    )


def postings_of_offices(*, office_ids: set[int]) -> QuerySet[JobPosting]:
    """An office's postings for its member pages, with new and total applications."""
    return (
        JobPosting.objects.filter(office_id__in=office_ids)
        .select_related("office")
        .annotate(
            application_count=Count("applications"),
            new_count=Count("applications", filter=Q(applications__seen_at__isnull=True)),
        )
        .order_by("-updated_at", "-pk")
    )


def applications_of_offices(
    *, office_ids: set[int], posting_id: int | None = None
) -> QuerySet[JobApplication]:
    applications = JobApplication.objects.filter(posting__office_id__in=office_ids)
    if posting_id:
        applications = applications.filter(posting_id=posting_id)
    return applications.select_related("posting", "posting__office").order_by("-created_at", "-pk")


def posting_overview() -> QuerySet[JobPosting]:
    """Officers: every posting with application and hire counts, never an applicant."""
    return (
        JobPosting.objects.select_related("office")
        .annotate(
            application_count=Count("applications"),
            hire_count=Count(
                "applications", filter=Q(applications__status=ApplicationStatus.HIRED)
            ),
        )
        .order_by("-updated_at", "-pk")
    )


# The filing's channel fields that joint recruitment fills (kpis.models.HIRE_CHANNELS).
CHANNEL_POSTING = "hires_association_posting"
CHANNEL_JOB_FAIR = "hires_job_fair"


def offered_hires(*, office_id: int, month: date) -> dict[tuple[str, str], dict[str, int]]:
    """What the office's filing of `month` is offered, by (job category, employment type) and
    channel field: hires on its job-board postings (by the hire date) under “association job
    posting”, and the hires its job-fair booths recorded by job (fairs held that month) under
    “association job fair”. Two queries."""
    offered: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for key, count in posting_hires(office_id=office_id, month=month).items():
        offered[key][CHANNEL_POSTING] = count
    start, end = _month_bounds(month)
    rows = (
        JobFairBoothHire.objects.filter(
            booth__office_id=office_id,
            booth__event__kind=EventKind.JOB_FAIR,
            booth__event__starts_at__gte=start,
            booth__event__starts_at__lt=end,
        )
        .exclude(booth__event__status=EventStatus.CANCELLED)
        .values_list("job_category", "employment_type")
        .annotate(total=Sum("count"))
        .order_by()
    )
    for job, employment, total in rows:
        if total:
            offered[(job, employment)][CHANNEL_JOB_FAIR] = int(total)
    return dict(offered)


def posting_hires(*, office_id: int, month: date) -> dict[tuple[str, str], int]:
    """Hires the office recorded on its postings in `month` (by the hire date), by job
    category × employment type: what the filing offers under “association job posting”."""
    first = month.replace(day=1)
    rows = (
        JobApplication.objects.filter(
            posting__office_id=office_id,
            status=ApplicationStatus.HIRED,
            hired_on__gte=first,
            hired_on__lt=add_months(first, 1),
        )
        .values_list("posting__job_category", "posting__employment_type")
        .annotate(count=Count("pk"))
    )
    return {(category, employment): count for category, employment, count in rows}


@dataclass(frozen=True)
class RecruitmentFigures:
    """Officers' joint-recruitment figures: counts only, never an applicant."""

    open_postings: int
    applications_by_status: dict[str, int]
    hires_by_month: list[tuple[date, int]]
    average_days_to_hire: float | None

    @property
    def applications(self) -> int:
        return sum(self.applications_by_status.values())

    @property
    def hires(self) -> int:
        return self.applications_by_status.get(ApplicationStatus.HIRED, 0)


def recruitment_figures(*, today: date | None = None) -> RecruitmentFigures:
    """Open postings, applications by status, hires by month of hire and the average days
    from application to hire, over the applications still kept (four grouped queries)."""
    by_status = dict(
        JobApplication.objects.values_list("status").annotate(count=Count("pk")).order_by()
    )
    hired = JobApplication.objects.filter(status=ApplicationStatus.HIRED, hired_on__isnull=False)
    # Grouped in the database: rows by month and by days waited, never one per hire.
    months = {
        month: int(count)
        for month, count in hired.annotate(month=TruncMonth("hired_on"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    }
    waited = ExpressionWrapper(
        F("hired_on") - TruncDate("created_at", tzinfo=TOKYO), output_field=DurationField()
    )
    days = hired.annotate(waited=waited).values_list("waited").annotate(n=Count("pk")).order_by()
    total_days = sum(duration.days * count for duration, count in days)
    total_hires = sum(months.values())
    return RecruitmentFigures(
        open_postings=open_postings(today=today).count(),
        applications_by_status={str(k): int(v) for k, v in by_status.items()},
        hires_by_month=sorted(months.items(), reverse=True),
        average_days_to_hire=round(total_days / total_hires, 1) if total_hires else None,
    )


# --- officers' joint-recruitment figures --------------------------------------------------

MEASURES = ("postings", "views", "applications", "hires_posting", "hires_fair")


Scope = int | None  # a 部会's pk, or None for the whole association


@dataclass(frozen=True)
class JointRecruitment:
    """Joint recruitment over the months `first`..`last`: each measure's total per scope (the
    association, each 部会) and month, and the offices with any figure per scope over the
    whole period and in its last month, summed by the database (rows bounded by 部会 ×
    months, never by offices, postings, views or applications).

    Counts only, never an applicant. Applications and hires are those still kept (applicants'
    data are deleted after the retention period, withdrawn ones at once)."""

    first: date
    last: date
    sums: dict[tuple[Scope, date], dict[str, int]]
    # (scope, "period" or "last"): offices with any figure over the months, or in the last one
    active: dict[tuple[Scope, str], int]
    days_to_hire: dict[int, int]  # days from application to hire → hires
    open_postings: int
    fairs: list[Event] = field(default_factory=list)

    @property
    def months(self) -> list[date]:
        return _months(self.first, self.last)

    def total(
        self, measure: str, *, scope: Scope = None, months: Collection[date] | None = None
    ) -> int:
        return sum(
            counts.get(measure, 0)
            for (of, month), counts in self.sums.items()
            if of == scope and (months is None or month in months)
        )

    def offices(self, *, scope: Scope = None, last_month: bool = False) -> int:
        """Offices with any joint-recruitment figure over the period or in its last month
        (what a report cell is built from, so a small 部会's cells are suppressed)."""
        return self.active.get((scope, "last" if last_month else "period"), 0)

    @property
    def hires_counted(self) -> int:
        return sum(self.days_to_hire.values())

    @property
    def median_days_to_hire(self) -> float | None:
        """The median days from application to hire over the hires in the period."""
        total = self.hires_counted
        if not total:
            return None
        ordered = sorted(self.days_to_hire.items())

        def nth(index: int) -> int:
            seen = 0
            for days, count in ordered:
                seen += count
                if index < seen:
                    return days
            return ordered[-1][0]

        middle = total // 2
        if total % 2:
            return float(nth(middle))
        return (nth(middle - 1) + nth(middle)) / 2


def _months(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


@dataclass(frozen=True)
class _Measure:
    """One joint-recruitment count: its rows in the period, the path from a row to its office,
    the field dating it (a date, or a datetime read in Asia/Tokyo) and the field a row adds
    (None: each row counts one)."""

    rows: QuerySet[Any]
    office: str
    when: str
    dated: bool
    adds: str | None = None

    def in_month(self, month: date) -> Q:
        if self.dated:
            return Q(**{f"{self.when}__gte": month, f"{self.when}__lt": add_months(month, 1)})
        start, end = _month_bounds(month)
        return Q(**{f"{self.when}__gte": start, f"{self.when}__lt": end})

    def total(self, condition: Q) -> Aggregate:
        """The measure's total over the rows meeting `condition` (an empty Q: all rows)."""
        if self.adds:
            return Sum(self.adds, filter=condition or None)
        return Count("pk", filter=condition or None)


def joint_recruitment(
    *,
    first: date,
    last: date,
    today: date | None = None,
    with_fairs: bool = False,
    subcommittee_ids: Collection[int] | None = None,
) -> JointRecruitment:
    """Postings published, posting-page views, applications, hires from postings (by the hire
    date) and hires recorded at job-fair booths (by the fair's month), per scope and month from
    `first` to `last` (months, Asia/Tokyo), the offices with any of them, and the days from
    application to hire (`subcommittee_ids`: the association's 部会, when the caller has them).
    Nine queries (ten with the fairs of the period; eight when given the 部会), each returning
    a row per month at most, whatever the number of offices, postings or views."""
    from subcommittees.models import Subcommittee
    from subcommittees.selectors import office_in_subcommittee

    first, last = first.replace(day=1), last.replace(day=1)
    start, _end = _month_bounds(first)
    _start, end = _month_bounds(last)
    after = add_months(last, 1)
    hired = JobApplication.objects.filter(
        status=ApplicationStatus.HIRED, hired_on__gte=first, hired_on__lt=after
    )
    measures = {
        "postings": _Measure(
            JobPosting.objects.filter(published_at__gte=start, published_at__lt=end),
            "office_id",
            "published_at",
            dated=False,
        ),
        "views": _Measure(
            JobPostingViewDay.objects.filter(day__gte=first, day__lt=after, count__gt=0),
            "posting__office_id",
            "day",
            dated=True,
            adds="count",
        ),
        "applications": _Measure(
            JobApplication.objects.filter(created_at__gte=start, created_at__lt=end),
            "posting__office_id",
            "created_at",
            dated=False,
        ),
        "hires_posting": _Measure(hired, "posting__office_id", "hired_on", dated=True),
        "hires_fair": _Measure(
            JobFairBooth.objects.filter(
                event__kind=EventKind.JOB_FAIR,
                event__starts_at__gte=start,
                event__starts_at__lt=end,
                hires__gt=0,
            ).exclude(event__status=EventStatus.CANCELLED),
            "office_id",
            "event__starts_at",
            dated=False,
            adds="hires",
        ),
    }
    if subcommittee_ids is None:
        subcommittee_ids = list(Subcommittee.objects.order_by("pk").values_list("pk", flat=True))
    scopes: list[Scope] = [None, *subcommittee_ids]
    months = _months(first, last)

    def membership(office_ref: str) -> dict[str, Exists]:
        return {
            f"in_{pk}": office_in_subcommittee(pk, office_ref=office_ref) for pk in subcommittee_ids
        }

    def of_scope(scope: Scope) -> Q:
        return Q() if scope is None else Q(**{f"in_{scope}": True})

    # Per measure a row per month with activity: its total for each scope.
    sums: dict[tuple[Scope, date], dict[str, int]] = {
        (scope, month): dict.fromkeys(measures, 0) for scope in scopes for month in months
    }
    for name, measure in measures.items():
        month_index = Case(
            *(When(measure.in_month(month), then=Value(i)) for i, month in enumerate(months)),
            output_field=IntegerField(),
        )
        rows = (
            measure.rows.annotate(**membership(measure.office), month_index=month_index)
            .values("month_index")
            .annotate(**{f"s{scope or 0}": measure.total(of_scope(scope)) for scope in scopes})
            .order_by()
        )
        for row in rows:
            if row["month_index"] is None:
                continue
            for scope in scopes:
                sums[(scope, months[row["month_index"]])][name] = int(row[f"s{scope or 0}"] or 0)

    # One row: the offices with any figure per scope, over the period and in its last month.
    figures: dict[str, Exists] = {}
    for name, measure in measures.items():
        rows = measure.rows.filter(**{measure.office: OuterRef("pk")})
        figures[f"period_{name}"] = Exists(rows)
        figures[f"last_{name}"] = Exists(rows.filter(measure.in_month(last)))
    periods = {
        period: reduce(operator.or_, (Q(**{f"{period}_{name}": True}) for name in measures))
        for period in ("period", "last")
    }
    found = Office.objects.annotate(**membership("pk"), **figures).aggregate(
        **{
            f"a{scope or 0}_{period}": Count("pk", filter=condition & of_scope(scope))
            for scope in scopes
            for period, condition in periods.items()
        }
    )
    active = {
        (scope, period): int(found[f"a{scope or 0}_{period}"] or 0)
        for scope in scopes
        for period in periods
    }

    waited = ExpressionWrapper(
        F("hired_on") - TruncDate("created_at", tzinfo=TOKYO), output_field=DurationField()
    )
    days_to_hire: dict[int, int] = {}
    for duration, count in (
        hired.annotate(waited=waited).values_list("waited").annotate(n=Count("pk")).order_by()
    ):
        days = max(0, duration.days) if isinstance(duration, timedelta) else 0
        days_to_hire[days] = days_to_hire.get(days, 0) + count
    fairs: list[Event] = []
    if with_fairs:
        fairs = list(
            job_fairs()
            .filter(starts_at__gte=start, starts_at__lt=end)
            .exclude(status=EventStatus.CANCELLED)
        )
    return JointRecruitment(
        first=first,
        last=last,
        sums=sums,
        active=active,
        days_to_hire=days_to_hire,
        open_postings=open_postings(today=today).count(),
        fairs=fairs,
    )
