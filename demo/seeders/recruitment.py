"""Joint recruitment in the demo, through `recruitment.services`: booths at the job fairs
(about twenty member offices each; a fair that has ended has its outcomes recorded), and job
postings (about one per three offices, varied jobs, pay and tags) with applications in every
state, as offices and job seekers make them."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.db import transaction
from django.test.utils import override_settings

from demo.data import jobs as job_data
from demo.data.events import HIRING_FOR
from demo.seeders.users import demo_office
from events.models import Event
from members.models import Office, OfficeStatus
from recruitment.models import ApplicationStatus, JobPosting
from recruitment.services import (
    application_status_set,
    application_submit,
    booth_outcome_record,
    job_fair_booth_create,
    posting_close,
    posting_publish,
    posting_save,
    posting_views_record,
)
from recruitment.services import logger as recruitment_logger

BOOTHS_PER_FAIR = 20
BOOTH_JOBS = ["care_worker", "care_worker", "home_helper", "nurse"]


@transaction.atomic
def job_fair_booths_seed(*, fairs: list[Event], seed: int, now: datetime) -> int:
    """Booths for `fairs` (new fairs: the seed never adds booths to a fair that has some)."""
    rng = random.Random(f"{seed}-events")
    offices = list(Office.objects.filter(status=OfficeStatus.APPROVED).order_by("pk"))
    first = demo_office()
    created = 0
    for fair in fairs:
        if fair.booths.exists():
            continue
        # The demo office admin's office always takes part.
        others = [office for office in offices if office != first]
        taking_part = ([first] if first else []) + rng.sample(
            others, min(BOOTHS_PER_FAIR - 1, len(others))
        )
        for office in taking_part:
            booth = job_fair_booth_create(
                event=fair,
                office=office,
                hiring_for=rng.choice(HIRING_FOR),
                open_positions=rng.randint(1, 5),
            )
            created += 1
            if fair.ends_at <= now:
                interviews = rng.randint(0, 6)
                with _quiet(recruitment_logger):  # an audit line per demo booth is noise
                    hires = rng.randint(0, min(interviews, 2))
                    job = (rng.choice(BOOTH_JOBS), rng.choice(["regular", "non_regular"]))
                    booth_outcome_record(
                        booth=booth,
                        interviews=interviews,
                        hires=hires,
                        hires_by_job={job: hires} if hires else None,
                        by=None,
                        now=min(fair.ends_at + timedelta(days=rng.randint(3, 20)), now),
                    )
    return created


@contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


POSTINGS_PER_OFFICE = 1 / 3
# The path an application takes; the demo stops each one somewhere along it.
_PATH = [
    ApplicationStatus.CONTACTED,
    ApplicationStatus.INTERVIEW,
    ApplicationStatus.OFFERED,
    ApplicationStatus.HIRED,
]
_ENDS = [
    ApplicationStatus.NEW,
    ApplicationStatus.CONTACTED,
    ApplicationStatus.INTERVIEW,
    ApplicationStatus.OFFERED,
    ApplicationStatus.HIRED,
    ApplicationStatus.NOT_HIRED,
    ApplicationStatus.WITHDRAWN,
]


def job_postings_seed(*, seed: int, today: date, now: datetime) -> tuple[int, int]:
    """Postings for about a third of the approved offices and applications to them, once (a
    second run, with postings there already, adds nothing). Returns (postings, applications).

    The seed's applicants are fictional: their emails go to example.invalid and no mail is
    sent while seeding."""
    if JobPosting.objects.exists():
        return 0, 0
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
        _quiet(recruitment_logger),  # an audit line per demo posting is noise
    ):
        return _job_postings_seed(seed=seed, today=today, now=now)


@transaction.atomic
def _job_postings_seed(*, seed: int, today: date, now: datetime) -> tuple[int, int]:
    rng = random.Random(f"{seed}-jobs")
    offices = list(Office.objects.filter(status=OfficeStatus.APPROVED).order_by("pk"))
    first = demo_office()
    chosen = rng.sample(offices, round(len(offices) * POSTINGS_PER_OFFICE))
    if first is not None and first not in chosen:
        chosen[0] = first
    jobs = list(job_data.JOB_WEIGHTS)
    weights = list(job_data.JOB_WEIGHTS.values())
    postings = applications = 0
    for index, office in enumerate(chosen):
        job = rng.choices(jobs, weights)[0]
        title, monthly, hourly = job_data.JOBS[job]
        regular = rng.random() < 0.6
        low, high = monthly if regular else hourly
        step = 5_000 if regular else 50
        pay_min = rng.randrange(low, high, step)
        hours, shifts = rng.choice(job_data.HOURS)
        required, welcome = job_data.QUALIFICATIONS_FOR[job]
        posting = posting_save(
            office=office,
            by=None,
            today=today,
            title=f"{title}（{'正社員' if regular else 'パート'}）",
            job_category=job,
            employment_type="regular" if regular else "non_regular",
            working_style="full_time" if regular else "part_time",
            pay_kind="monthly" if regular else "hourly",
            pay_min=pay_min,
            pay_max=pay_min + (rng.choice([20_000, 30_000, 40_000]) if regular else 200),
            allowances=rng.choice(job_data.ALLOWANCES) if regular else "交通費支給",
            working_hours=hours,
            shifts=shifts,
            work_days="シフト制・週休2日" if regular else "週2日〜、曜日は相談",
            holidays_per_year=rng.choice([105, 110, 115, 120]) if regular else None,
            qualifications_required=required,
            qualifications_welcome=welcome,
            welcome_tags=rng.sample(job_data.WELCOME_TAGS, rng.randint(1, 4)),
            smoking_measure=rng.choice(["premises", "premises", "indoors"]),
            area=_town(office),
            nearest_station="",
            description=rng.choice(job_data.DESCRIPTIONS),
            expires_on=today + timedelta(days=rng.randint(5, 90)),
        )
        published = rng.randint(1, 60)
        posting_publish(posting=posting, by=None, now=now - timedelta(days=published))
        # Job seekers' views of the posting page, day by day since it was published.
        posting_views_record(
            counts={
                (posting.pk, today - timedelta(days=day)): rng.randint(0, 12)
                for day in range(published)
            }
        )
        postings += 1
        for number in range(rng.choice([0, 0, 1, 1, 2, 3])):
            applications += _application_seed(posting, rng=rng, today=today, now=now, n=number)
        if index % 12 == 11:  # a few postings have been filled and closed
            posting_close(posting=posting, by=None, now=now)
    return postings, applications


def _application_seed(
    posting: JobPosting, *, rng: random.Random, today: date, now: datetime, n: int
) -> int:
    family, family_kana = rng.choice(job_data.FAMILY)
    given, given_kana = rng.choice(job_data.GIVEN)
    applied = now - timedelta(days=rng.randint(2, 40), hours=rng.randint(0, 10))
    application, _key = application_submit(
        posting=posting,
        name=f"{family} {given}",
        kana=f"{family_kana} {given_kana}",
        email=f"applicant-{posting.pk}-{n}@example.invalid",
        age_band=rng.choice(["20s", "30s", "40s", "50s", "60s"]),
        qualifications=rng.sample(["shoninsha", "jitsumusha", "kaigo_fukushishi"], 1),
        preferred_start=rng.choice(job_data.STARTS),
        message=rng.choice(job_data.MESSAGES),
        consent=True,
        now=applied,
    )
    end = rng.choice(_ENDS)
    special = {
        ApplicationStatus.NEW: [],
        ApplicationStatus.NOT_HIRED: [ApplicationStatus.CONTACTED, ApplicationStatus.NOT_HIRED],
        ApplicationStatus.WITHDRAWN: [ApplicationStatus.CONTACTED, ApplicationStatus.WITHDRAWN],
    }
    steps = special[end] if end in special else _PATH[: _PATH.index(end) + 1]
    moment = applied
    for status in steps:
        moment = min(moment + timedelta(days=rng.randint(1, 5)), now)
        application_status_set(
            application=application,
            status=status,
            happened_on=moment.date(),
            by=None,
            now=moment,
        )
    return 1


def _town(office: Office) -> str:
    """The town of the office's address (the demo writes 豊中市<town><number>)."""
    address = office.address or ""
    for marker in ("市", "区"):
        if marker in address:
            address = address.split(marker, 1)[1]
            break
    return address.rstrip("0123456789０１２３４５６７８９-−ー丁目番号 ").strip()[:40]
