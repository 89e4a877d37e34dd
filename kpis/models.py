"""Monthly staffing filings (one per office per month), their history, targets and benchmarks.

Rates follow the national survey (介護労働実態調査): hires or separations in a 12-month window
÷ headcount at the window's start. The arithmetic lives in kpis/rates.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class JobCategory(models.TextChoices):
    CARE_WORKER = "care_worker", _("Care worker (介護職員)")
    HOME_HELPER = "home_helper", _("Home helper (訪問介護員)")
    CARE_MANAGER = "care_manager", _("Care manager (介護支援専門員)")
    NURSE = "nurse", _("Nurse (看護職員)")
    COUNSELOR = "counselor", _("Counselor (生活相談員・支援相談員)")
    OTHER = "other", _("Other (その他)")


class EmploymentType(models.TextChoices):
    REGULAR = "regular", _("Regular (正規職員)")
    NON_REGULAR = "non_regular", _("Non-regular (非正規職員)")


# The two jobs the national survey reports together as 2職種計.
DIRECT_CARE_JOBS = (JobCategory.CARE_WORKER, JobCategory.HOME_HELPER)

HIRE_CHANNELS = (
    ("hires_job_fair", _("Association job fair")),
    ("hires_association_posting", _("Association job posting")),
    ("hires_hello_work", _("Hello Work")),
    ("hires_agency", _("Recruitment agency")),
    ("hires_referral", _("Referral")),
    ("hires_other", _("Other channel")),
)
FOREIGN_STAFF = (
    ("foreign_specified_skilled", _("Specified skilled worker (特定技能)")),
    ("foreign_technical_intern", _("Technical intern (技能実習)")),
    ("foreign_epa", _("EPA candidate")),
    ("foreign_care_visa", _("Care visa (在留資格「介護」)")),
)
# Every count a row carries, in form order.
COUNT_FIELDS = (
    "headcount_start",
    "hires",
    "separations",
    "separations_within_year",
    "headcount_end",
    "open_positions",
    *(name for name, _label in HIRE_CHANNELS),
)


class KpiSettings(models.Model):
    """Per-association rules for filing: the deadline and the soft checks."""

    association = models.OneToOneField(
        "association.Association", on_delete=models.CASCADE, related_name="kpi_settings"
    )
    deadline_day = models.PositiveSmallIntegerField(
        _("deadline (day of the following month)"), default=10
    )
    jump_threshold_percent = models.PositiveSmallIntegerField(
        _("headcount change that asks for a comment (%)"), default=20
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("reminder this many days before the deadline"), default=3
    )

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("KPI settings")
        verbose_name_plural = _("KPI settings")

    def __str__(self) -> str:
        return str(self.association)


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class StaffingReport(models.Model):
    """One office's filing for one month (`month` is the first day of that month)."""

    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="staffing_reports"
    )
    office = models.ForeignKey(
        "members.Office", on_delete=models.CASCADE, related_name="staffing_reports"
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    # Optimistic locking: every save increments it; a save from an older version is refused.
    version = models.PositiveIntegerField(default=1)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # An officer's reopening of a locked month, valid until the next submission.
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("staffing report")
        verbose_name_plural = _("staffing reports")
        ordering = ["-month", "office"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "month"], name="staffing_report_one_per_month"
            ),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="staffing_report_month_first_day"
            ),
        ]
        indexes = [models.Index(fields=["association", "month", "status"])]

    def __str__(self) -> str:
        return f"{self.office} {self.month:%Y-%m}"


