"""The demo seed: what it creates, that it is idempotent and deterministic, and a second tenant."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import override as translation_override
from django_scopes import scope, scopes_disabled

from association.models import Association, AssociationDomain, Role, RoleKind
from association.selectors import association_for_host
from core.identifiers import clean_corporate_number, clean_provider_number
from demo.data.news import ARTICLES
from demo.plan import PlannedCorporation, plan, staffing_history
from demo.seeders.users import DEMO_PASSWORD
from members.models import Corporation, Office, OfficeService, OfficeStatus
from news.models import Article
from subcommittees.models import Subcommittee, SubcommitteeKind

pytestmark = pytest.mark.django_db

OFFICES = 60
SEED = 5


def seed(*args: str, history: int = 0) -> str:
    """Run the seed; the staffing history (slow: every filing goes through the service) only
    where a test is about it."""
    out = io.StringIO()
    call_command("seed_demo", *args, "--history-months", str(history), stdout=out)
    return out.getvalue()


def seed_default(seed_value: int = SEED, *extra: str) -> str:
    return seed("--offices", str(OFFICES), "--seed", str(seed_value), *extra)


def toyonaka_plan(seed_value: int = SEED, offices: int = OFFICES) -> list[PlannedCorporation]:
    """The plan as the command computes it for the default association (豊中市 272035)."""
    return plan(
        offices=offices, seed=seed_value, prefecture="27", district="20", city="大阪府豊中市"
    )


def roster(corporations: list[PlannedCorporation]) -> list[tuple[str, str]]:
    return [(o.provider_number, o.name) for c in corporations for o in c.offices]


def db_roster(association: Association) -> list[tuple[str, str]]:
    with scope(association=association.pk):
        return sorted(Office.objects.values_list("provider_number", "name"))


def db_details(association: Association) -> list[tuple]:
    """Everything that should be reproducible about the offices, in a stable order."""
    with scope(association=association.pk):
        return sorted(
            (
                office.provider_number,
                office.name,
                office.kana,
                office.corporation.name,
                office.corporation.corporate_number,
                office.status,
                office.postal_code,
                office.address,
                tuple(sorted(s.service_code for s in office.services.all())),
            )
            for office in Office.objects.select_related("corporation").prefetch_related("services")
        )


def wipe(association: Association) -> None:
    """Remove an association and all it owns (offices first: Office.corporation is PROTECT;
    events before venues: Event.venue and ProgrammeItem.venue are PROTECT)."""
    from events.models import Event

    with scopes_disabled():
        Event.objects.filter(association=association).delete()
        Office.objects.filter(association=association).delete()
        association.delete()


def table_counts() -> dict[str, int]:
    with scopes_disabled():
        return {
            "associations": Association.objects.count(),
            "domains": AssociationDomain.objects.count(),
            "corporations": Corporation.objects.count(),
            "offices": Office.objects.count(),
            "services": OfficeService.objects.count(),
            "subcommittees": Subcommittee.objects.count(),
            "roles": Role.objects.count(),
            "users": get_user_model().objects.count(),
            "emails": EmailAddress.objects.count(),
        }


def test_seed_creates_sixty_valid_offices_and_four_subcommittees() -> None:
    """60 offices whose provider and corporate numbers pass the identifier rules."""
    output = seed_default()
    association = Association.objects.get(slug="toyonaka")
    with scope(association=association.pk):
        offices = list(Office.objects.select_related("corporation"))
        assert len(offices) == OFFICES
        for office in offices:
            assert clean_provider_number(office.provider_number) == office.provider_number
            # Prefecture 27 (大阪府) and district 20 from the municipality code 272035.
            assert office.provider_number[:2] == "27"
            assert office.provider_number[3:5] == "20"
            assert office.services.exists()
        numbers = [o.provider_number for o in offices]
        assert len(set(numbers)) == OFFICES
        corporations = list(Corporation.objects.all())
        assert corporations
        for corporation in corporations:
            assert (
                clean_corporate_number(corporation.corporate_number) == corporation.corporate_number
            )
        assert len({c.corporate_number for c in corporations}) == len(corporations)
        kinds = set(Subcommittee.objects.values_list("kind", flat=True))
        assert kinds == {k.value for k in SubcommitteeKind}
        assert Subcommittee.objects.count() == 4
        # Most offices are approved members; the seed lets a few be in other states.
        approved = sum(o.status == OfficeStatus.APPROVED for o in offices)
        assert approved >= OFFICES * 0.8
    assert f"{OFFICES} offices created" in output


def test_first_association_is_served_on_localhost() -> None:
    """The first association answers on 127.0.0.1, localhost and toyonaka.localhost."""
    seed_default()
    association = Association.objects.get(slug="toyonaka")
    assert set(association.domains.values_list("domain", flat=True)) == {
        "127.0.0.1",
        "localhost",
        "toyonaka.localhost",
    }
    assert association.municipality_code == "272035"


EXPECTED_ROLES = {
    "officer@toyonaka.example": RoleKind.OFFICER,
    "leader@toyonaka.example": RoleKind.SUBCOMMITTEE_LEADER,
    "office-admin@toyonaka.example": RoleKind.OFFICE_ADMIN,
    "office-staff@toyonaka.example": RoleKind.OFFICE_STAFF,
    "city@toyonaka.example": RoleKind.CITY_VIEWER,
}


def test_demo_users_have_their_roles_and_verified_email() -> None:
    """One demo user per role, each with a verified primary address and the demo password."""
    seed_default()
    association = Association.objects.get(slug="toyonaka")
    User = get_user_model()
    with scope(association=association.pk):
        for email, kind in EXPECTED_ROLES.items():
            user = User.objects.get(email=email)
            roles = list(Role.objects.filter(user=user))
            assert [r.kind for r in roles] == [kind], email
            role = roles[0]
            if kind in (RoleKind.OFFICE_ADMIN, RoleKind.OFFICE_STAFF):
                assert role.office is not None
                assert role.office.status == OfficeStatus.APPROVED
            if kind == RoleKind.SUBCOMMITTEE_LEADER:
                assert role.subcommittee is not None
                assert role.subcommittee.kind == SubcommitteeKind.KYOTAKU
            assert EmailAddress.objects.filter(
                user=user, email=email, verified=True, primary=True
            ).exists(), email
            assert user.check_password(DEMO_PASSWORD)
            assert not user.is_superuser
    operator = User.objects.get(email="operator@renkei.example")
    assert operator.is_superuser and operator.is_staff
    assert EmailAddress.objects.filter(user=operator, verified=True).exists()


def test_output_lists_the_log_ins() -> None:
    """Someone trying the demo reads every log-in and the password from the output."""
    output = seed_default()
    assert DEMO_PASSWORD in output
    for email in [*EXPECTED_ROLES, "operator@renkei.example"]:
        assert email in output


def test_no_superuser_option() -> None:
    """--no-superuser leaves the platform operator out."""
    output = seed_default(SEED, "--no-superuser")
    assert not get_user_model().objects.filter(email="operator@renkei.example").exists()
    assert "operator@renkei.example" not in output


def test_second_run_creates_nothing() -> None:
    """Running the seed again with the same arguments adds no rows anywhere."""
    seed_default()
    before = table_counts()
    association = Association.objects.get(slug="toyonaka")
    details = db_details(association)
    output = seed_default()
    assert table_counts() == before
    assert db_details(association) == details
    assert "0 offices created" in output
    assert "Created association" not in output


def test_second_run_with_more_offices_adds_only_the_missing_ones() -> None:
    """A larger --offices completes the roster: the first 60 are kept, the rest are created."""
    seed_default()
    association = Association.objects.get(slug="toyonaka")
    first = set(db_roster(association))
    output = seed("--offices", "70", "--seed", str(SEED))
    assert "10 offices created" in output
    after = set(db_roster(association))
    assert first <= after
    assert len(after) == 70


def test_plan_is_deterministic_and_matches_the_database() -> None:
    """The same seed plans the same roster, and the database holds exactly that roster."""
    first = toyonaka_plan()
    second = toyonaka_plan()
    assert roster(first) == roster(second)
    assert [(c.name, c.corporate_number) for c in first] == [
        (c.name, c.corporate_number) for c in second
    ]
    assert len(roster(first)) == OFFICES
    seed_default()
    association = Association.objects.get(slug="toyonaka")
    assert db_roster(association) == sorted(roster(first))


def test_two_fresh_databases_get_the_same_roster() -> None:
    """Seeding, wiping the association and seeding again reproduces every office detail."""
    seed_default()
    association = Association.objects.get(slug="toyonaka")
    first = db_details(association)
    wipe(association)
    assert not Association.objects.exists()
    seed_default()
    again = Association.objects.get(slug="toyonaka")
    assert again.pk != association.pk
    assert db_details(again) == first
    assert len(first) == OFFICES


def test_a_different_seed_gives_a_different_roster() -> None:
    """--seed 6 describes other offices than --seed 5."""
    five = toyonaka_plan(5)
    six = toyonaka_plan(6)
    assert roster(five) != roster(six)
    names_five = [name for _n, name in roster(five)]
    names_six = [name for _n, name in roster(six)]
    # Not just shuffled: the multiset of names differs too.
    assert Counter(names_five) != Counter(names_six)
    assert {c.corporate_number for c in five}.isdisjoint({c.corporate_number for c in six})


def test_a_different_seed_in_the_database() -> None:
    """The database seeded with --seed 6 differs from the one seeded with --seed 5."""
    seed_default(5)
    association = Association.objects.get(slug="toyonaka")
    five = db_details(association)
    wipe(association)
    seed_default(6)
    six = db_details(Association.objects.get(slug="toyonaka"))
    assert five != six


def test_second_association_has_its_own_domain_and_offices() -> None:
    """--slug other --municipality-code 272205: other.localhost, its own offices and numbers."""
    seed_default()
    output = seed(
        "--offices", "20", "--seed", str(SEED), "--slug", "other", "--municipality-code", "272205"
    )
    first = Association.objects.get(slug="toyonaka")
    other = Association.objects.get(slug="other")
    assert "Created association" in output
    assert "20 offices created" in output
    assert set(other.domains.values_list("domain", flat=True)) == {"other.localhost"}
    # The first association keeps its host names.
    assert set(first.domains.values_list("domain", flat=True)) == {
        "127.0.0.1",
        "localhost",
        "toyonaka.localhost",
    }
    assert association_for_host(host="other.localhost") == other
    assert association_for_host(host="localhost") == first
    assert other.municipality_code == "272205"

    first_numbers = {n for n, _name in db_roster(first)}
    other_numbers = {n for n, _name in db_roster(other)}
    assert len(first_numbers) == OFFICES
    assert len(other_numbers) == 20
    assert first_numbers.isdisjoint(other_numbers)
    for number in other_numbers:
        assert clean_provider_number(number) == number
        assert number[:2] == "27" and number[3:5] == "22"  # district 22 from 272205
    with scope(association=other.pk):
        assert Subcommittee.objects.count() == 4
        officer = get_user_model().objects.get(email="officer@other.example")
        assert list(Role.objects.filter(user=officer).values_list("kind", flat=True)) == [
            RoleKind.OFFICER
        ]
    # The first association's demo users have no role in the second.
    with scope(association=other.pk):
        assert not Role.objects.filter(user__email__endswith="@toyonaka.example").exists()


def test_service_types_in_realistic_proportions() -> None:
    """Care planning (43) and home help (11) present, at least five main service types in all."""
    planned = toyonaka_plan()
    main_codes = Counter(o.service_codes[0] for c in planned for o in c.offices)
    assert len(main_codes) >= 5, main_codes
    assert main_codes["43"] > 0 and main_codes["11"] > 0, main_codes
    # No single type swamps the membership.
    assert max(main_codes.values()) <= OFFICES * 0.6, main_codes

    seed_default()
    association = Association.objects.get(slug="toyonaka")
    with scope(association=association.pk):
        in_db = Counter(OfficeService.objects.values_list("service_code", flat=True))
        assert in_db["43"] == main_codes["43"]
        assert in_db["11"] == main_codes["11"]
        assert len(set(in_db)) >= 5


def test_seed_without_offices_still_grants_association_wide_roles() -> None:
    """With --offices 0 there is no office to tie office roles to, but the officer,
    leader and city viewer do not need one and must still get their roles."""
    output = seed("--offices", "0", "--seed", str(SEED), "--no-superuser")
    assert "0 offices created" in output
    association = Association.objects.get(slug="toyonaka")
    with scope(association=association.pk):
        kinds = set(Role.objects.values_list("kind", flat=True))
    assert {RoleKind.OFFICER, RoleKind.SUBCOMMITTEE_LEADER, RoleKind.CITY_VIEWER} <= kinds
    assert not kinds & {RoleKind.OFFICE_ADMIN, RoleKind.OFFICE_STAFF}


# --- staffing history ------------------------------------------------------------------------


def test_history_model_lands_on_national_rates_with_spread() -> None:
    """Over many offices the yearly rates are national-level (採用率 14–18 %, 離職率 12–16 %),
    and offices differ from each other."""
    from core.calendar import months_between

    months = months_between(date(2024, 10, 1), date(2025, 9, 1))
    hires = separations = start = 0
    office_rates = []
    for index in range(500):
        code = ["43", "11", "15", "51", "13", "32", "78"][index % 7]
        history = staffing_history(
            provider_number=f"27720{index:05d}", main_service=code, seed=SEED, months=months
        )
        first = sum(row["headcount_start"] for row in history[months[0]])
        office_hires = sum(row["hires"] for rows in history.values() for row in rows)
        office_separations = sum(row["separations"] for rows in history.values() for row in rows)
        hires, separations, start = (
            hires + office_hires,
            separations + office_separations,
            start + first,
        )
        if first >= 20:
            office_rates.append(office_separations / first * 100)
        for rows in history.values():
            for row in rows:
                assert (
                    row["headcount_start"] + row["hires"] - row["separations"]
                    == row["headcount_end"]
                )
                assert row["separations_within_year"] <= row["separations"]
    assert 14 <= hires / start * 100 <= 18
    assert 12 <= separations / start * 100 <= 16
    office_rates.sort()
    spread = office_rates[len(office_rates) * 9 // 10] - office_rates[len(office_rates) // 10]
    assert spread >= 8, spread


def test_seed_files_24_months_through_the_service_as_demo_data() -> None:
    """Submitted filings for the 24 months before this one, each through the service (one
    submit change each, marked as demo data), on time mostly; every approved office files
    except the few whose habit is to file late or not at all; idempotent."""
    from core.calendar import add_months, filing_deadline, month_start
    from demo.plan import filing_habit
    from demo.seeders.users import demo_office
    from kpis.history import DEMO_VIA
    from kpis.models import ReportStatus, StaffingChange, StaffingReport, StaffingRow
    from kpis.selectors import figures

    output = seed("--offices", str(OFFICES), "--seed", str(SEED), history=24)
    association = Association.objects.get(slug="toyonaka")
    this_month = month_start(timezone.localdate())
    months = {add_months(this_month, -count) for count in range(1, 25)}
    with scope(association=association.pk):
        approved = list(Office.objects.filter(status=OfficeStatus.APPROVED))
        first = demo_office()
        expected = {
            (office.pk, month)
            for office in approved
            for month in months
            if office == first
            or filing_habit(seed=SEED, provider_number=office.provider_number).files(
                month, this_month=this_month
            )
        }
        reports = list(StaffingReport.objects.all())
        assert {(r.office_id, r.month) for r in reports} == expected
        assert {r.status for r in reports} == {ReportStatus.SUBMITTED}
        assert f"{len(reports)} monthly staffing filings created" in output
        changes = StaffingChange.objects.filter(via=DEMO_VIA, action="submit")
        assert changes.count() == len(reports)  # one service call per filing
        assert not StaffingChange.objects.exclude(via=DEMO_VIA).exists()
        on_time = sum(
            r.submitted_at is not None
            and r.submitted_at.date() <= filing_deadline(r.month, deadline_day=10)
            for r in reports
        )
        assert on_time / len(reports) >= 0.75
        last = add_months(this_month, -1)
        year = figures(first=add_months(last, -11), last=last)
        assert 0.8 * len(approved) <= year.offices <= len(approved)
        assert year.hire_rate.value is not None and year.separation_rate.value is not None
        assert 10 <= year.separation_rate.value <= 20
        assert 10 <= year.hire_rate.value <= 22
        # Carried forward: each month starts where the month before ended.
        assert first is not None
        office = first.pk
        ended = {
            (row.job_category, row.employment_type): row.headcount_end
            for row in StaffingRow.objects.filter(
                report__office_id=office, report__month=add_months(last, -1)
            )
        }
        started = {
            (row.job_category, row.employment_type): row.headcount_start
            for row in StaffingRow.objects.filter(report__office_id=office, report__month=last)
        }
        assert started == ended

    counts = table_counts()
    with scope(association=association.pk):
        filed = StaffingReport.objects.count()
    again = seed("--offices", str(OFFICES), "--seed", str(SEED), history=24)
    assert "0 monthly staffing filings created" in again
    assert table_counts() == counts
    with scope(association=association.pk):
        assert StaffingReport.objects.count() == filed
        # A month missing from one office is the only one filed again.
        StaffingReport.objects.filter(office_id=office, month=last).delete()
    assert "1 monthly staffing filings created" in seed(
        "--offices", str(OFFICES), "--seed", str(SEED), history=24
    )


# --- events ----------------------------------------------------------------------------------


def test_seed_adds_a_year_of_events_once() -> None:
    """Monthly 勉強会, a spring and an autumn 就職フェア with ~20 booths (the past one with
    outcomes), and いきてゆくフェス at several venues, some items with their own capacity."""
    from events.models import Event, EventKind, ProgrammeItem, Venue
    from recruitment.models import JobFairBooth

    output = seed_default()
    association = Association.objects.get(slug="toyonaka")
    now = timezone.now()
    with scope(association=association.pk):
        assert Event.objects.filter(kind=EventKind.STUDY_SESSION).count() == 12
        fairs = list(Event.objects.filter(kind=EventKind.JOB_FAIR).order_by("starts_at"))
        assert len(fairs) == 2
        assert {fair.starts_at.month for fair in fairs} == {5, 10}
        held, coming = fairs
        assert held.ends_at <= now < coming.starts_at
        for fair in fairs:
            assert JobFairBooth.objects.filter(event=fair).count() == 20
        recorded = JobFairBooth.objects.filter(event=held)
        assert all(
            b.outcome_recorded_at and (b.hires or 0) <= (b.interviews or 0) for b in recorded
        )
        assert not JobFairBooth.objects.filter(event=coming, hires__isnull=False).exists()
        festival = Event.objects.get(kind=EventKind.FESTIVAL)
        items = list(ProgrammeItem.objects.filter(event=festival))
        assert len({item.venue_id for item in items}) >= 3
        assert any(item.registration_required and item.capacity for item in items)
        assert {"岡町・桜塚商店街", "地域共生センター"} <= set(
            Venue.objects.values_list("name", flat=True)
        )
        count = Event.objects.count()
        # News through the services: published, sanitised, the festival's article linked to it.
        articles = list(Article.objects.filter(status="published"))
        assert len(articles) == len(ARTICLES) >= 5
        assert sum(a.category == "care_work" for a in articles) >= 2
        assert Article.objects.get(event__isnull=False).event == festival
    assert f"{count} events created" in output
    assert f"{len(ARTICLES)} news articles created" in output
    assert "0 events created" in seed_default()
    with scope(association=association.pk):
        assert Event.objects.count() == count
        assert Article.objects.count() == len(ARTICLES)


# --- realism and the services ------------------------------------------------------------------


def test_550_offices_and_their_corporations_have_distinct_names_without_serials() -> None:
    """The default roster names every office differently (not seven 「あおばケアプランセンター」)
    and no corporation carries a serial number to tell it apart."""
    import re

    planned = toyonaka_plan(2026, 550)
    names = [name for _number, name in roster(planned)]
    assert len(names) == 550
    assert len(set(names)) == 550
    corporations = [c.name for c in planned]
    assert len(set(corporations)) == len(corporations)
    assert not [name for name in corporations if re.search(r"[0-9０-９]", name)]
    # Varied, not one pattern: many brands and both word orders.
    assert sum(name.startswith(("ヘルパーステーション", "デイサービス")) for name in names) >= 10
    assert len({name[:2] for name in names}) >= 50


def test_some_offices_file_late_or_not_at_all() -> None:
    """Among 550 offices a few stop filing (or never filed) and a few file late most months."""
    from demo.plan import filing_habit

    habits = [
        filing_habit(seed=2026, provider_number=number)
        for number, _name in roster(toyonaka_plan(2026, 550))
    ]
    not_filing = sum(h.months_not_filed > 0 for h in habits)
    late = sum(h.late_share >= 0.5 for h in habits)
    assert 3 <= not_filing <= 40
    assert 5 <= late <= 60


@pytest.mark.parametrize(
    "today", [date(2026, 1, 1), date(2026, 5, 10), date(2026, 10, 11), date(2026, 12, 31)]
)
def test_upcoming_and_past_events_exist_whatever_the_day(today: date) -> None:
    """Planned around `today`: published study sessions and a job fair both before and after
    it (a fair on `today` itself counts neither way), a festival in November."""
    from demo.plan import at, events_plan

    planned = events_plan(today=today)
    published = [event for event in planned if not event.draft]
    midnight = at(today, 0)
    for kind in ("study_session", "job_fair"):
        of_kind = [event for event in published if event.kind == kind]
        assert any(event.starts_at > midnight for event in of_kind), kind
        assert any(event.ends_at < midnight for event in of_kind), kind
    fairs = [event for event in planned if event.kind == "job_fair"]
    assert len(fairs) == 2 and all(fair.starts_at.date() != today for fair in fairs)
    assert [event.starts_at.month for event in planned if event.kind == "festival"] == [11]


def test_seeded_events_are_what_event_save_makes() -> None:
    """Every seeded event went through events.services.event_save: saving it again through the
    service changes nothing (a description that skipped clean_html would gain the link's
    rel="noopener"; a published event without the service would lack published_at)."""
    from django.forms.models import model_to_dict

    from events.models import Event, EventStatus
    from events.services import clean_html, event_save

    seed_default()
    association = Association.objects.get(slug="toyonaka")
    with scope(association=association.pk):
        events = list(Event.objects.order_by("pk"))
        assert any("<a " in event.description for event in events)  # a link: rel is added
        for event in events:
            before = model_to_dict(event)
            again = event_save(Event.objects.get(pk=event.pk))
            assert model_to_dict(again) == before, event.title
            assert event.description == clean_html(event.description)
            assert 'rel="noopener"' in event.description or "<a " not in event.description
            if event.status == EventStatus.PUBLISHED:
                assert event.published_at is not None


def test_history_says_demo_data_not_seed(client: Any) -> None:
    """The office's change history names the demo data, never the internal word "seed" (nor
    an unknown user)."""
    from django.urls import reverse

    from demo.seeders.users import demo_office

    seed("--offices", "5", "--seed", str(SEED), history=2)
    association = Association.objects.get(slug="toyonaka")
    with scope(association=association.pk):
        office = demo_office()
        assert office is not None
    client.force_login(get_user_model().objects.get(email="office-admin@toyonaka.example"))
    with translation_override("ja"):
        url = reverse("kpis:history", kwargs={"office_pk": office.pk})
    response = client.get(url, HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    page = response.content.decode()
    assert "デモデータ" in page
    assert "seed" not in page.replace("seed_demo", "")
    assert "不明なユーザー" not in page


def test_make_runs_two_steps_add_up_to_one_full_seed() -> None:
    """`--defer-history` files the latest months only; `--history-only` then files the rest, and
    a plain run afterwards creates nothing: the same database as one full run."""
    from django.core.management.base import CommandError

    from kpis.models import StaffingReport

    with pytest.raises(CommandError):
        seed("--history-only", history=6)
    first = seed("--offices", "12", "--seed", str(SEED), "--defer-history", history=6)
    association = Association.objects.get(slug="toyonaka")
    with scope(association=association.pk):
        recent = set(StaffingReport.objects.values_list("month", flat=True))
    assert len(recent) == 2
    assert "the older ones follow with --history-only" in first
    rest = seed("--seed", str(SEED), "--history-only", history=6)
    assert "history complete" in rest
    assert "staffing filings: " in rest  # progress as it goes
    with scope(association=association.pk):
        months = set(StaffingReport.objects.values_list("month", flat=True))
        filed = StaffingReport.objects.count()
    assert len(months) == 6 and recent < months
    # The months filed first and the ones filed after them join up: carried forward.
    from demo.seeders.users import demo_office
    from kpis.models import StaffingRow

    with scope(association=association.pk):
        office = demo_office()
        oldest_recent = min(recent)
        before = max(month for month in months if month < oldest_recent)
        assert office is not None
        ended = {
            (row.job_category, row.employment_type): row.headcount_end
            for row in StaffingRow.objects.filter(report__office=office, report__month=before)
        }
        started = {
            (row.job_category, row.employment_type): row.headcount_start
            for row in StaffingRow.objects.filter(
                report__office=office, report__month=oldest_recent
            )
        }
        assert started == ended
    counts = table_counts()
    again = seed("--offices", "12", "--seed", str(SEED), history=6)
    assert "0 monthly staffing filings created" in again
    assert "0 offices created" in again and "0 events created" in again
    assert table_counts() == counts
    with scope(association=association.pk):
        assert StaffingReport.objects.count() == filed


def test_job_postings_and_applications_in_every_state_once_and_without_mail(
    mailoutbox: list[Any],
) -> None:
    """About one posting per three offices, varied, published through the services (so the
    public board shows them), applications that reach every state, no email to fictional
    applicants, and nothing more on a second run."""
    from recruitment.models import ApplicationStatus, JobApplication, JobPosting, PostingStatus
    from recruitment.selectors import open_postings

    seed_default()
    association = Association.objects.get(slug="toyonaka")
    with scope(association=association.pk):
        postings = list(JobPosting.objects.all())
        approved = Office.objects.filter(status=OfficeStatus.APPROVED).count()
        assert abs(len(postings) - approved / 3) <= 1
        assert len({p.job_category for p in postings}) >= 3
        assert {p.pay_kind for p in postings} == {"monthly", "hourly"}
        assert len({tag for p in postings for tag in p.welcome_tags}) >= 4
        assert all(p.area for p in postings)
        assert {p.status for p in postings} <= {PostingStatus.PUBLISHED, PostingStatus.CLOSED}
        assert open_postings().count() >= len(postings) - len(postings) // 12 - 1
        states = Counter(JobApplication.objects.values_list("status", flat=True))
        assert len(states) >= 5, states
        assert set(states) <= set(ApplicationStatus.values)
        assert all(a.email.endswith("@example.invalid") for a in JobApplication.objects.all())
        counts = (JobPosting.objects.count(), JobApplication.objects.count())
    assert mailoutbox == []
    assert "job postings" not in seed_default()
    with scope(association=association.pk):
        assert (JobPosting.objects.count(), JobApplication.objects.count()) == counts
