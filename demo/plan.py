"""What the demo creates, decided before anything is written.

Everything here is a pure function of the options, the seed and (for dates) today: the same
`--seed` always describes the same corporations, offices, filings and events, and a larger
`--offices` extends the roster without changing the offices planned before.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from core.calendar import add_months, month_start
from core.identifiers import corporate_number_check_digit, provider_number_check_digit
from demo.data.events import FESTIVAL, FESTIVAL_PROGRAMME, JOB_FAIR, STUDY_SESSION, STUDY_TOPICS
from demo.data.names import BRANDS, CORPORATION_FORMS, OFFICE_WORDS, TOWNS
from demo.data.staffing import CHANNEL_WEIGHTS, COMMUNITY_BASED, OFFICE_MIX, STAFF_PROFILES
from members.models import CorporationKind, OfficeStatus

HISTORY_MONTHS = 24
# `--defer-history` files only these most recent months before the site is served.
RECENT_MONTHS = 2
DEMO_TZ = ZoneInfo("Asia/Tokyo")
Part = tuple[str, str]  # (text, kana)
_T = TypeVar("_T")


def at(day: date, hour: int) -> datetime:
    """`hour` o'clock on `day`, Japan time."""
    return datetime.combine(day, time(hour), tzinfo=DEMO_TZ)


# --- the roster --------------------------------------------------------------------------------


@dataclass
class PlannedOffice:
    name: str
    kana: str
    provider_number: str
    service_codes: list[str]
    postal_code: str
    address: str
    phone: str
    capacity: int | None
    status: OfficeStatus


@dataclass
class PlannedCorporation:
    name: str
    kana: str
    kind: CorporationKind
    corporate_number: str
    offices: list[PlannedOffice] = field(default_factory=list)


class _Names:
    """Distinct names drawn from varied parts: a few random combinations first, then (rarely,
    for very large rosters) every combination in order, so no name is given twice."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, *choices: Iterable[tuple[str, str, _T]]) -> tuple[str, str, _T]:
        for name, kana, extra in itertools.chain(*choices):
            if name not in self.used:
                self.used.add(name)
                return name, kana, extra
        raise ValueError("the demo's name parts are exhausted")


def _corporation_name(
    names: _Names, rng: random.Random, *, prefixes: list[Part], words: list[Part]
) -> tuple[str, str, Part]:
    """A corporation's name and kana, and the brand its offices may carry."""
    candidates = [(rng.choice(prefixes), rng.choice(BRANDS), rng.choice(words)) for _ in range(8)]
    combined = (
        (prefix, (f"{a[0]}{b[0]}", f"{a[1]}{b[1]}"), word)
        for prefix in prefixes
        for word in words
        for a in BRANDS
        for b in BRANDS
        if a != b
    )
    return names.take(
        (
            (f"{prefix[0]}{brand[0]}{word[0]}", f"{prefix[1]}{brand[1]}{word[1]}", brand)
            for prefix, brand, word in itertools.chain(candidates, combined)
        )
    )


def _office_name(
    names: _Names, rng: random.Random, *, main: str, brand: Part, town: Part
) -> tuple[str, str]:
    words = OFFICE_WORDS[main]

    def spellings(brand: Part) -> list[tuple[str, str]]:
        word, word_kana, may_lead = rng.choice(words)
        forms = [(f"{brand[0]}{word}", f"{brand[1]}{word_kana}")]
        if may_lead:
            forms.append((f"{word}{brand[0]}", f"{word_kana}{brand[1]}"))
        return [rng.choice(forms)]

    candidates = spellings(brand) + spellings(rng.choice(BRANDS)) + spellings(rng.choice(BRANDS))
    # A branch named after its town: 「あおば岡町ヘルパーステーション」.
    candidates += [
        (f"{b[0]}{town[0]}{w[0]}", f"{b[1]}{town[1]}{w[1]}")
        for b in (brand, rng.choice(BRANDS))
        for w in [rng.choice(words)]
    ]
    exhaustive = (
        (f"{b[0]}{t[0]}{w[0]}", f"{b[1]}{t[1]}{w[1]}") for b in BRANDS for t in TOWNS for w in words
    )
    name, kana, _none = names.take(
        ((name, kana, None) for name, kana in candidates),
        ((name, kana, None) for name, kana in exhaustive),
    )
    return name, kana