class StaffingRow(models.Model):
    """Counts for one job category × employment type of one filing."""

    report = models.ForeignKey(StaffingReport, on_delete=models.CASCADE, related_name="rows")
    job_category = models.CharField(_("job category"), max_length=20, choices=JobCategory.choices)
    employment_type = models.CharField(
        _("employment type"), max_length=16, choices=EmploymentType.choices
    )
    headcount_start = models.PositiveIntegerField(_("headcount at the start of the month"))
    hires = models.PositiveIntegerField(_("hires"))
    separations = models.PositiveIntegerField(_("separations"))
    separations_within_year = models.PositiveIntegerField(_("of which within one year of hiring"))
    headcount_end = models.PositiveIntegerField(_("headcount at month end"))
    open_positions = models.PositiveIntegerField(_("open positions"), default=0)
    hires_job_fair = models.PositiveIntegerField(_("hires via association job fair"), default=0)
    hires_association_posting = models.PositiveIntegerField(
        _("hires via association job posting"), default=0
    )
    hires_hello_work = models.PositiveIntegerField(_("hires via Hello Work"), default=0)
    hires_agency = models.PositiveIntegerField(_("hires via agency"), default=0)
    hires_referral = models.PositiveIntegerField(_("hires via referral"), default=0)
    hires_other = models.PositiveIntegerField(_("hires via other channels"), default=0)
    foreign_specified_skilled = models.PositiveIntegerField(null=True, blank=True)
    foreign_technical_intern = models.PositiveIntegerField(null=True, blank=True)
    foreign_epa = models.PositiveIntegerField(null=True, blank=True)
    foreign_care_visa = models.PositiveIntegerField(null=True, blank=True)

    objects = ScopedManager(association="report__association")

    class Meta:
        verbose_name = _("staffing row")
        verbose_name_plural = _("staffing rows")
        ordering = ["job_category", "employment_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "job_category", "employment_type"], name="staffing_row_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(separations_within_year__lte=models.F("separations")),
                name="staffing_row_early_le_separations",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.job_category}/{self.employment_type}"


class StaffingChange(models.Model):
    """Who changed a filing, when, through which way in, and the rows before and after."""

    report = models.ForeignKey(StaffingReport, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=32)  # draft, submit, reopen, upload, api
    via = models.CharField(_("via"), max_length=16, default="web")  # web, upload, api, admin
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = ScopedManager(association="report__association")

    class Meta:
        verbose_name = _("filing change")
        verbose_name_plural = _("filing changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.report} {self.action} {self.at:%Y-%m-%d %H:%M}"


class KpiMetric(models.TextChoices):
    HIRE_RATE = "hire_rate", _("Hiring rate (採用率)")
    SEPARATION_RATE = "separation_rate", _("Separation rate (離職率)")
    EARLY_SEPARATION_SHARE = "early_separation_share", _("Early separation share (早期離職割合)")


class KpiTarget(models.Model):
    """An officer-set target for one fiscal year (年度), for the association or one 部会."""

    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="kpi_targets"
    )
    subcommittee = models.ForeignKey(
        "subcommittees.Subcommittee",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="kpi_targets",
        verbose_name=_("subcommittee"),
        help_text=_("Empty: the whole association."),
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (April–March), western year"))
    metric = models.CharField(_("metric"), max_length=32, choices=KpiMetric.choices)
    at_most = models.BooleanField(
        _("at most"), default=True, help_text=_("On: the rate should stay at or below the value.")
    )
    value = models.DecimalField(_("target (%)"), max_digits=5, decimal_places=1)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["-fiscal_year", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "subcommittee", "fiscal_year", "metric"],
                name="kpi_target_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.get_metric_display()} {self.value}"


class NationalBenchmark(models.Model):
    """A published national figure (介護労働実態調査, 2職種計), editable by officers."""

    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="national_benchmarks"
    )
    survey_year = models.PositiveSmallIntegerField(
        _("survey year"), help_text=_("Western year the survey year ends in September of.")
    )
    metric = models.CharField(_("metric"), max_length=32, choices=KpiMetric.choices)
    value = models.DecimalField(_("value (%)"), max_digits=5, decimal_places=1)
    source = models.CharField(_("source"), max_length=200, blank=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("national benchmark")
        verbose_name_plural = _("national benchmarks")
        ordering = ["-survey_year", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "survey_year", "metric"], name="national_benchmark_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_year} {self.get_metric_display()} {self.value}"


class ReminderKind(models.TextChoices):
    BEFORE_DEADLINE = "before", _("Before the deadline")
    AFTER_DEADLINE = "after", _("After the deadline")


class ReminderSent(models.Model):
    """A reminder that went out: never twice for the same office, month and kind."""

    association = models.ForeignKey("association.Association", on_delete=models.CASCADE)
    office = models.ForeignKey("members.Office", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    objects = ScopedManager(association="association")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "month", "kind"], name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.month:%Y-%m} {self.kind}"


