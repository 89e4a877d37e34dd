"""Two small associations built through the services, with one user per role."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django_scopes import scope

from association.models import Association, RoleKind
from association.services import association_create, role_grant
from core.identifiers import corporate_number_check_digit, provider_number_check_digit
from members.models import CorporationKind, Office, OfficeStatus
from members.services import corporation_create, office_create, office_invitation_create
from subcommittees.models import Subcommittee, SubcommitteeKind

PASSWORD = "correct-horse-battery-staple"

ROLE_NAMES = ("officer", "leader", "office_admin", "office_staff", "corp_admin", "city")


def provider_number(district: str, serial: int, office_class: str = "7") -> str:
    first_nine = f"27{office_class}{district}{serial:04d}"
    return f"{first_nine}{provider_number_check_digit(first_nine)}"


def corporate_number(body: int) -> str:
    digits = f"{body:012d}"
    return f"{corporate_number_check_digit(digits)}{digits}"


def _logo_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (48, 48), (11, 83, 148)).save(buffer, format="PNG")
    return buffer.getvalue()


SEEDED_OUTBOX_TASK = "tests.tenants.no_such_task"


def make_user(email: str, *, superuser: bool = False, totp_secret: str | None = None) -> Any:
    user = get_user_model().objects.create_user(
        username=email, email=email, password=PASSWORD, is_superuser=superuser, is_staff=superuser
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if totp_secret:
        TOTP.activate(user, totp_secret)
    return user


@dataclass
class Tenant:
    association: Association
    host: str
    marker: str  # a string that appears only in this tenant's data
    offices: list[Office] = field(default_factory=list)
    users: dict[str, Any] = field(default_factory=dict)
    totp_secrets: dict[str, str] = field(default_factory=dict)
    # office 1's posting, its photo and an application (build_recruitment_objects)
    recruitment: dict[str, Any] = field(default_factory=dict)


def build_tenant(
    *, slug: str, name: str, marker: str, district: str, pending: int = 1, approved: int = 3
) -> Tenant:
    """An association with `approved` + `pending` offices and one user per role."""
    host = f"{slug}.test"
    association = association_create(
        slug=slug, name=name, municipality_code="272035", domains=[host]
    )
    association.logo.save(f"{slug}.png", ContentFile(_logo_png()), save=True)
    association.hero_image.save(f"hero-{slug}.png", ContentFile(_logo_png()), save=False)
    association.hero_image_alt = f"{marker}の介護フェスタの様子"
    association.save(update_fields=["hero_image", "hero_image_alt"])
    tenant = Tenant(association=association, host=host, marker=marker)
    with scope(association=association.pk):
        corporation = corporation_create(
            association=association,
            name=f"{marker}福祉会",
            kind=CorporationKind.SOCIAL_WELFARE,
            corporate_number=corporate_number(int(district) * 1000 + 1),
        )
        codes = [["43"], ["11", "A2"], ["15"], ["51", "21"], ["13"]]
        for index in range(approved + pending):
            tenant.offices.append(
                office_create(
                    association=association,
                    corporation=corporation,
                    name=f"{marker}事業所{index + 1}",
                    provider_number=provider_number(district, index + 1),
                    service_codes=codes[index % len(codes)],
                    status=OfficeStatus.APPROVED if index < approved else OfficeStatus.APPLIED,
                )
            )
        office = tenant.offices[0]
        kyotaku = Subcommittee.objects.get(kind=SubcommitteeKind.KYOTAKU)
        roles: dict[str, dict[str, Any]] = {
            "officer": {"kind": RoleKind.OFFICER},
            "leader": {"kind": RoleKind.SUBCOMMITTEE_LEADER, "subcommittee": kyotaku},
            "office_admin": {"kind": RoleKind.OFFICE_ADMIN, "office": office},
            "office_staff": {"kind": RoleKind.OFFICE_STAFF, "office": office},
            "corp_admin": {"kind": RoleKind.CORPORATION_ADMIN, "corporation": corporation},
            "city": {"kind": RoleKind.CITY_VIEWER},
        }
        for role_name, role in roles.items():
            secret = generate_totp_secret() if role_name == "officer" else None
            user = make_user(f"{role_name}@{slug}.example", totp_secret=secret)
            if secret:
                tenant.totp_secrets[role_name] = secret
            role_grant(association=association, user=user, **role)
            tenant.users[role_name] = user
        # --- members: more objects for the isolation matrix go here
        office_invitation_create(
            office=office,
            email=f"invited@{slug}.example",
            kind=RoleKind.OFFICE_STAFF,
            invited_by=tenant.users["office_admin"],
            accept_url=f"http://{host}/members/invitation/",
        )
        # A roster import the officer applied in the background (association.import_jobs).
        from association.models import ImportJob, ImportJobStatus

        ImportJob.objects.create(
            association=association,
            user=tenant.users["officer"],
            kind="roster",
            importer="members.roster.RosterImporter",
            filename=f"{slug}-meibo.csv",
            rows=400,
            status=ImportJobStatus.DONE,
            counts={"create": 0, "update": 1, "unchanged": 399, "error": 0},
        )
        # A task kept while the broker was away (association.TaskOutbox). No such task exists:
        # a worker that drains the outbox as it starts drops it (logged).
        from association.models import TaskOutbox

        TaskOutbox.objects.create(association=association, task=SEEDED_OUTBOX_TASK, kwargs={})
        # --- subcommittees: more objects for the isolation matrix go here
        # A meeting with one attendance row and a draft announcement (nothing is emailed),
        # in 居宅部会, whose leader is tenant.users["leader"].
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from subcommittees.models import AttendanceStatus
        from subcommittees.services import (
            announcement_create,
            meeting_attendance_set,
            meeting_create,
        )

        meeting = meeting_create(
            subcommittee=kyotaku,
            title=f"{marker}居宅部会 定例会",
            starts_at=datetime(2026, 6, 18, 14, 0, tzinfo=ZoneInfo("Asia/Tokyo")),
            place=f"{marker}市民会館 会議室A",
            agenda="1. 報告事項",
            created_by=tenant.users["leader"],
        )
        meeting_attendance_set(meeting=meeting, statuses={office.pk: AttendanceStatus.ATTENDING})
        announcement_create(
            subcommittee=kyotaku,
            subject=f"{marker}居宅部会からのお知らせ",
            body="次回の定例会のご案内です。",
            created_by=tenant.users["leader"],
        )
        # --- kpis: objects for the isolation matrix (through the services where they exist)
        build_kpi_objects(tenant)
        # --- events: objects for the isolation matrix
        build_event_objects(tenant)
        # --- recruitment: a posting of office 1 with a photo and an application
        tenant.recruitment = build_recruitment_objects(tenant)
        # --- news: a draft notice (the isolation matrix's world adds published articles)
        from news.models import Article, ArticleCategory
        from news.services import article_save

        article_save(
            article=Article(association=association),
            title=f"{marker}からのお知らせ（下書き）",
            category=ArticleCategory.NOTICE,
            body="<p>準備中です。</p>",
        )
        # --- association: one accessibility audit's results (the statement page shows them)
        from django.utils import timezone

        from association.services import accessibility_audit_record

        accessibility_audit_record(
            association=association,
            base_url=f"http://{host}",
            axe_version="4.10.2",
            results=[
                {
                    "path": "/",
                    "width": 390,
                    "counts": {"critical": 0, "serious": 0, "moderate": 0, "minor": 0},
                    "rules": [],
                }
            ],
            ran_at=timezone.now(),
        )
    return tenant


def build_kpi_objects(tenant: Tenant) -> None:
    """A submitted filing, a target, a sent reminder, an API token and an API idempotency key."""
    import hashlib
    from datetime import date

    from kpis.models import (
        KpiTarget,
        OfficeApiToken,
        ReminderSent,
    )
    from kpis.selectors import kpi_settings
    from kpis.services import staffing_report_save
    from reports.models import MonthlyReport

    office = tenant.offices[0]
    association = tenant.association
    kpi_settings(association_id=association.pk)
    row = {
        "job_category": "care_worker",
        "employment_type": "regular",
        "headcount_start": 10,
        "hires": 1,
        "separations": 1,
        "separations_within_year": 0,
        "headcount_end": 10,
        "open_positions": 2,
        "hires_hello_work": 1,
    }
    staffing_report_save(
        office=office,
        month=date(2026, 9, 1),
        rows=[row],
        user=tenant.users["office_staff"],
        expected_version=None,
        submit=True,
        today=date(2026, 10, 1),
    )
    KpiTarget.objects.create(
        association=association, fiscal_year=2026, metric="separation_rate", at_most=True, value=12
    )
    ReminderSent.objects.create(
        association=association, office=office, month=date(2026, 9, 1), kind="before"
    )
    OfficeApiToken.objects.create(
        office=office,
        name="matrix",
        prefix="abc",
        key_hash=hashlib.sha256(tenant.host.encode()).hexdigest(),
    )
    from datetime import timedelta

    from django.utils import timezone

    from association.models import IdempotencyKey

    IdempotencyKey.objects.create(
        association=association,
        lookup=hashlib.sha256(f"matrix-{tenant.host}".encode()).hexdigest(),
        principal="user:0",
        method="POST",
        path="/api/v1/filings/",
        key=f"matrix-{tenant.host}",
        fingerprint="0" * 64,
        response_status=201,
        expires_at=timezone.now() + timedelta(days=1),
    )
    # --- reports: replace with the build service once it exists
    MonthlyReport.objects.create(
        association=association,
        month=date(2026, 9, 1),
        kind="retention",
        revision=1,
        status="draft",
    )
    # The matrix downloads the first report: published, with files (city viewers get 200).
    MonthlyReport.objects.filter(association=association).update(
        status="published",
        pdf=MonthlyReport.pdf.field.storage.save(
            f"reports/matrix-{tenant.host}.pdf", ContentFile(b"%PDF-1.4\n")
        ),
        xlsx=MonthlyReport.xlsx.field.storage.save(
            f"reports/matrix-{tenant.host}.xlsx", ContentFile(b"PK\x03\x04")
        ),
    )


def build_event_objects(tenant: Tenant) -> None:
    """A published job fair at a venue, with a programme item, a registration and a booth."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from events.models import Event, ProgrammeItem, Registration, Venue
    from recruitment.models import JobFairBooth

    association = tenant.association
    starts = datetime(2027, 3, 20, 13, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    venue = Venue.objects.create(
        association=association, name=f"{tenant.marker}会館", address=f"{tenant.marker}町1-1"
    )
    event = Event.objects.create(
        association=association,
        title=f"{tenant.marker}就職フェア",
        kind="job_fair",
        status="published",
        venue=venue,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        registration_required=True,
        capacity=50,
        published_at=starts - timedelta(days=30),
        image_alt=f"{tenant.marker}就職フェアの会場の様子",
    )
    event.image.save(f"fair-{tenant.host}.png", ContentFile(_logo_png()), save=True)
    item = ProgrammeItem.objects.create(
        event=event,
        title=f"{tenant.marker}相談会",
        venue=venue,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    Registration.objects.create(
        association=association,
        event=event,
        programme_item=item,
        name=f"{tenant.marker}太郎",
        phone="06-0000-0000",
        status="confirmed",
        cancel_key=f"cancel-{tenant.host}",
    )
    booth = JobFairBooth.objects.create(
        event=event, office=tenant.offices[0], hiring_for="介護職員", hires=1
    )
    from recruitment.models import JobFairBoothHire

    JobFairBoothHire.objects.create(
        booth=booth, job_category="care_worker", employment_type="regular", count=1
    )


def build_recruitment_objects(tenant: Tenant) -> dict[str, Any]:
    """Office 1's posting, photo and application (contacted, with a note), a withdrawn
    application's deletion record and the retention settings: a row of every model."""
    from recruitment.services import application_status_set, application_withdraw
    from tests.recruitment.jobs import apply

    objects = _recruitment_objects(tenant, tenant.offices[0])
    application_status_set(
        application=objects["job_application"],
        status="contacted",
        note="電話で面接日を調整",
        by=tenant.users["office_staff"],
    )
    _withdrawn, key = apply(
        objects["job_posting"], name=f"{tenant.marker}辞退者", email="withdrawn@example.com"
    )
    application_withdraw(key=key)
    return objects


def _recruitment_objects(tenant: Tenant, office: Office) -> dict[str, Any]:
    """A published posting of `office` with a photo, and an application to it (services)."""
    from recruitment.models import JobPostingPhoto
    from tests.recruitment.jobs import apply, make_posting

    posting = make_posting(office, title=f"{office.name}の介護職員")
    photo = JobPostingPhoto.objects.create(
        posting=posting,
        image=ContentFile(_logo_png(), name=f"job-{office.pk}.png"),
        alt=f"{office.name}の職場の様子",
    )
    application, _key = apply(
        posting, name=f"{tenant.marker}応募者", email=f"applicant-{office.pk}@example.com"
    )
    from recruitment.models import JobPostingViewDay

    JobPostingViewDay.objects.create(posting=posting, day=posting.created_at.date(), count=3)
    return {"job_posting": posting, "job_posting_photo": photo, "job_application": application}


@dataclass
class MatrixObjects:
    """For the isolation matrix: each object an id in a URL can name, three ways.

    `own`: the role holders' own (office 1 and its corporation, 居宅部会, the public job fair);
    `other`: another office's in the same association (an office of another corporation,
    入所部会, whose subcommittee-only event the 居宅 people must not reach).
    Another association's objects are that tenant's `own`.
    """

    own: dict[str, Any] = field(default_factory=dict)
    other: dict[str, Any] = field(default_factory=dict)


def build_matrix_objects(tenant: Tenant) -> MatrixObjects:
    """The objects of `build_tenant`, and the "other" ones the matrix adds (through services)."""
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from events.models import Event
    from kpis.models import StaffingReport
    from kpis.services import staffing_report_save
    from recruitment.models import JobFairBooth
    from reports.models import MonthlyReport
    from subcommittees.models import Announcement, Meeting
    from subcommittees.services import announcement_create, meeting_create

    objects = MatrixObjects()
    association = tenant.association
    with scope(association=association.pk):
        kyotaku = Subcommittee.objects.get(kind=SubcommitteeKind.KYOTAKU)
        nyusho = Subcommittee.objects.get(kind=SubcommitteeKind.NYUSHO)
        fair = Event.objects.get(kind="job_fair")
        objects.own = {
            "office": tenant.offices[0],
            "staffing_report": StaffingReport.objects.get(office=tenant.offices[0]),
            "event": fair,
            "subcommittee": kyotaku,
            "meeting": Meeting.objects.get(subcommittee=kyotaku),
            "announcement": Announcement.objects.get(subcommittee=kyotaku),
            "job_fair_booth": JobFairBooth.objects.get(office=tenant.offices[0]),
            "monthly_report": MonthlyReport.objects.order_by("pk").first(),
            "article": _published_article(tenant, kyotaku),
            **tenant.recruitment,
        }
        district = tenant.offices[0].provider_number[3:5]
        corporation = corporation_create(
            association=association,
            name=f"{tenant.marker}ほか法人",
            kind=CorporationKind.SOCIAL_WELFARE,
            corporate_number=corporate_number(int(district) * 1000 + 2),
        )
        other_office = office_create(
            association=association,
            corporation=corporation,
            name=f"{tenant.marker}ほか事業所",
            provider_number=provider_number(district, 90),
            service_codes=["32"],  # 入所部会 only
            status=OfficeStatus.APPROVED,
        )
        staffing_report_save(
            office=other_office,
            month=date(2026, 9, 1),
            rows=[
                {
                    "job_category": "care_worker",
                    "employment_type": "regular",
                    "headcount_start": 5,
                    "hires": 0,
                    "separations": 0,
                    "separations_within_year": 0,
                    "headcount_end": 5,
                }
            ],
            user=tenant.users["officer"],
            expected_version=None,
            submit=True,
            today=date(2026, 10, 1),
        )
        starts = datetime(2027, 2, 10, 14, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
        nyusho_event = Event.objects.create(
            association=association,
            title=f"{tenant.marker}入所部会研修",
            kind="subcommittee",
            audience="subcommittee",
            subcommittee=nyusho,
            status="published",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            registration_required=True,
            capacity=30,
            published_at=starts - timedelta(days=30),
        )
        nyusho_event.image.save(f"nyusho-{tenant.host}.png", ContentFile(_logo_png()), save=True)
        objects.other = {
            "office": other_office,
            "staffing_report": StaffingReport.objects.get(office=other_office),
            "event": nyusho_event,
            "subcommittee": nyusho,
            "meeting": meeting_create(
                subcommittee=nyusho,
                title=f"{tenant.marker}入所部会 定例会",
                starts_at=starts,
                place=f"{tenant.marker}市民会館 会議室B",
                agenda="1. 報告事項",
                created_by=tenant.users["officer"],
            ),
            "announcement": announcement_create(
                subcommittee=nyusho,
                subject=f"{tenant.marker}入所部会からのお知らせ",
                body="研修のご案内です。",
                created_by=tenant.users["officer"],
            ),
            "job_fair_booth": JobFairBooth.objects.create(
                event=fair, office=other_office, hiring_for="看護職員"
            ),
            "article": _published_article(tenant, nyusho),
            **_recruitment_objects(tenant, other_office),
        }
    return objects


def _published_article(tenant: Tenant, subcommittee: Subcommittee) -> Any:
    """A published article of the 部会 (news), through the services."""
    from news.models import Article
    from news.services import article_publish, article_save

    article = article_save(
        article=Article(association=tenant.association),
        title=f"{tenant.marker}{subcommittee.name}の活動報告",
        category="report",
        body="<p>研修を行いました。</p>",
        subcommittee=subcommittee,
        image=ContentFile(_logo_png(), name=f"news-{subcommittee.pk}.png"),
        image_alt="研修の様子",
    )
    return article_publish(article=article)
