"""Writes for job fairs: an office takes a booth, and records its outcome after the fair."""

from __future__ import annotations

import atexit
import calendar
import hashlib
import logging
import os
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from association.mail import send_templated_mail
from association.public_cache import public_changed, public_version
from core.calendar import add_months
from core.identifiers import clean_phone_number
from events.models import Event, EventKind, EventStatus
from events.services import clean_html, events_changed_now_and_on_commit
from kpis.models import EmploymentType, JobCategory
from members.models import Office
from recruitment.models import (
    AgeBand,
    ApplicationDeletion,
    ApplicationNote,
    ApplicationStatus,
    DeletionReason,
    JobApplication,
    JobFairBooth,
    JobFairBoothHire,
    JobPosting,
    JobPostingPhoto,
    JobPostingViewDay,
    PayKind,
    PostingStatus,
    Qualification,
    RecruitmentSettings,
    Shift,
    SmokingMeasure,
    WelcomeTag,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def job_fair_booth_create(
    *, event: Event, office: Office, hiring_for: str = "", open_positions: int = 0
) -> JobFairBooth:
    """An office takes a booth at a job fair of its own association (once per fair)."""
    if event.kind != EventKind.JOB_FAIR:
        raise ValidationError(_("This event is not a job fair."))
    if office.association_id != event.association_id:
        raise ValueError("office belongs to another association")
    booth = JobFairBooth(
        event=event, office=office, hiring_for=hiring_for, open_positions=open_positions
    )
    booth.full_clean()
    booth.save()
    events_changed_now_and_on_commit(event.association_id)  # the fair's page lists exhibitors
    return booth


def fair_has_ended(*, booth: JobFairBooth, now: datetime | None = None) -> bool:
    return booth.event.ends_at <= (now or timezone.now())


@transaction.atomic
def booth_outcome_record(
    *,
    booth: JobFairBooth,
    interviews: int,
    hires: int,
    by: Any,
    hires_by_job: Mapping[tuple[str, str], int] | None = None,
    now: datetime | None = None,
) -> JobFairBooth:
    """Record (or correct) how many interviews and hires the office's booth led to.

    Only once the fair has ended, not for a cancelled fair, and with hires ≤ interviews.
    The hires feed the office's “hires via association job fair” figure of that month.
    `hires_by_job` ((job category, employment type) → hires) says which jobs they were for; it
    must add up to `hires` when given, and is what the filing form offers row by row.
    """
    event = booth.event
    errors: dict[str, list[str]] = {}
    if event.kind != EventKind.JOB_FAIR:
        errors.setdefault("__all__", []).append(_("This event is not a job fair."))
    if event.status == EventStatus.CANCELLED:
        errors.setdefault("__all__", []).append(_("This job fair was cancelled."))
    elif not fair_has_ended(booth=booth, now=now):
        errors.setdefault("__all__", []).append(
            _("The outcome can be recorded once the job fair has ended.")
        )
    if interviews is None or interviews < 0:
        errors.setdefault("interviews", []).append(_("Enter zero or more interviews."))
    if hires is None or hires < 0:
        errors.setdefault("hires", []).append(_("Enter zero or more hires."))
    elif interviews is not None and interviews >= 0 and hires > interviews:
        errors.setdefault("hires", []).append(
            _("Hires cannot be more than interviews (%(interviews)s).") % {"interviews": interviews}
        )
    rows = {key: count for key, count in (hires_by_job or {}).items() if count}
    for (job, employment), count in rows.items():
        if job not in JobCategory.values or employment not in EmploymentType.values:
            errors.setdefault("hires", []).append(_("Choose a job category and employment type."))
        elif count < 0:
            errors.setdefault("hires", []).append(_("Enter zero or more hires."))
    if rows and hires is not None and "hires" not in errors and sum(rows.values()) != hires:
        errors.setdefault("hires", []).append(
            _(
                "The hires by job add up to %(sum)s, not %(hires)s: make them match the "
                "number of hires."
            )
            % {"sum": sum(rows.values()), "hires": hires}
        )
    if errors:
        raise ValidationError(errors)

    locked = JobFairBooth.objects.select_for_update().get(pk=booth.pk)
    JobFairBoothHire.objects.filter(booth=locked).delete()
    JobFairBoothHire.objects.bulk_create(
        JobFairBoothHire(booth=locked, job_category=job, employment_type=employment, count=count)
        for (job, employment), count in sorted(rows.items())
    )
    locked.interviews = interviews
    locked.hires = hires
    locked.outcome_recorded_at = now or timezone.now()
    locked.save(update_fields=["interviews", "hires", "outcome_recorded_at"])
    logger.info(
        "job fair booth outcome recorded",
        extra={
            "booth": locked.pk,
            "event": event.pk,
            "office": locked.office_id,
            "by": getattr(by, "pk", None),
        },
    )
    booth.interviews, booth.hires = interviews, hires
    booth.outcome_recorded_at = locked.outcome_recorded_at
    return booth


# --- joint recruitment: postings ----------------------------------------------------------

EXPIRY_NOTICE_DAYS = 7
MAX_OPEN_DAYS = 183  # a posting is open for at most about six months at a time

POSTING_FIELDS = (
    "title",
    "job_category",
    "employment_type",
    "working_style",
    "pay_kind",
    "pay_min",
    "pay_max",
    "allowances",
    "fixed_overtime_hours",
    "fixed_overtime_pay",
    "working_hours",
    "shifts",
    "work_days",
    "holidays_per_year",
    "insurance",
    "qualifications_required",
    "qualifications_welcome",
    "welcome_tags",
    "smoking_measure",
    "smoking_note",
    "area",
    "nearest_station",
    "description",
    "expires_on",
)


def jobs_version(association_id: int | None) -> int:
    """The association's public job-board version (association.public_cache)."""
    return public_version("jobs", association_id)


def jobs_changed(association_id: int | None) -> None:
    """A posting changed: every cached job-board page of the association is stale, now and
    again after the commit (a page rendered from the old rows mid-transaction is dropped too)."""
    public_changed("jobs", association_id)
    transaction.on_commit(lambda: public_changed("jobs", association_id))


def _unknown(values: Any, choices: type[models.TextChoices]) -> list[str]:
    allowed = set(choices.values)
    return [str(v) for v in (values or []) if v not in allowed]


def _posting_errors(posting: JobPosting, *, today: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if (posting.fixed_overtime_hours is None) != (posting.fixed_overtime_pay is None):
        errors["fixed_overtime_pay"] = [
            _("Fixed overtime pay must state both its hours and its amount.")
        ]
    has_pay = posting.pay_min is not None
    if has_pay and posting.pay_max is not None and posting.pay_max < posting.pay_min:
        errors["pay_max"] = [_("The upper end of the pay cannot be below the lower end.")]
    if has_pay and posting.pay_kind == PayKind.HOURLY and posting.pay_min > 10_000:
        errors["pay_min"] = [_("Hourly pay looks too high: is it monthly pay?")]
    if has_pay and posting.pay_kind == PayKind.MONTHLY and posting.pay_min < 10_000:
        errors["pay_min"] = [_("Monthly pay looks too low: is it hourly pay?")]
    if posting.expires_on and posting.expires_on > today + timedelta(days=MAX_OPEN_DAYS):
        errors["expires_on"] = [
            _("A posting can be open for at most %(days)d days at a time.")
            % {"days": MAX_OPEN_DAYS}
        ]
    for name, choices in (
        ("shifts", Shift),
        ("qualifications_required", Qualification),
        ("qualifications_welcome", Qualification),
        ("welcome_tags", WelcomeTag),
    ):
        if _unknown(getattr(posting, name), choices):
            errors[name] = [_("Choose from the list.")]
    if posting.smoking_measure == SmokingMeasure.OTHER and not posting.smoking_note.strip():
        errors["smoking_note"] = [_("Please describe the measures against passive smoking.")]
    return errors


@transaction.atomic
def posting_save(
    *,
    posting: JobPosting | None = None,
    office: Office,
    by: Any,
    today: date | None = None,
    **fields: Any,
) -> JobPosting:
    """Create or edit a posting (any status but hidden); description sanitised, caches dropped.

    `office` is the place of work: the posting office or another office of its corporation
    (the caller has checked the person may post for it).
    """
    today = today or timezone.localdate()
    unknown = set(fields) - set(POSTING_FIELDS)
    if unknown:
        raise TypeError(f"unknown posting fields: {sorted(unknown)}")
    if posting is None:
        posting = JobPosting(association_id=office.association_id, created_by=by)
    elif posting.status == PostingStatus.HIDDEN:
        raise ValidationError(_("The association has hidden this posting; it cannot be edited."))
    posting.office = office
    for name, value in fields.items():
        setattr(posting, name, value)
    posting.description = clean_html(posting.description)
    errors = _posting_errors(posting, today=today)
    if errors:
        raise ValidationError(errors)
    posting.full_clean()
    posting.save()
    jobs_changed(posting.association_id)
    return posting


def _lock_posting(posting: JobPosting) -> JobPosting:
    return JobPosting.objects.select_for_update().select_related("office").get(pk=posting.pk)


def _set_status(posting: JobPosting, locked: JobPosting, **changes: Any) -> JobPosting:
    for name, value in changes.items():
        setattr(locked, name, value)
        setattr(posting, name, value)
    locked.save(update_fields=[*changes, "updated_at"])
    jobs_changed(locked.association_id)
    return posting


@transaction.atomic
def posting_publish(*, posting: JobPosting, by: Any, now: datetime | None = None) -> JobPosting:
    """Draft (or closed) → published, when it is open until today or later."""
    now = now or timezone.now()
    locked = _lock_posting(posting)
    if locked.status == PostingStatus.HIDDEN:
        raise ValidationError(_("The association has hidden this posting."))
    if locked.status == PostingStatus.PUBLISHED:
        return posting
    if locked.expires_on < timezone.localdate(now):
        raise ValidationError({"expires_on": [_("Set an “open until” date from today on.")]})
    logger.info(
        "job posting published", extra={"posting": locked.pk, "by": getattr(by, "pk", None)}
    )
    return _set_status(
        posting,
        locked,
        status=PostingStatus.PUBLISHED,
        published_at=locked.published_at or now,
        closed_at=None,
        expiry_notice_sent_at=None,
    )


@transaction.atomic
def posting_close(*, posting: JobPosting, by: Any, now: datetime | None = None) -> JobPosting:
    """Published → closed (the office filled the place, or the expiry date passed)."""
    locked = _lock_posting(posting)
    if locked.status != PostingStatus.PUBLISHED:
        raise ValidationError(_("Only a published posting can be closed."))
    return _set_status(
        posting, locked, status=PostingStatus.CLOSED, closed_at=now or timezone.now()
    )


@transaction.atomic
def posting_reopen(
    *, posting: JobPosting, by: Any, expires_on: date | None = None, now: datetime | None = None
) -> JobPosting:
    """Closed → published again, with a new “open until” date if the old one has passed."""
    now = now or timezone.now()
    locked = _lock_posting(posting)
    if locked.status != PostingStatus.CLOSED:
        raise ValidationError(_("Only a closed posting can be re-opened."))
    today = timezone.localdate(now)
    new_expiry = expires_on or locked.expires_on
    if new_expiry < today:
        raise ValidationError({"expires_on": [_("Set an “open until” date from today on.")]})
    if new_expiry > today + timedelta(days=MAX_OPEN_DAYS):
        raise ValidationError(
            {
                "expires_on": [
                    _("A posting can be open for at most %(days)d days at a time.")
                    % {"days": MAX_OPEN_DAYS}
                ]
            }
        )
    return _set_status(
        posting,
        locked,
        status=PostingStatus.PUBLISHED,
        expires_on=new_expiry,
        closed_at=None,
        expiry_notice_sent_at=None,
    )


@transaction.atomic
def posting_hide(*, posting: JobPosting, reason: str, by: Any) -> JobPosting:
    """Officers take a posting off the board; the office sees the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the posting is hidden; the office sees it.")]})
    locked = _lock_posting(posting)
    logger.info("job posting hidden", extra={"posting": locked.pk, "by": getattr(by, "pk", None)})
    return _set_status(posting, locked, status=PostingStatus.HIDDEN, hidden_reason=reason)


@transaction.atomic
def posting_unhide(*, posting: JobPosting, by: Any, base_url: str = "") -> JobPosting:
    """Officers put a posting they hid back in the office's hands: the reason is cleared and the
    office is told by email. It comes back closed (a draft if it was never published), so the
    office checks it and re-opens it itself; nothing appears on the board unseen."""
    locked = _lock_posting(posting)
    if locked.status != PostingStatus.HIDDEN:
        raise ValidationError(_("Only a hidden posting can be shown again."))
    status = PostingStatus.CLOSED if locked.published_at else PostingStatus.DRAFT
    logger.info("job posting unhidden", extra={"posting": locked.pk, "by": getattr(by, "pk", None)})
    _set_status(posting, locked, status=status, hidden_reason="")
    association = locked.office.association
    send_templated_mail(
        template="recruitment/email/posting_unhidden",
        context={
            "posting": locked,
            "association": association,
            "edit_url": _site_url(association, base_url)
            + reverse("recruitment:posting_detail", args=[locked.pk]),
        },
        to=_office_emails(locked.office),
    )
    return posting


MAX_PHOTOS = 10


@transaction.atomic
def posting_photo_add(*, posting: JobPosting, image: Any, alt: str, by: Any) -> JobPostingPhoto:
    """A photo with its alt text, after the posting's others (at most MAX_PHOTOS)."""
    _lock_posting(posting)
    count = JobPostingPhoto.objects.filter(posting=posting).count()
    if count >= MAX_PHOTOS:
        raise ValidationError(
            {"image": [_("A posting can have at most %(count)d photos.") % {"count": MAX_PHOTOS}]}
        )
    photo = JobPostingPhoto.objects.create(posting=posting, image=image, alt=alt, position=count)
    jobs_changed(posting.association_id)
    return photo


@transaction.atomic
def posting_photo_delete(*, posting: JobPosting, photo_id: int, by: Any) -> None:
    """The office removes one of its posting's photos. The stored file goes through the storage
    API once the deletion commits, unless a copy of the posting still shows it (copies share
    their files, posting_copy_to_offices)."""
    photo = JobPostingPhoto.objects.filter(posting=posting, pk=photo_id).first()
    if photo is None:
        raise ValidationError(_("This photo has already been removed."))
    name, storage = photo.image.name, photo.image.storage
    photo.delete()
    if name and not JobPostingPhoto.objects.filter(image=name).exists():
        transaction.on_commit(lambda: storage.delete(name))
    logger.info(
        "job posting photo deleted", extra={"posting": posting.pk, "by": getattr(by, "pk", None)}
    )
    jobs_changed(posting.association_id)


@transaction.atomic
def posting_copy_to_offices(
    *, posting: JobPosting, office_ids: Iterable[int], by: Any
) -> list[JobPosting]:
    """A head office posts the same job for several of its offices: one draft per office.

    Only offices of the posting office's corporation; the caller has checked that the person
    may post for each of them. Photos are shared (the same stored files).
    """
    targets = list(
        Office.objects.filter(
            pk__in=set(office_ids), corporation_id=posting.office.corporation_id
        ).exclude(pk=posting.office_id)
    )
    if len(targets) != len(set(office_ids) - {posting.office_id}):
        raise ValidationError(_("Choose offices of the same corporation."))
    photos = list(posting.photos.all())
    copies = []
    for office in targets:
        copy = JobPosting(
            association_id=posting.association_id,
            office=office,
            created_by=by,
            status=PostingStatus.DRAFT,
            **{name: getattr(posting, name) for name in POSTING_FIELDS},
        )
        copy.full_clean()
        copy.save()
        JobPostingPhoto.objects.bulk_create(
            JobPostingPhoto(posting=copy, image=p.image.name, alt=p.alt, position=p.position)
            for p in photos
        )
        copies.append(copy)
    jobs_changed(posting.association_id)
    return copies


def _office_emails(office: Office) -> list[str]:
    from association.models import Role, RoleKind

    admins = Role.objects.filter(office=office, kind=RoleKind.OFFICE_ADMIN).values_list(
        "user__email", flat=True
    )
    return [office.email, *admins]


def postings_expire(*, today: date | None = None, base_url: str = "") -> tuple[int, int]:
    """Close the published postings whose “open until” date has passed, and tell offices a week
    ahead. Runs in the association's scope; returns (closed, warned)."""
    today = today or timezone.localdate()
    closed = warned = 0
    for posting_id in JobPosting.objects.filter(
        status=PostingStatus.PUBLISHED, expires_on__lt=today
    ).values_list("pk", flat=True):
        with transaction.atomic():
            locked = JobPosting.objects.select_for_update().get(pk=posting_id)
            if locked.status == PostingStatus.PUBLISHED and locked.expires_on < today:
                _set_status(locked, locked, status=PostingStatus.CLOSED, closed_at=timezone.now())
                closed += 1
    soon = JobPosting.objects.filter(
        status=PostingStatus.PUBLISHED,
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=EXPIRY_NOTICE_DAYS),
        expiry_notice_sent_at__isnull=True,
    ).select_related("office", "association")
    for posting in soon:
        with transaction.atomic():
            updated = JobPosting.objects.filter(
                pk=posting.pk, expiry_notice_sent_at__isnull=True
            ).update(expiry_notice_sent_at=timezone.now())
            if not updated:
                continue
            send_templated_mail(
                template="recruitment/email/posting_expiring",
                context={
                    "posting": posting,
                    "association": posting.association,
                    "edit_url": _site_url(posting.association, base_url)
                    + reverse("recruitment:posting_detail", args=[posting.pk]),
                },
                to=_office_emails(posting.office),
            )
            warned += 1
    return closed, warned


def _site_url(association: Any, base_url: str) -> str:
    if base_url:
        return base_url.rstrip("/")
    domain = association.domains.order_by("pk").values_list("domain", flat=True).first()
    scheme = getattr(settings, "EVENTS_URL_SCHEME", "https")
    return f"{scheme}://{domain}" if domain else ""


# --- joint recruitment: applications ------------------------------------------------------

MESSAGE_MAX = 1000
DUPLICATE_DAYS = 30
KANA = re.compile(r"^[\u3040-\u309f\u30a0-\u30ff\u3000\s・ー]+$")


def normalize_email(value: str) -> str:
    text = unicodedata.normalize("NFKC", value or "").strip()
    local, _at, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}" if local else text


