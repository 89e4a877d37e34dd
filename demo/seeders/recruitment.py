"""Booths at the demo's job fairs, through `recruitment.services`: about twenty member offices
each; a fair that has ended has its outcomes recorded (interviews, hires) as offices do."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import transaction

from demo.data.events import HIRING_FOR
from demo.seeders.users import demo_office
from events.models import Event
from members.models import Office, OfficeStatus
from recruitment.services import booth_outcome_record, job_fair_booth_create
from recruitment.services import logger as recruitment_logger

BOOTHS_PER_FAIR = 20


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
                    booth_outcome_record(
                        booth=booth,
                        interviews=interviews,
                        hires=rng.randint(0, min(interviews, 2)),
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