def plan(
    *, offices: int, seed: int, prefecture: str, district: str, city: str
) -> list[PlannedCorporation]:
    """The whole demo roster for `seed`: corporations (no two with the same name), each with its
    offices (no two with the same name, valid provider numbers, plausible service mix)."""
    rng = random.Random(seed)
    corporation_names = _Names()
    office_names = _Names()
    corporations: list[PlannedCorporation] = []
    serial = 0
    used_corporate_numbers: set[str] = set()
    remaining = offices
    while remaining > 0:
        form = rng.choices(CORPORATION_FORMS, weights=[f[-1] for f in CORPORATION_FORMS])[0]
        kind, prefixes, words, (low, high), _weight = form
        count = min(remaining, rng.randint(low, high))
        while True:
            body = f"{rng.randrange(10**12):012d}"
            number = f"{corporate_number_check_digit(body)}{body}"
            if number not in used_corporate_numbers:
                used_corporate_numbers.add(number)
                break
        name, kana, brand = _corporation_name(
            corporation_names, rng, prefixes=prefixes, words=words
        )
        corporation = PlannedCorporation(
            name=name, kana=kana, kind=CorporationKind(kind), corporate_number=number
        )
        for _ in range(count):
            serial += 1
            main, extra, _weight = rng.choices(OFFICE_MIX, weights=[m[2] for m in OFFICE_MIX])[0]
            office_class = "9" if main in COMMUNITY_BASED else "7"
            first_nine = f"{prefecture}{office_class}{district}{serial:04d}"
            town, town_kana, postal = rng.choice(TOWNS)
            # Most offices carry their corporation's brand; some have a name of their own.
            office_brand = brand if rng.random() < 0.55 else rng.choice(BRANDS)
            office_name, office_kana = _office_name(
                office_names, rng, main=main, brand=office_brand, town=(town, town_kana)
            )
            roll = rng.random()
            status = (
                OfficeStatus.APPLIED
                if roll < 0.012
                else OfficeStatus.SUSPENDED
                if roll < 0.018
                else OfficeStatus.WITHDRAWN
                if roll < 0.022
                else OfficeStatus.APPROVED
            )
            residential = main in {"32", "51", "52", "33", "21", "73"}
            corporation.offices.append(
                PlannedOffice(
                    name=office_name,
                    kana=office_kana,
                    provider_number=f"{first_nine}{provider_number_check_digit(first_nine)}",
                    service_codes=[main, *extra],
                    postal_code=postal,
                    address=(
                        f"{city}{town}{rng.randint(1, 5)}丁目"
                        f"{rng.randint(1, 30)}-{rng.randint(1, 20)}"
                    ),
                    phone=f"06-68{rng.randint(40, 69)}-{rng.randint(0, 9999):04d}",
                    capacity=rng.choice([18, 29, 50, 80, 100]) if residential else None,
                    status=status,
                )
            )
        remaining -= count
        corporations.append(corporation)
    return corporations


# --- filings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingHabit:
    """How an office files: the share of months it files after the deadline, and how many of the
    latest months it has not filed at all (0: every month; HISTORY_MONTHS or more: never)."""

    late_share: float
    months_not_filed: int

    def files(self, month: date, *, this_month: date) -> bool:
        return month < add_months(this_month, -self.months_not_filed)


def filing_habit(*, seed: int, provider_number: str) -> FilingHabit:
    """Most offices file on time; about one in twenty files late most months, and about one in
    thirty has stopped filing (a few never filed)."""
    rng = random.Random(f"{seed}-{provider_number}-habit")
    roll = rng.random()
    if roll < 0.008:
        return FilingHabit(late_share=0.0, months_not_filed=10_000)
    if roll < 0.035:
        return FilingHabit(late_share=0.3, months_not_filed=rng.randint(1, 4))
    if roll < 0.085:
        return FilingHabit(late_share=0.75, months_not_filed=0)
    return FilingHabit(late_share=0.06, months_not_filed=0)


PUNCTUAL = FilingHabit(late_share=0.0, months_not_filed=0)


def history_months(*, today: date, months: int) -> list[date]:
    """The `months` months before today's, oldest first."""
    this_month = month_start(today)
    return [add_months(this_month, -count) for count in range(months, 0, -1)]


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


def staffing_history(
    *, provider_number: str, main_service: str, seed: int, months: list[date]
) -> dict[date, list[dict[str, Any]]]:
    """Plausible monthly rows of one office, the same for the same seed and office.

    Each office draws its own yearly separation rate around the national 14 % and a hiring
    rate a little above it (spread between offices: a standard deviation of 5 points), so
    the association lands near the national figures (離職率 12–16 %, 採用率 14–18 %).
    """
    rng = random.Random(f"{seed}-{provider_number}")
    separation_rate = min(max(rng.gauss(0.145, 0.05), 0.02), 0.40)
    hire_rate = min(max(separation_rate + rng.gauss(0.02, 0.03), 0.02), 0.45)
    profile = STAFF_PROFILES.get(main_service, STAFF_PROFILES["15"])
    targets = {key: rng.randint(low, high) for key, (low, high) in profile.items()}
    headcounts = dict(targets)
    foreign = rng.choice([0, 0, 1, 2, 3]) if main_service in {"51", "52", "33"} else None
    history: dict[date, list[dict[str, Any]]] = {}
    for month in months:
        rows = []
        for (job, employment), target in targets.items():  # the target sizes open positions
            # Non-regular staff come and go more often than regular staff.
            factor = 1.15 if employment == "non_regular" else 0.9
            start = headcounts[job, employment]
            separations = _binomial(rng, start, separation_rate * factor / 12)
            hires = _binomial(rng, max(start, 1), hire_rate * factor / 12)
            end = start + hires - separations
            headcounts[job, employment] = end
            channels = dict.fromkeys(CHANNEL_WEIGHTS, 0)
            for channel in rng.choices(
                list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()), k=hires
            ):
                channels[channel] += 1
            row: dict[str, Any] = {
                "job_category": job,
                "employment_type": employment,
                "headcount_start": start,
                "hires": hires,
                "separations": separations,
                "separations_within_year": _binomial(rng, separations, 0.35),
                "headcount_end": end,
                "open_positions": max(0, min(5, round(target * 1.05) - end)),
                **channels,
            }
            if foreign is not None and (job, employment) == ("care_worker", "regular"):
                row["foreign_specified_skilled"] = foreign
            rows.append(row)
        history[month] = rows
    return history