def access_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def application_for_key(key: str) -> JobApplication | None:
    """The application whose status link carries `key` (only its hash is stored)."""
    if not key or len(key) > 100:
        return None
    return (
        JobApplication.objects.select_related("posting", "posting__office", "association")
        .filter(access_key_hash=access_key_hash(key))
        .first()
    )


def posting_accepts_applications(posting: JobPosting, *, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return posting.status == PostingStatus.PUBLISHED and posting.expires_on >= today


def status_url(association: Any, key: str, base_url: str = "") -> str:
    return (
        f"{_site_url(association, base_url)}{reverse('jobs:application_status')}"
        f"?{urlencode({'key': key})}"
    )


@transaction.atomic
def application_submit(
    *,
    posting: JobPosting,
    name: str,
    kana: str,
    email: str = "",
    phone: str = "",
    age_band: str,
    qualifications: list[str] | None = None,
    preferred_start: str = "",
    message: str = "",
    consent: bool,
    base_url: str = "",
    now: datetime | None = None,
) -> tuple[JobApplication, str]:
    """A job seeker applies without an account. Returns the application and the secret of its
    status link (emailed to the applicant, shown once; only its hash is kept).

    The office (its email and its administrators) is told by email; the applicant gets an
    acknowledgement when they gave an email address."""
    now = now or timezone.now()
    posting = (
        JobPosting.objects.select_for_update()
        .select_related("office", "association")
        .get(pk=posting.pk)
    )
    if not posting_accepts_applications(posting, today=timezone.localdate(now)):
        raise ValidationError(_("This job is no longer taking applications."))
    name = " ".join((name or "").split())
    kana = " ".join(unicodedata.normalize("NFKC", kana or "").split())
    email = normalize_email(email)
    try:
        phone, phone_errors = clean_phone_number(phone), []
    except ValidationError as error:
        phone, phone_errors = phone.strip(), error.messages
    message = (message or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [_("Please enter your name.")]
    if not kana or len(kana) > 100 or not KANA.match(kana):
        errors["kana"] = [_("Please enter your name in kana.")]
    if not email and not phone:
        errors["email"] = [_("Please enter an email address or a phone number.")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Please enter a valid email address.")]
    if phone_errors:
        errors["phone"] = phone_errors
    if age_band not in AgeBand.values:
        errors["age_band"] = [_("Choose from the list.")]
    if _unknown(qualifications, Qualification):
        errors["qualifications"] = [_("Choose from the list.")]
    if len(preferred_start) > 100:
        errors["preferred_start"] = [_("Please keep this under 100 characters.")]
    if len(message) > MESSAGE_MAX:
        errors["message"] = [
            _("Please keep the message under %(max)d characters.") % {"max": MESSAGE_MAX}
        ]
    if not consent:
        errors["consent"] = [_("Please agree to how your data are used, or we cannot apply.")]
    if errors:
        raise ValidationError(errors)
    contact = Q(email=email) if email else Q()
    if phone:
        contact |= Q(phone=phone)
    duplicate = (
        JobApplication.objects.filter(contact, posting=posting)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .filter(created_at__gte=now - timedelta(days=DUPLICATE_DAYS))
        .exists()
    )
    if duplicate:
        raise ValidationError(
            _(
                "You have already applied for this job. The office will contact you; "
                "the link in your acknowledgement shows your application's status."
            )
        )
    key = secrets.token_urlsafe(32)
    application = JobApplication.objects.create(
        association=posting.association,
        posting=posting,
        name=name,
        kana=kana,
        email=email,
        phone=phone,
        age_band=age_band,
        qualifications=list(qualifications or []),
        preferred_start=preferred_start.strip(),
        message=message,
        consented_at=now,
        status=ApplicationStatus.NEW,
        status_changed_at=now,
        access_key_hash=access_key_hash(key),
    )
    site = _site_url(posting.association, base_url)
    context = {
        "posting": posting,
        "association": posting.association,
        "office": posting.office,
        "rules": recruitment_settings(association_id=posting.association_id),
    }
    if email:
        send_templated_mail(
            template="recruitment/email/application_received",
            context={**context, "status_url": status_url(posting.association, key, base_url)},
            to=[email],
        )
    send_templated_mail(
        template="recruitment/email/application_new",
        context={
            **context,
            "application_url": site
            + reverse("recruitment:application_detail", args=[application.pk]),
        },
        to=_office_emails(posting.office),
    )
    logger.info("job application received", extra={"posting": posting.pk})
    return application, key


def recruitment_settings(*, association_id: int) -> RecruitmentSettings:
    settings_row, _created = RecruitmentSettings.objects.get_or_create(
        association_id=association_id
    )
    return settings_row


@transaction.atomic
def application_mark_seen(*, application: JobApplication, now: datetime | None = None) -> None:
    """The office opened the application: it is no longer new to them."""
    if application.seen_at is None:
        application.seen_at = now or timezone.now()
        JobApplication.objects.filter(pk=application.pk, seen_at__isnull=True).update(
            seen_at=application.seen_at
        )


@transaction.atomic
def application_status_set(
    *,
    application: JobApplication,
    status: str,
    happened_on: date | None = None,
    note: str = "",
    by: Any,
    now: datetime | None = None,
) -> JobApplication:
    """The office moves an application on (or adds a note at the same status), with a date.

    A hire's date puts it in that month's filing, under “hires via association job posting”.
    """
    now = now or timezone.now()
    happened_on = happened_on or timezone.localdate(now)
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if status not in ApplicationStatus.values:
        errors["status"] = [_("Choose from the list.")]
    if len(note) > 2000:
        errors["note"] = [_("Please keep the note under 2000 characters.")]
    if happened_on > timezone.localdate(now):
        errors["happened_on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    locked = JobApplication.objects.select_for_update().get(pk=application.pk)
    if status == locked.status and not note:
        raise ValidationError({"note": [_("Change the status or write a note.")]})
    ApplicationNote.objects.create(
        application=locked, status=status, happened_on=happened_on, note=note, by=by
    )
    changes: dict[str, Any] = {"seen_at": locked.seen_at or now}
    if status != locked.status:
        changes.update(
            status=status,
            status_changed_at=now,
            hired_on=happened_on if status == ApplicationStatus.HIRED else None,
        )
    for name, value in changes.items():
        setattr(locked, name, value)
        setattr(application, name, value)
    locked.save(update_fields=list(changes))
    return application


@transaction.atomic
def application_withdraw(*, key: str, base_url: str = "", now: datetime | None = None) -> str:
    """The applicant withdraws through their link: the application and its history are
    deleted at once; the office is told which posting lost an applicant (no personal data).
    Returns the posting's title for the confirmation page."""
    application = application_for_key(key)
    if application is None:
        raise ValidationError(_("This link is not valid, or the application was deleted."))
    posting = application.posting
    application.delete()
    ApplicationDeletion.objects.create(
        association_id=posting.association_id,
        reason=DeletionReason.WITHDRAWN,
        count=1,
        deleted_at=now or timezone.now(),
    )
    send_templated_mail(
        template="recruitment/email/application_withdrawn",
        context={"posting": posting, "association": posting.association},
        to=_office_emails(posting.office),
    )
    return posting.title


def _months_before(moment: datetime, months: int) -> datetime:
    """The same time `months` calendar months earlier (31 March − 1 month → 28/29 February)."""
    first = add_months(moment.date().replace(day=1), -months)
    last_day = calendar.monthrange(first.year, first.month)[1]
    return moment.replace(year=first.year, month=first.month, day=min(moment.day, last_day))


@transaction.atomic
def applications_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete applications after the association's retention period from their last status
    change (not hired: 6 months by default; hired: 12 months), keeping only counts.

    Runs inside one association's scope (the daily beat fans out per association)."""
    from association.models import Association

    now = now or timezone.now()
    deleted: dict[str, int] = {}
    association_ids = JobApplication.objects.values("association_id").distinct()
    for association in Association.objects.filter(pk__in=association_ids):
        rules = recruitment_settings(association_id=association.pk)
        for reason, months, query in (
            (
                DeletionReason.RETENTION_NOT_HIRED,
                rules.retention_months_not_hired,
                ~Q(status=ApplicationStatus.HIRED),
            ),
            (
                DeletionReason.RETENTION_HIRED,
                rules.retention_months_hired,
                Q(status=ApplicationStatus.HIRED),
            ),
        ):
            cutoff = _months_before(now, months)
            stale = JobApplication.objects.filter(
                query, association=association, status_changed_at__lt=cutoff
            )
            count = stale.count()
            if not count:
                continue
            stale.delete()
            ApplicationDeletion.objects.create(
                association=association, reason=reason, count=count, deleted_at=now
            )
            deleted[reason] = deleted.get(reason, 0) + count
    return deleted


# --- joint recruitment: posting views -----------------------------------------------------

VIEWS_KEY = "recruitment:views:{association_id}"
# Views counted in this process and not yet sent: ((association, "posting:day") → views). Sent
# to Redis in one pipeline once RECRUITMENT_VIEWS_SEND_SECONDS have passed since the last send
# (by the next view, or by the process's sender thread when no view comes), by a flush in this
# process, and when the process exits; a process killed outright loses those seconds' views.
_views_unsent: dict[tuple[int, str], int] = {}
_views_sent_at = time.monotonic()
_views_lock = threading.Lock()
_views_sender_pid: int | None = None  # the process whose sender thread runs (forks have none)
SENDER_WAKE_SECONDS = 0.5
# Crawlers, link previews, monitors and scripts: not job seekers.
BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|archiver|preview|facebookexternalhit|embedly|monitor|"
    r"lighthouse|headless|curl|wget|python|httpx|go-http|java/|okhttp|libwww|scrapy",
    re.IGNORECASE,
)


def _views_redis() -> Any | None:
    """The Redis client behind the cache, or None (the embedded default has no Redis)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    return None


def _views_key(association_id: int) -> str:
    from django.core.cache import caches

    return caches["default"].make_key(VIEWS_KEY.format(association_id=association_id))


def is_bot(user_agent: str) -> bool:
    return not user_agent.strip() or bool(BOT_AGENTS.search(user_agent[:500]))


def posting_view_count(
    *, association_id: int, posting_id: int, user_agent: str, day: date | None = None
) -> bool:
    """Count one view of a posting's public page: never a database write (flushed by
    `posting_views_flush`), so cached pages stay cached, and no Redis round trip per view
    (kept in the process, sent by `posting_views_send`). Obvious bots are not counted; nothing
    about the visitor is kept."""
    if is_bot(user_agent):
        return False
    day = day or timezone.localdate()
    if _views_redis() is None:  # embedded default (SQLite, no Redis): write through
        with transaction.atomic():
            row, _created = JobPostingViewDay.objects.get_or_create(posting_id=posting_id, day=day)
            JobPostingViewDay.objects.filter(pk=row.pk).update(count=models.F("count") + 1)
        return True
    key = (association_id, f"{posting_id}:{day.isoformat()}")
    with _views_lock:
        _views_unsent[key] = _views_unsent.get(key, 0) + 1
        due = time.monotonic() - _views_sent_at >= settings.RECRUITMENT_VIEWS_SEND_SECONDS
    if due:
        posting_views_send()
    else:
        _views_sender_start()
    return True


def _views_sender_start() -> None:
    """Start this process's sender thread, once: it sends views kept longer than the interval
    when no later view comes to send them (a quiet night after the last visitor)."""
    global _views_sender_pid
    with _views_lock:
        if _views_sender_pid == os.getpid():
            return
        _views_sender_pid = os.getpid()
    threading.Thread(target=_views_sender, name="posting-views-sender", daemon=True).start()


def _views_sender() -> None:
    while True:
        time.sleep(SENDER_WAKE_SECONDS)
        with _views_lock:
            due = bool(_views_unsent) and (
                time.monotonic() - _views_sent_at >= settings.RECRUITMENT_VIEWS_SEND_SECONDS
            )
        if due:
            try:
                posting_views_send()
            except Exception:  # the thread must outlive any one failure
                logger.exception("posting views not sent")


def posting_views_send() -> int:
    """Send the views this process counted to Redis, one HINCRBY each in one pipeline; returns
    the views sent. Redis away: they are not counted (logged), as a view then never was."""
    global _views_sent_at
    with _views_lock:
        unsent = dict(_views_unsent)
        _views_unsent.clear()
        _views_sent_at = time.monotonic()
    client = _views_redis()
    if not unsent or client is None:
        return 0
    from redis.exceptions import RedisError

    pipeline = client.pipeline(transaction=False)
    for (association_id, field), views in unsent.items():
        pipeline.hincrby(_views_key(association_id), field, views)
    try:
        pipeline.execute()
    except (RedisError, OSError):
        logger.warning("%d posting views not counted: cache unavailable", sum(unsent.values()))
        return 0
    return sum(unsent.values())


atexit.register(posting_views_send)


def posting_views_flush(*, association_id: int) -> int:
    """Move the association's counted views from Redis into JobPostingViewDay (beat, every few
    minutes); returns the views written. The counts are renamed away atomically first, so views
    counted meanwhile wait for the next run; a batch whose write failed is retried next time."""
    client = _views_redis()
    if client is None:
        return 0
    posting_views_send()  # this process's own, if it counted any
    from redis.exceptions import ResponseError

    key = _views_key(association_id)
    batch_key, lock_key = f"{key}:flushing", f"{key}:lock"
    if not client.set(lock_key, "1", nx=True, ex=300):
        return 0  # another flush is running
    try:
        if not client.exists(batch_key):
            try:
                client.rename(key, batch_key)
            except ResponseError:  # nothing counted since the last run
                return 0
        counts: dict[tuple[int, date], int] = {}
        for field, value in client.hgetall(batch_key).items():
            posting_id, _sep, day = field.decode().partition(":")
            try:
                counts[(int(posting_id), date.fromisoformat(day))] = int(value)
            except ValueError:
                continue
        written = posting_views_record(counts=counts)
        client.delete(batch_key)
        return written
    finally:
        client.delete(lock_key)


@transaction.atomic
def posting_views_record(*, counts: Mapping[tuple[int, date], int]) -> int:
    """Add views ((posting id, day) → views) to the day rows; postings deleted since are
    dropped. The flush's write, and the demo seed's."""
    if not counts:
        return 0
    posting_ids = {posting_id for posting_id, _day in counts}
    known = set(JobPosting.objects.filter(pk__in=posting_ids).values_list("pk", flat=True))
    days = {day for _posting, day in counts}
    existing = {
        (row.posting_id, row.day): row
        for row in JobPostingViewDay.objects.select_for_update().filter(
            posting_id__in=known, day__in=days
        )
    }
    new, changed, written = [], [], 0
    for (posting_id, day), count in counts.items():
        if posting_id not in known or count <= 0:
            continue
        written += count
        if (posting_id, day) in existing:
            row = existing[(posting_id, day)]
            row.count += count
            changed.append(row)
        else:
            new.append(JobPostingViewDay(posting_id=posting_id, day=day, count=count))
    JobPostingViewDay.objects.bulk_update(changed, ["count"], batch_size=500)
    JobPostingViewDay.objects.bulk_create(new, batch_size=500)
    return written
