"""Build a demo association modelled on the Toyonaka one, through the same services pages use.

Idempotent and deterministic: the same --seed always describes the same offices, and a
second run creates only what is missing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_scopes import scope

from association.models import Association, RoleKind
from association.services import association_create, role_grant
from core.calendar import add_months, filing_deadline, month_start
from core.identifiers import corporate_number_check_digit, provider_number_check_digit
from kpis.models import StaffingChange, StaffingReport
from kpis.selectors import kpi_settings
from kpis.services import staffing_report_save
from members.models import Corporation, CorporationKind, Office, OfficeStatus
from members.services import corporation_create, office_create
from subcommittees.models import AttendanceStatus, Meeting, Subcommittee, SubcommitteeKind
from subcommittees.selectors import offices_in_subcommittee
from subcommittees.services import announcement_create, meeting_attendance_set, meeting_create

DEMO_PASSWORD = "renkei-demo-2026"  # noqa: S105 - printed for people trying the demo

# (kanji, kana) parts for plausible names with consistent readings.
NAME_PARTS = [
    ("豊寿", "ほうじゅ"),
    ("緑風", "りょくふう"),
    ("千里", "せんり"),
    ("桜塚", "さくらづか"),
    ("岡町", "おかまち"),
    ("刀根山", "とねやま"),
    ("服部", "はっとり"),
    ("庄内", "しょうない"),
    ("蛍池", "ほたるがいけ"),
    ("曽根", "そね"),
    ("少路", "しょうじ"),
    ("柴原", "しばはら"),
    ("緑丘", "みどりがおか"),
    ("寺内", "てらうち"),
    ("原田", "はらだ"),
    ("上野", "うえの"),
    ("春日", "かすが"),
    ("若葉", "わかば"),
    ("あおば", "あおば"),
    ("ひまわり", "ひまわり"),
    ("さくら", "さくら"),
    ("なごみ", "なごみ"),
    ("えがお", "えがお"),
    ("やすらぎ", "やすらぎ"),
    ("陽光", "ようこう"),
    ("清風", "せいふう"),
    ("大樹", "たいじゅ"),
    ("和楽", "わらく"),
]
TOWNS = [
    ("岡町", "561-0884"),
    ("桜塚", "561-0881"),
    ("服部元町", "561-0851"),
    ("庄内東町", "561-0831"),
    ("新千里東町", "560-0082"),
    ("緑丘", "560-0002"),
    ("上野東", "560-0013"),
    ("曽根東町", "561-0802"),
    ("螢池中町", "560-0033"),
    ("少路", "560-0004"),
    ("野田町", "561-0816"),
    ("寺内", "561-0872"),
    ("刀根山", "560-0045"),
    ("本町", "560-0021"),
    ("中桜塚", "560-0881"),
    ("原田元町", "561-0807"),
    ("柴原町", "560-0055"),
    ("東豊中町", "560-0003"),
    ("豊南町東", "561-0812"),
    ("北桜塚", "560-0022"),
]
OFFICE_SUFFIX = {
    "43": ("ケアプランセンター", "けあぷらんせんたー"),
    "11": ("ヘルパーステーション", "へるぱーすてーしょん"),
    "13": ("訪問看護ステーション", "ほうもんかんごすてーしょん"),
    "15": ("デイサービスセンター", "でいさーびすせんたー"),
    "78": ("デイサービス", "でいさーびす"),
    "16": ("通所リハビリテーション", "つうしょりはびりてーしょん"),
    "32": ("グループホーム", "ぐるーぷほーむ"),
    "51": ("特別養護老人ホーム", "とくべつようごろうじんほーむ"),
    "52": ("介護老人保健施設", "かいごろうじんほけんしせつ"),
    "73": ("小規模多機能ホーム", "しょうきぼたきのうほーむ"),
    "33": ("介護付有料老人ホーム", "かいごつきゆうりょうろうじんほーむ"),
    "17": ("福祉用具センター", "ふくしようぐせんたー"),
    "12": ("訪問入浴サービス", "ほうもんにゅうよくさーびす"),
    "14": ("訪問リハビリ", "ほうもんりはび"),
    "72": ("認知症デイサービス", "にんちしょうでいさーびす"),
    "21": ("ショートステイ", "しょーとすてい"),
    "76": ("定期巡回サービス", "ていきじゅんかいさーびす"),
}
# (main service, extra services offered under the same number, weight): roughly the mix of a
# large city's membership, where care planning and home help dominate.
OFFICE_MIX = [
    ("43", ["46"], 24),
    ("11", ["A2"], 22),
    ("13", [], 9),
    ("15", ["A6"], 9),
    ("78", ["A6"], 8),
    ("17", [], 5),
    ("32", [], 4),
    ("51", ["21"], 3),
    ("33", [], 3),
    ("16", [], 2),
    ("73", [], 2),
    ("52", ["22"], 1),
    ("12", [], 1),
    ("14", [], 1),
    ("72", [], 1),
    ("21", [], 1),
    ("76", [], 1),
]
# Community-based services carry office class 9 in position 3 of the provider number.
COMMUNITY_BASED = {"78", "32", "54", "36", "71", "72", "73", "76", "77"}
CORPORATION_MIX = [
    (
        CorporationKind.SOCIAL_WELFARE,
        "社会福祉法人",
        "しゃかいふくしほうじん",
        "会",
        "かい",
        (2, 8),
        12,
    ),
    (CorporationKind.MEDICAL, "医療法人", "いりょうほうじん", "会", "かい", (1, 4), 10),
    (CorporationKind.STOCK_COMPANY, "株式会社", "かぶしきがいしゃ", "ケア", "けあ", (1, 5), 50),
    (
        CorporationKind.LIMITED_COMPANY,
        "合同会社",
        "ごうどうがいしゃ",
        "ライフ",
        "らいふ",
        (1, 2),
        12,
    ),
    (
        CorporationKind.NPO,
        "特定非営利活動法人",
        "とくていひえいりかつどうほうじん",
        "の会",
        "のかい",
        (1, 2),
        10,
    ),
    (CorporationKind.COOPERATIVE, "生活協同組合", "せいかつきょうどうくみあい", "", "", (1, 3), 3),
]


# Staff of an office by its main service: (job category, employment type) -> headcount range.
_DAY_CARE = {
    ("care_worker", "regular"): (4, 10),
    ("care_worker", "non_regular"): (4, 12),
    ("nurse", "non_regular"): (1, 3),
    ("counselor", "regular"): (1, 2),
    ("other", "non_regular"): (1, 3),
}
_RESIDENTIAL = {
    ("care_worker", "regular"): (25, 50),
    ("care_worker", "non_regular"): (10, 25),
    ("nurse", "regular"): (4, 8),
    ("nurse", "non_regular"): (1, 4),
    ("counselor", "regular"): (1, 3),
    ("care_manager", "regular"): (1, 2),
    ("other", "regular"): (3, 8),
    ("other", "non_regular"): (3, 8),
}
_GROUP_HOME = {
    ("care_worker", "regular"): (6, 12),
    ("care_worker", "non_regular"): (4, 10),
    ("care_manager", "regular"): (1, 1),
    ("other", "non_regular"): (0, 2),
}
_HOME_HELP = {
    ("home_helper", "regular"): (3, 8),
    ("home_helper", "non_regular"): (8, 30),
    ("other", "regular"): (0, 1),
}
STAFF_PROFILES: dict[str, dict[tuple[str, str], tuple[int, int]]] = {
    "43": {
        ("care_manager", "regular"): (2, 6),
        ("care_manager", "non_regular"): (0, 2),
        ("other", "non_regular"): (0, 1),
    },
    "11": _HOME_HELP,
    "76": _HOME_HELP,
    "13": {
        ("nurse", "regular"): (4, 10),
        ("nurse", "non_regular"): (1, 5),
        ("other", "non_regular"): (0, 2),
    },
    "15": _DAY_CARE,
    "78": _DAY_CARE,
    "72": _DAY_CARE,
    "16": _DAY_CARE,
    "32": _GROUP_HOME,
    "73": _GROUP_HOME,
    "51": _RESIDENTIAL,
    "52": _RESIDENTIAL,
    "33": _RESIDENTIAL,
    "21": _RESIDENTIAL,
    "12": {("care_worker", "non_regular"): (2, 6), ("nurse", "non_regular"): (1, 3)},
    "14": {("other", "regular"): (2, 5), ("other", "non_regular"): (0, 2)},
    "17": {("other", "regular"): (2, 5), ("other", "non_regular"): (0, 2)},
}
HISTORY_MONTHS = 24
# Where hires come from (weights), roughly as associations report it.
CHANNEL_WEIGHTS = {
    "hires_hello_work": 30,
    "hires_agency": 20,
    "hires_referral": 20,
    "hires_association_posting": 8,
    "hires_job_fair": 5,
    "hires_other": 17,
}

DEMO_VENUES: dict[str, dict[str, Any]] = {
    "hall": {
        "name": "豊中市立文化芸術センター",
        "kana": "とよなかしりつぶんかげいじゅつせんたー",
        "area": "曽根",
        "postal_code": "561-0802",
        "address": "大阪府豊中市曽根東町3丁目7-2",
        "access_notes": "阪急宝塚線「曽根」駅から東へ徒歩5分。",
        "step_free": True,
        "accessible_toilet": True,
        "parking": True,
        "accessibility_notes": "車いすの貸し出しがあります。駐車場に障害者用区画があります。",
        "map_url": "https://www.openstreetmap.org/search?query=豊中市立文化芸術センター",
    },
    "shotengai": {
        "name": "岡町・桜塚商店街",
        "kana": "おかまち・さくらづかしょうてんがい",
        "area": "岡町",
        "postal_code": "561-0884",
        "address": "大阪府豊中市岡町北1丁目",
        "access_notes": "阪急宝塚線「岡町」駅から西へすぐ。アーケードの中です。",
        "step_free": True,
        "accessible_toilet": False,
        "parking": False,
        "accessibility_notes": (
            "屋根のある通りで、段差はありません。多目的トイレは近くの公共施設をご利用ください。"
        ),
        "map_url": "https://www.openstreetmap.org/search?query=岡町商店街",
    },
    "kyosei": {
        "name": "地域共生センター",
        "kana": "ちいききょうせいせんたー",
        "area": "岡町",
        "postal_code": "561-0881",
        "address": "大阪府豊中市中桜塚2丁目",
        "access_notes": "阪急宝塚線「岡町」駅から南西へ徒歩8分。",
        "step_free": True,
        "accessible_toilet": True,
        "parking": False,
        "accessibility_notes": "エレベーターがあります。",
    },
    "library": {
        "name": "岡町図書館 集会室",
        "kana": "おかまちとしょかん しゅうかいしつ",
        "area": "岡町",
        "postal_code": "561-0884",
        "address": "大阪府豊中市岡町北3丁目",
        "access_notes": "阪急宝塚線「岡町」駅から徒歩3分。",
        "step_free": False,
        "accessible_toilet": True,
        "parking": False,
        "accessibility_notes": "集会室は2階です（階段のみ）。",
    },
}
STUDY_TOPICS = [
    ("職員の定着と育成", "しょくいんのていちゃくとりくせい"),
    ("認知症ケアの基本", "にんちしょうけあのきほん"),
    ("感染症対策", "かんせんしょうたいさく"),
    ("看取りと多職種連携", "みとりとたしょくしゅれんけい"),
    ("ハラスメント対策", "はらすめんとたいさく"),
    ("介護記録とICT", "かいごきろくとあいしーてぃー"),
]
HIRING_FOR = [
    "介護職員（正職員・パート）",
    "訪問介護員（登録ヘルパー）",
    "看護職員",
    "介護支援専門員",
    "生活相談員",
    "介護職員（未経験可・資格取得支援あり）",
]
# (title, kana, venue, start hour, end hour, capacity or None, description)
FESTIVAL_PROGRAMME: list[tuple[str, str, str, int, int, int | None, str]] = [
    (
        "オープニングステージ",
        "おーぷにんぐすてーじ",
        "hall",
        10,
        11,
        None,
        "開会のごあいさつと演奏。",
    ),
    (
        "介護の仕事 相談コーナー",
        "かいごのしごと そうだんこーなー",
        "hall",
        11,
        15,
        None,
        "就職・転職の相談。",
    ),
    (
        "車いす・福祉用具 体験",
        "くるまいす・ふくしようぐ たいけん",
        "shotengai",
        10,
        16,
        None,
        "商店街で車いすや福祉用具を体験できます。",
    ),
    (
        "介護食の試食会",
        "かいごしょくのししょくかい",
        "shotengai",
        12,
        13,
        30,
        "やわらかく食べやすい介護食の試食。申込制です。",
    ),
    (
        "認知症サポーター養成講座",
        "にんちしょうさぽーたーようせいこうざ",
        "kyosei",
        13,
        15,
        40,
        "受講された方にオレンジリングをお渡しします。申込制です。",
    ),
    (
        "介護予防体操",
        "かいごよぼうたいそう",
        "kyosei",
        10,
        11,
        25,
        "椅子に座ってできる体操です。申込制です。",
    ),
    (
        "介護保険の相談会",
        "かいごほけんのそうだんかい",
        "library",
        13,
        16,
        None,
        "ケアマネジャーが相談に応じます。",
    ),
]


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
    profile = STAFF_PROFILES.get(main_service, _DAY_CARE)
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
    offices: list[PlannedOffice]


def plan(
    *, offices: int, seed: int, prefecture: str, district: str, city: str
) -> list[PlannedCorporation]:
    """The whole demo roster for `seed`, decided before anything is written."""
    rng = random.Random(seed)
    corporations: list[PlannedCorporation] = []
    serial = 0
    used_corporate_numbers: set[str] = set()
    remaining = offices
    while remaining > 0:
        kind, prefix, prefix_kana, suffix, suffix_kana, (low, high), _w = rng.choices(
            CORPORATION_MIX, weights=[c[-1] for c in CORPORATION_MIX]
        )[0]
        part, part_kana = rng.choice(NAME_PARTS)
        count = min(remaining, rng.randint(low, high))
        while True:
            body = f"{rng.randrange(10**12):012d}"
            number = f"{corporate_number_check_digit(body)}{body}"
            if number not in used_corporate_numbers:
                used_corporate_numbers.add(number)
                break
        name = f"{prefix}{part}{suffix}"
        if any(c.name == name for c in corporations):
            name = f"{name}{len(corporations) + 1}"
        corporation = PlannedCorporation(
            name=name,
            kana=f"{prefix_kana}{part_kana}{suffix_kana}",
            kind=kind,
            corporate_number=number,
            offices=[],
        )
        for _ in range(count):
            serial += 1
            main, extra, _weight = rng.choices(OFFICE_MIX, weights=[m[2] for m in OFFICE_MIX])[0]
            office_class = "9" if main in COMMUNITY_BASED else "7"
            first_nine = f"{prefecture}{office_class}{district}{serial:04d}"
            town, postal = rng.choice(TOWNS)
            place, place_kana = rng.choice(NAME_PARTS)
            suffix_name, suffix_kana_name = OFFICE_SUFFIX[main]
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
                    name=f"{place}{suffix_name}",
                    kana=f"{place_kana}{suffix_kana_name}",
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


class Command(BaseCommand):
    help = "Create (or complete) a demo association with offices, subcommittees and demo users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--offices", type=int, default=550)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--slug", default="toyonaka")
        parser.add_argument("--name", default="豊中市介護保険事業者連絡会（デモ）")
        parser.add_argument("--municipality-code", default="272035")
        parser.add_argument("--city", default="大阪府豊中市")
        parser.add_argument(
            "--domain",
            action="append",
            dest="domains",
            help="Host name serving this association (repeatable). Default for the first "
            "association: 127.0.0.1, localhost and SLUG.localhost; otherwise SLUG.localhost.",
        )
        parser.add_argument(
            "--no-superuser", action="store_true", help="Do not create the operator."
        )
        parser.add_argument(
            "--history-months",
            type=int,
            default=HISTORY_MONTHS,
            help="Months of submitted staffing filings per approved office, up to last month.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        association = Association.objects.filter(slug=slug).first()
        if association is None:
            domains = options["domains"] or (
                ["127.0.0.1", "localhost", f"{slug}.localhost"]
                if not Association.objects.exists()
                else [f"{slug}.localhost"]
            )
            association = association_create(
                slug=slug,
                name=options["name"],
                short_name=options["name"].split("（")[0],
                municipality_code=options["municipality_code"],
                domains=domains,
                description=(
                    "市内の介護保険サービス事業所が集まる連絡会です。事業所間の情報交換、"
                    "職員の勉強会、介護・福祉の就職フェア、市民向けイベントを行っています。"
                ),
                contact_email=f"office@{slug}.example",
            )
            self.stdout.write(f"Created association {association.name} ({', '.join(domains)})")

        with scope(association=association.pk):
            created = self._seed_offices(association, options)
            logins = self._seed_users(association, superuser=not options["no_superuser"])
            self._seed_subcommittee_activity(seed=options["seed"])
            events = self._seed_events(association, seed=options["seed"])
            filings = self._seed_staffing_history(
                association, seed=options["seed"], months=options["history_months"]
            )

        self.stdout.write(self.style.SUCCESS(f"{association.name}: {created} offices created"))
        self.stdout.write(f"{filings} monthly staffing filings created")
        self.stdout.write(f"{events} events created")
        self.stdout.write(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
        for label, email in logins:
            self.stdout.write(f"  {label:<22} {email}")

    @transaction.atomic
    def _seed_offices(self, association: Association, options: dict[str, Any]) -> int:
        roster = plan(
            offices=options["offices"],
            seed=options["seed"],
            prefecture=options["municipality_code"][:2],
            district=options["municipality_code"][2:4],
            city=options["city"],
        )
        existing_numbers = set(Office.objects.values_list("provider_number", flat=True))
        corporations = {c.corporate_number: c for c in Corporation.objects.all()}
        created = 0
        for planned in roster:
            corporation = corporations.get(planned.corporate_number)
            if corporation is None:
                corporation = corporation_create(
                    association=association,
                    name=planned.name,
                    kana=planned.kana,
                    kind=planned.kind,
                    corporate_number=planned.corporate_number,
                )
            for office in planned.offices:
                if office.provider_number in existing_numbers:
                    continue
                office_create(
                    association=association,
                    corporation=corporation,
                    name=office.name,
                    kana=office.kana,
                    provider_number=office.provider_number,
                    service_codes=office.service_codes,
                    postal_code=office.postal_code,
                    address=office.address,
                    phone=office.phone,
                    capacity=office.capacity,
                    email=f"office{office.provider_number}@{association.slug}.example",
                    status=office.status,
                )
                created += 1
        return created

    @transaction.atomic
    def _seed_subcommittee_activity(self, *, seed: int) -> None:
        """A past meeting with minutes and attendance, a coming one and a draft notice per 部会."""
        if Meeting.objects.exists():
            return
        rng = random.Random(seed)
        today = timezone.localdate()
        for subcommittee in Subcommittee.objects.order_by("pk"):
            past = meeting_create(
                subcommittee=subcommittee,
                title=f"{subcommittee.name} 定例会",
                starts_at=_at(today - timedelta(days=30 + rng.randint(0, 10)), 14),
                place="豊中市立文化芸術センター 会議室",
                agenda="1. 各事業所の人材確保の状況\n2. 次回の合同研修について",
                minutes="人材確保の状況を共有し、合同研修の日程案を確認した。",
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
                starts_at=_at(today + timedelta(days=14 + rng.randint(0, 10)), 18),
                online_url="https://meet.example/renkei-demo",
                agenda="介護職員の定着に向けた取り組み事例の紹介",
            )
            announcement_create(
                subcommittee=subcommittee,
                subject=f"{subcommittee.name}からのお知らせ（下書き）",
                body="次回の勉強会はオンラインで開催します。ご参加をお待ちしています。",
            )

    @transaction.atomic
    def _seed_events(self, association: Association, *, seed: int) -> int:
        """A year of events like the association's: a monthly 勉強会, a spring and an autumn
        就職フェア with ~20 member offices' booths each (the past one with outcomes), and the
        multi-venue いきてゆくフェス. Skipped when the association has events already."""
        from events.models import Audience, Event, EventKind, EventStatus, ProgrammeItem, Venue
        from events.services import clean_html, events_changed
        from recruitment.models import JobFairBooth

        if Event.objects.exists():
            return 0
        rng = random.Random(f"{seed}-events")
        today = timezone.localdate()
        now = timezone.now()
        venues = {
            key: Venue.objects.create(association=association, **fields)
            for key, fields in DEMO_VENUES.items()
        }
        events: list[Event] = []

        def event(*, draft: bool = False, **fields: Any) -> Event:
            announced = min(_at(fields["starts_at"].date() - timedelta(days=45), 10), now)
            created = Event(
                association=association,
                status=EventStatus.DRAFT if draft else EventStatus.PUBLISHED,
                published_at=None if draft else announced,
                organiser=association.short_name or association.name,
                **fields,
            )
            created.description = clean_html(created.description)
            events.append(created)
            return created

        # 勉強会: the third Thursday evening of each month, six months back and six ahead.
        first_month = add_months(month_start(today), -6)
        for index in range(12):
            month = add_months(first_month, index)
            day = month + timedelta(days=(3 - month.weekday()) % 7 + 14)
            topic, topic_kana = STUDY_TOPICS[index % len(STUDY_TOPICS)]
            event(
                title=f"勉強会「{topic}」",
                title_kana=f"べんきょうかい「{topic_kana}」",
                kind=EventKind.STUDY_SESSION,
                audience=Audience.MEMBERS,
                draft=index == 11,  # the last one is still being planned
                summary="会員事業所の職員向けの勉強会です。",
                description=f"<p>{topic}について、会員事業所の実践例を交えて学びます。</p>",
                venue=venues["hall"],
                starts_at=_at(day, 18),
                ends_at=_at(day, 20),
                registration_required=True,
                capacity=60,
            )

        # 就職フェア: spring (May) and autumn (October), on the second Sunday: the last one held
        # (its booths have recorded outcomes) and the next one.
        def second_sunday(year: int, month_number: int) -> date:
            first = date(year, month_number, 1)
            return first + timedelta(days=(6 - first.weekday()) % 7 + 7)

        fair_days = sorted(
            second_sunday(year, month_number)
            for year in (today.year - 1, today.year, today.year + 1)
            for month_number in (5, 10)
        )
        last_held = max(day for day in fair_days if day < today)
        fairs = []
        for day in (last_held, min(day for day in fair_days if day >= today)):
            year, season = day.year, "春" if day.month == 5 else "秋"
            fairs.append(
                event(
                    title=f"介護・福祉の就職フェア {year}{season}",
                    title_kana=f"かいご・ふくしのしゅうしょくふぇあ {year}",
                    kind=EventKind.JOB_FAIR,
                    summary="市内の介護事業所が一堂に会する就職・転職の相談会です。",
                    description=(
                        "<p>市内の介護保険サービス事業所が出展します。"
                        "資格のない方、ブランクのある方も歓迎です。</p>"
                        "<ul><li>履歴書不要</li><li>入退場自由</li></ul>"
                    ),
                    venue=venues["hall"],
                    starts_at=_at(day, 13),
                    ends_at=_at(day, 16),
                    registration_required=True,
                    capacity=200,
                )
            )
        # いきてゆくフェス: one festival in November at four venues.
        fest_year = (
            today.year if date(today.year, 11, 1) > add_months(today, -6) else (today.year + 1)
        )
        fest_day = date(fest_year, 11, 1) + timedelta(
            days=(5 - date(fest_year, 11, 1).weekday()) % 7
        )
        festival = event(
            title=f"いきてゆくフェス {fest_year}",
            title_kana=f"いきてゆくふぇす {fest_year}",
            kind=EventKind.FESTIVAL,
            summary="介護と福祉を、まちなかで体験するお祭りです。どなたでもご参加いただけます。",
            description=(
                "<p>商店街、公共施設、地域共生センターの会場で、介護の体験や相談、"
                "ステージを同時に開催します。</p>"
            ),
            venue=venues["hall"],
            starts_at=_at(fest_day, 10),
            ends_at=_at(fest_day, 16),
        )
        Event.objects.bulk_create(events)
        programme = [
            ProgrammeItem(
                event=festival,
                title=title,
                title_kana=kana,
                venue=venues[venue],
                starts_at=_at(fest_day, start),
                ends_at=_at(fest_day, end),
                registration_required=capacity is not None,
                capacity=capacity,
                description=description,
            )
            for title, kana, venue, start, end, capacity, description in FESTIVAL_PROGRAMME
        ]
        ProgrammeItem.objects.bulk_create(programme)

        offices = list(Office.objects.filter(status=OfficeStatus.APPROVED).order_by("pk"))
        booths = []
        for fair in fairs:
            past = fair.ends_at <= now
            # The demo office admin's office (the first approved one) always takes part.
            taking_part = offices[:1] + rng.sample(offices[1:], min(19, len(offices[1:])))
            for office in taking_part:
                positions = rng.randint(1, 5)
                interviews = rng.randint(0, 6) if past else None
                hires = rng.randint(0, min(interviews, 2)) if interviews is not None else None
                booths.append(
                    JobFairBooth(
                        event=fair,
                        office=office,
                        hiring_for=rng.choice(HIRING_FOR),
                        open_positions=positions,
                        interviews=interviews,
                        hires=hires,
                        outcome_recorded_at=(
                            min(fair.ends_at + timedelta(days=rng.randint(3, 20)), now)
                            if past
                            else None
                        ),
                    )
                )
        JobFairBooth.objects.bulk_create(booths)
        events_changed(association_id=association.pk)
        return len(events)

    def _seed_staffing_history(self, association: Association, *, seed: int, months: int) -> int:
        """Submitted filings for the last `months` months of every approved office, through
        `staffing_report_save` (filed as of each month, so nothing is locked). Months already
        filed are left alone. Submission times are then set to plausible ones (most before
        the deadline) so completeness and timeliness look like a real association's.
        """
        if months <= 0:
            return 0
        this_month = month_start(timezone.localdate())
        wanted = [add_months(this_month, -count) for count in range(months, 0, -1)]
        deadline_day = kpi_settings(association_id=association.pk).deadline_day
        filed = set(
            StaffingReport.objects.filter(month__in=wanted).values_list("office_id", "month")
        )
        offices = (
            Office.objects.filter(status=OfficeStatus.APPROVED)
            .prefetch_related("services")
            .order_by("pk")
        )
        created = 0
        for office in offices:
            missing = [month for month in wanted if (office.pk, month) not in filed]
            if not missing:
                continue
            main_service = min(
                (s.service_code for s in office.services.all()),
                key=lambda code: (code not in STAFF_PROFILES, code),
            )
            history = staffing_history(
                provider_number=office.provider_number,
                main_service=main_service,
                seed=seed,
                months=wanted,
            )
            rng = random.Random(f"{seed}-{office.provider_number}-submitted")
            with transaction.atomic():
                submitted: dict[int, datetime] = {}
                for month in missing:
                    report = staffing_report_save(
                        office=office,
                        month=month,
                        rows=history[month],
                        user=None,
                        expected_version=None,
                        submit=True,
                        confirm_warnings=True,
                        via="seed",
                        today=month,
                    )
                    deadline = filing_deadline(month, deadline_day=deadline_day)
                    late = rng.random() < 0.12
                    day = deadline + timedelta(
                        days=rng.randint(1, 20) if late else -rng.randint(0, 9)
                    )
                    submitted[report.pk] = _at(day, rng.randint(9, 18))
                    created += 1
                self._backdate(submitted)
        return created

    @staticmethod
    def _backdate(submitted: dict[int, datetime]) -> None:
        """Seed only: the service stamps `now`; history was submitted when it was due."""
        reports = list(StaffingReport.objects.filter(pk__in=submitted))
        for report in reports:
            report.submitted_at = submitted[report.pk]
        StaffingReport.objects.bulk_update(reports, ["submitted_at"])
        changes = list(StaffingChange.objects.filter(report_id__in=submitted))
        for change in changes:
            change.at = submitted[change.report_id]
        StaffingChange.objects.bulk_update(changes, ["at"])

    @transaction.atomic
    def _seed_users(self, association: Association, *, superuser: bool) -> list[tuple[str, str]]:
        slug = association.slug
        first_office = Office.objects.filter(status=OfficeStatus.APPROVED).order_by("pk").first()
        kyotaku = Subcommittee.objects.get(kind=SubcommitteeKind.KYOTAKU)
        largest = Corporation.objects.annotate(n=Count("offices")).order_by("-n", "pk").first()
        people: list[tuple[str, str, dict[str, Any] | None]] = [
            ("officer", f"officer@{slug}.example", {"kind": RoleKind.OFFICER}),
            (
                "subcommittee leader",
                f"leader@{slug}.example",
                {"kind": RoleKind.SUBCOMMITTEE_LEADER, "subcommittee": kyotaku},
            ),
            (
                "office admin",
                f"office-admin@{slug}.example",
                {"kind": RoleKind.OFFICE_ADMIN, "office": first_office},
            ),
            (
                "office staff",
                f"office-staff@{slug}.example",
                {"kind": RoleKind.OFFICE_STAFF, "office": first_office},
            ),
            (
                "corporation head office",
                f"head-office@{slug}.example",
                {"kind": RoleKind.CORPORATION_ADMIN, "corporation": largest},
            ),
            ("city viewer", f"city@{slug}.example", {"kind": RoleKind.CITY_VIEWER}),
        ]
        if superuser:
            people.insert(0, ("platform operator", "operator@renkei.example", None))
        for _label, email, role in people:
            user = _demo_user(email, superuser=role is None)
            missing_target = any(
                key in (role or {}) and (role or {})[key] is None
                for key in ("office", "corporation")
            )
            if role is not None and not missing_target:
                role_grant(association=association, user=user, **role)
        return [(label, email) for label, email, _r in people]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo("Asia/Tokyo"))


def _demo_user(email: str, *, superuser: bool) -> Any:
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(username=email, email=email, is_superuser=superuser, is_staff=superuser)
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user