def main_service(codes: list[str]) -> str:
    """The service an office's staffing follows: the first of its codes that has a profile."""
    return min(codes, key=lambda code: (code not in STAFF_PROFILES, code))


# --- events ------------------------------------------------------------------------------------


@dataclass
class PlannedProgrammeItem:
    title: str
    title_kana: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    description: str


@dataclass
class PlannedEvent:
    """An event's fields for `events.services.event_save`; `venue` is a key of VENUES."""

    kind: str
    title: str
    title_kana: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    draft: bool = False
    audience: str = "public"
    registration_required: bool = False
    capacity: int | None = None
    programme: list[PlannedProgrammeItem] = field(default_factory=list)

    @property
    def is_job_fair(self) -> bool:
        return self.kind == "job_fair"


def _second_sunday(year: int, month_number: int) -> date:
    first = date(year, month_number, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7)


def events_plan(*, today: date) -> list[PlannedEvent]:
    """The association's year around `today`: a 勉強会 on the third Thursday of each month (six
    before, six after; the last still a draft), the last 就職フェア held and the next one (spring
    and autumn, second Sunday), and いきてゆくフェス in November at four venues. Past and
    upcoming events exist whatever the day."""
    events: list[PlannedEvent] = []
    first_month = add_months(month_start(today), -6)
    for index in range(12):
        month = add_months(first_month, index)
        day = month + timedelta(days=(3 - month.weekday()) % 7 + 14)
        topic, topic_kana = STUDY_TOPICS[(month.year * 12 + month.month) % len(STUDY_TOPICS)]
        events.append(
            PlannedEvent(
                kind="study_session",
                title=f"勉強会「{topic}」",
                title_kana=f"べんきょうかい「{topic_kana}」",
                audience="members",
                draft=index == 11,  # the last one is still being planned
                summary=STUDY_SESSION["summary"],
                description=STUDY_SESSION["description"].format(topic=topic),
                venue="hall",
                starts_at=at(day, 18),
                ends_at=at(day, 20),
                registration_required=True,
                capacity=60,
            )
        )
    fair_days = sorted(
        _second_sunday(year, month_number)
        for year in (today.year - 1, today.year, today.year + 1)
        for month_number in (5, 10)
    )
    held = max(day for day in fair_days if day < today)
    coming = min(day for day in fair_days if day > today)
    for day in (held, coming):
        season = "春" if day.month == 5 else "秋"
        events.append(
            PlannedEvent(
                kind="job_fair",
                title=f"介護・福祉の就職フェア {day.year}{season}",
                title_kana=f"かいご・ふくしのしゅうしょくふぇあ {day.year}",
                summary=JOB_FAIR["summary"],
                description=JOB_FAIR["description"],
                venue="hall",
                starts_at=at(day, 13),
                ends_at=at(day, 16),
                registration_required=True,
                capacity=200,
            )
        )
    fest_year = today.year if date(today.year, 11, 1) > add_months(today, -6) else today.year + 1
    first_of_november = date(fest_year, 11, 1)
    fest_day = first_of_november + timedelta(days=(5 - first_of_november.weekday()) % 7)
    events.append(
        PlannedEvent(
            kind="festival",
            title=f"いきてゆくフェス {fest_year}",
            title_kana=f"いきてゆくふぇす {fest_year}",
            summary=FESTIVAL["summary"],
            description=FESTIVAL["description"],
            venue="hall",
            starts_at=at(fest_day, 10),
            ends_at=at(fest_day, 16),
            programme=[
                PlannedProgrammeItem(
                    title=title,
                    title_kana=kana,
                    venue=venue,
                    starts_at=at(fest_day, start),
                    ends_at=at(fest_day, end),
                    capacity=capacity,
                    description=description,
                )
                for title, kana, venue, start, end, capacity, description in FESTIVAL_PROGRAMME
            ],
        )
    )
    return events