class OfficeApiToken(models.Model):
    """A per-office API token; only its SHA-256 is stored, the token is shown once."""

    office = models.ForeignKey(
        "members.Office", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ScopedManager(association="office__association")

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# --- maintained aggregates (kpis/aggregates.py keeps them; the dashboards read them) ----------

# `KpiAggregate.scope` of the whole association; any other value is a Subcommittee's pk.
WHOLE_ASSOCIATION = 0
# Month strings (`KpiOfficeCoverage`, `KpiOfficeSliceMonths`) hold one character per month,
# "1" for a month with the fact, "0" without, the first character being this month.
MONTHS_EPOCH_YEAR = 2000


class KpiAggregate(models.Model):
    """Sums of the submitted filings of one month, one scope (the whole association or one
    部会, by the offices' membership in `KpiOfficeCoverage.subcommittees`) and one job category
    × employment type. `offices`: how many filings have a row of this slice. Kept by
    `kpis.aggregates` in the filing's transaction; rebuilt by `manage.py kpi_aggregates`."""

    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField()
    scope = models.PositiveIntegerField()  # WHOLE_ASSOCIATION or a Subcommittee pk
    job_category = models.CharField(max_length=20, choices=JobCategory.choices)
    employment_type = models.CharField(max_length=16, choices=EmploymentType.choices)
    offices = models.IntegerField(default=0)
    headcount_start = models.IntegerField(default=0)
    hires = models.IntegerField(default=0)
    separations = models.IntegerField(default=0)
    separations_within_year = models.IntegerField(default=0)
    headcount_end = models.IntegerField(default=0)
    open_positions = models.IntegerField(default=0)
    hires_job_fair = models.IntegerField(default=0)
    hires_association_posting = models.IntegerField(default=0)
    hires_hello_work = models.IntegerField(default=0)
    hires_agency = models.IntegerField(default=0)
    hires_referral = models.IntegerField(default=0)
    hires_other = models.IntegerField(default=0)

    objects = ScopedManager(association="association")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["association", "month", "scope", "job_category", "employment_type"],
                name="kpi_aggregate_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope} {self.job_category}/{self.employment_type}"


class KpiOfficeCoverage(models.Model):
    """One office's months as strings (see MONTHS_EPOCH_YEAR): submitted filings (`filed`),
    those with at least one row (`with_rows`), those first submitted by the deadline
    (`on_time`), and the 部会 its filings are counted in (`subcommittees`, ",3,5,")."""

    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="+"
    )
    office = models.OneToOneField(
        "members.Office", on_delete=models.CASCADE, related_name="kpi_coverage"
    )
    subcommittees = models.CharField(max_length=200, default=",")
    filed = models.TextField(default="")
    with_rows = models.TextField(default="")
    on_time = models.TextField(default="")

    objects = ScopedManager(association="association")

    def __str__(self) -> str:
        return f"{self.office_id}"


class KpiOfficeSliceMonths(models.Model):
    """The months in which one office's submitted filing had a row of one job category ×
    employment type (a month string, see MONTHS_EPOCH_YEAR)."""

    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="+"
    )
    office = models.ForeignKey("members.Office", on_delete=models.CASCADE, related_name="+")
    job_category = models.CharField(max_length=20, choices=JobCategory.choices)
    employment_type = models.CharField(max_length=16, choices=EmploymentType.choices)
    months = models.TextField(default="")

    objects = ScopedManager(association="association")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "job_category", "employment_type"],
                name="kpi_office_slice_months_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.job_category}/{self.employment_type}"
