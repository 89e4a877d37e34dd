"""Job-fair booths of member offices, job seekers' pre-registrations, and fair outcomes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from kpis.models import EmploymentType, JobCategory


class JobFairBooth(models.Model):
    """A member office's booth at a job fair (an event of kind job_fair)."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="booths")
    office = models.ForeignKey(
        "members.Office", on_delete=models.CASCADE, related_name="job_fair_booths"
    )
    hiring_for = models.CharField(_("hiring for"), max_length=300, blank=True)
    open_positions = models.PositiveIntegerField(_("open positions"), default=0)
    # Recorded by the office after the fair.
    interviews = models.PositiveIntegerField(_("interviews"), null=True, blank=True)
    hires = models.PositiveIntegerField(_("hires"), null=True, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(association="event__association")

    class Meta:
        verbose_name = _("job-fair booth")
        verbose_name_plural = _("job-fair booths")
        constraints = [
            models.UniqueConstraint(fields=["event", "office"], name="booth_once_per_office")
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.office}"


class JobFairBoothHire(models.Model):
    """Of a booth's hires, how many were for one job category and employment type: what the
    office's filing of the fair's month is offered under “association job fair”."""

    booth = models.ForeignKey(JobFairBooth, on_delete=models.CASCADE, related_name="hire_rows")
    job_category = models.CharField(_("job category"), max_length=32, choices=JobCategory.choices)
    employment_type = models.CharField(
        _("employment type"), max_length=32, choices=EmploymentType.choices
    )
    count = models.PositiveIntegerField(_("hires"))

    objects = ScopedManager(association="booth__event__association")

    class Meta:
        verbose_name = _("job-fair hires by job")
        verbose_name_plural = _("job-fair hires by job")
        constraints = [
            models.UniqueConstraint(
                fields=["booth", "job_category", "employment_type"], name="booth_hire_once_per_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.booth_id} {self.job_category}/{self.employment_type} {self.count}"


# --- joint recruitment: postings and applications ----------------------------------------


class WorkingStyle(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time (常勤)")
    PART_TIME = "part_time", _("Part-time (短時間)")


class PayKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly (月給)")
    HOURLY = "hourly", _("Hourly (時給)")


class Shift(models.TextChoices):
    DAY = "day", _("Day shift (日勤)")
    EARLY = "early", _("Early shift (早番)")
    LATE = "late", _("Late shift (遅番)")
    NIGHT = "night", _("Night shift (夜勤)")


class Qualification(models.TextChoices):
    CERTIFIED_CARE_WORKER = "kaigo_fukushishi", _("Certified care worker (介護福祉士)")
    PRACTITIONER_TRAINING = "jitsumusha", _("Practitioner training (実務者研修)")
    INITIAL_TRAINING = "shoninsha", _("Initial training (初任者研修)")
    CARE_MANAGER = "care_manager", _("Care manager (介護支援専門員)")
    NURSE = "nurse", _("Nurse (看護師)")
    NONE = "none", _("None needed (資格不問)")


class WelcomeTag(models.TextChoices):
    NO_EXPERIENCE = "no_experience", _("No experience welcome (未経験歓迎)")
    QUALIFICATION_SUPPORT = "qualification_support", _("Help to qualify (資格取得支援)")
    SENIORS = "seniors", _("Seniors welcome (シニア歓迎)")
    FOREIGN_NATIONALS = "foreign_nationals", _("Foreign nationals welcome (外国籍歓迎)")
    CAR_COMMUTE = "car_commute", _("Commute by car (車通勤可)")
    CHILDCARE = "childcare", _("Childcare (託児あり)")
    RETURNERS = "returners", _("Career breaks welcome (ブランク可)")


class SmokingMeasure(models.TextChoices):
    """受動喫煙対策: the Employment Security Act requires postings to state it."""

    NO_SMOKING_ON_PREMISES = "premises", _("No smoking on the premises (敷地内禁煙)")
    NO_SMOKING_INDOORS = "indoors", _("No smoking indoors (屋内禁煙)")
    SMOKING_ROOM = "smoking_room", _("Indoor smoking room only (喫煙室あり)")
    OTHER = "other", _("Other (その他)")


class PostingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    HIDDEN = "hidden", _("Hidden by the association")


class JobPosting(models.Model):
    """A member office's job posting on the association's public job board."""

    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="job_postings"
    )
    # The place of work: the posting office, or another office of the same corporation.
    office = models.ForeignKey(
        "members.Office",
        on_delete=models.CASCADE,
        related_name="job_postings",
        verbose_name=_("place of work"),
    )
    title = models.CharField(_("job title"), max_length=120)
    job_category = models.CharField(_("job category"), max_length=32, choices=JobCategory.choices)
    employment_type = models.CharField(
        _("employment type"), max_length=32, choices=EmploymentType.choices
    )
    working_style = models.CharField(
        _("full-time or part-time"), max_length=16, choices=WorkingStyle.choices
    )
    pay_kind = models.CharField(_("pay"), max_length=16, choices=PayKind.choices)
    pay_min = models.PositiveIntegerField(_("pay from (yen)"))
    pay_max = models.PositiveIntegerField(_("pay up to (yen)"), null=True, blank=True)
    allowances = models.TextField(_("allowances"), max_length=1000, blank=True)
    fixed_overtime_hours = models.DecimalField(
        _("fixed overtime hours a month"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    fixed_overtime_pay = models.PositiveIntegerField(
        _("fixed overtime pay (yen)"), null=True, blank=True
    )
    working_hours = models.CharField(_("working hours"), max_length=300)
    shifts = models.JSONField(_("shifts"), default=list, blank=True)
    work_days = models.CharField(_("working days"), max_length=200, blank=True)
    holidays_per_year = models.PositiveSmallIntegerField(
        _("holidays a year"), null=True, blank=True
    )
    insurance = models.CharField(
        _("insurance"), max_length=200, default="雇用保険・労災保険・健康保険・厚生年金"
    )
    qualifications_required = models.JSONField(
        _("qualifications required"), default=list, blank=True
    )
    qualifications_welcome = models.JSONField(_("qualifications welcome"), default=list, blank=True)
    welcome_tags = models.JSONField(_("welcome"), default=list, blank=True)
    smoking_measure = models.CharField(
        _("passive-smoking measures"), max_length=16, choices=SmokingMeasure.choices
    )
    smoking_note = models.CharField(_("about smoking"), max_length=200, blank=True)
    area = models.CharField(_("area (town)"), max_length=60, blank=True)
    nearest_station = models.CharField(_("nearest station"), max_length=60, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PostingStatus.choices, default=PostingStatus.DRAFT
    )
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    expires_on = models.DateField(_("open until"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    expiry_notice_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("job posting")
        verbose_name_plural = _("job postings")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["association", "status", "expires_on"]),
            models.Index(fields=["office", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(fixed_overtime_hours__isnull=True, fixed_overtime_pay__isnull=True)
                    | models.Q(fixed_overtime_hours__isnull=False, fixed_overtime_pay__isnull=False)
                ),
                name="posting_fixed_overtime_hours_and_pay_together",
            ),
            models.CheckConstraint(
                condition=models.Q(pay_max__isnull=True)
                | models.Q(pay_max__gte=models.F("pay_min")),
                name="posting_pay_max_at_least_min",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.office}"

    @property
    def is_open(self) -> bool:
        return self.status == PostingStatus.PUBLISHED


class JobPostingPhoto(models.Model):
    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="jobs/")
    alt = models.CharField(_("description of the photo (alt text)"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager(association="posting__association")

    class Meta:
        verbose_name = _("job posting photo")
        verbose_name_plural = _("job posting photos")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.alt


class JobPostingViewDay(models.Model):
    """How many times a posting's public page was seen on one day (Asia/Tokyo). Counted in Redis
    per view and written here by a beat task; no address or visitor is ever stored."""

    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="view_days")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    objects = ScopedManager(association="posting__association")

    class Meta:
        verbose_name = _("job posting views")
        verbose_name_plural = _("job posting views")
        constraints = [
            models.UniqueConstraint(fields=["posting", "day"], name="posting_views_once_per_day")
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.posting_id} {self.day} {self.count}"


class AgeBand(models.TextChoices):
    UNDER_20 = "under_20", _("Under 20")
    TWENTIES = "20s", _("20s")
    THIRTIES = "30s", _("30s")
    FORTIES = "40s", _("40s")
    FIFTIES = "50s", _("50s")
    SIXTIES = "60s", _("60s")
    OVER_70 = "70_plus", _("70 or over")
    UNSAID = "unsaid", _("Prefer not to say")


class ApplicationStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    INTERVIEW = "interview", _("Interview")
    OFFERED = "offered", _("Offered")
    HIRED = "hired", _("Hired")
    NOT_HIRED = "not_hired", _("Not hired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class JobApplication(models.Model):
    """A job seeker's application to one posting; no account. Only the posting office and its
    head office see it; it is deleted after the association's retention period."""

    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="job_applications"
    )
    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="applications")
    name = models.CharField(_("name"), max_length=100)
    kana = models.CharField(_("name (kana)"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    age_band = models.CharField(_("age"), max_length=16, choices=AgeBand.choices)
    qualifications = models.JSONField(_("qualifications"), default=list, blank=True)
    preferred_start = models.CharField(_("preferred start"), max_length=100, blank=True)
    message = models.TextField(_("message"), max_length=1000, blank=True)
    consented_at = models.DateTimeField(_("consented at"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.NEW,
    )
    status_changed_at = models.DateTimeField(_("status changed at"))
    hired_on = models.DateField(_("hired on"), null=True, blank=True)
    seen_at = models.DateTimeField(_("seen at"), null=True, blank=True)
    # sha256 of the secret in the applicant's status link; the secret itself is never stored.
    access_key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("job application")
        verbose_name_plural = _("job applications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["posting", "status"]),
            models.Index(fields=["association", "status", "status_changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.posting.title}"


class ApplicationNote(models.Model):
    """One step of an application's history: a status change or a note, with its date."""

    application = models.ForeignKey(
        JobApplication, on_delete=models.CASCADE, related_name="history"
    )
    status = models.CharField(_("status"), max_length=16, choices=ApplicationStatus.choices)
    happened_on = models.DateField(_("date"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(association="application__association")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.happened_on}"


class DeletionReason(models.TextChoices):
    WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")
    RETENTION_NOT_HIRED = "retention_not_hired", _("Retention period ended (not hired)")
    RETENTION_HIRED = "retention_hired", _("Retention period ended (hired)")


class ApplicationDeletion(models.Model):
    """What was deleted when: counts only, never content."""

    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=32, choices=DeletionReason.choices)
    count = models.PositiveIntegerField()
    deleted_at = models.DateTimeField()

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("deleted applications")
        verbose_name_plural = _("deleted applications")
        ordering = ["-deleted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.deleted_at:%Y-%m-%d} {self.reason} {self.count}"


class RecruitmentSettings(models.Model):
    """Per-association rules for applicants' personal data."""

    association = models.OneToOneField(
        "association.Association", on_delete=models.CASCADE, related_name="recruitment_settings"
    )
    retention_months_not_hired = models.PositiveSmallIntegerField(
        _("keep applications not hired for (months after the last change)"), default=6
    )
    retention_months_hired = models.PositiveSmallIntegerField(
        _("keep hired applicants' data for (months after the last change)"), default=12
    )

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("recruitment settings")
        verbose_name_plural = _("recruitment settings")

    def __str__(self) -> str:
        return str(self.association)
