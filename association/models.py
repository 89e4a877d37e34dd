"""The tenant (Association), the hosts that serve it, and the roles people hold in it."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from core.images import validate_image_upload


def validate_municipality_code(value: str) -> None:
    from core.identifiers import clean_municipality_code

    clean_municipality_code(value)


class Association(models.Model):
    """A liaison association: the tenant. Every tenant-owned row hangs off one."""

    slug = models.SlugField(_("slug"), unique=True, max_length=60)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    municipality_code = models.CharField(
        _("local government code"),
        max_length=6,
        blank=True,
        validators=[validate_municipality_code],
        help_text=_("全国地方公共団体コード, 6 digits with its check digit (e.g. 272035)."),
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    # The home page's introduction (a few sentences, plain text).
    description = models.TextField(_("introduction"), max_length=2000, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_address = models.CharField(_("address"), max_length=300, blank=True)
    contact_hours = models.CharField(
        _("office hours"), max_length=200, blank=True, help_text=_("e.g. 平日 9時〜17時")
    )
    hero_image = models.ImageField(
        _("home page image"),
        upload_to="hero/",
        blank=True,
        validators=[validate_image_upload],
    )
    hero_image_alt = models.CharField(
        _("home page image text alternative"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it. Required with an image."),
    )
    # Cells in anything the city sees must cover at least this many offices.
    suppression_threshold = models.PositiveSmallIntegerField(
        _("small-cell suppression threshold"), default=3
    )
    registration_retention_days = models.PositiveSmallIntegerField(
        _("days citizens' event registrations are kept after the event"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("association")
        verbose_name_plural = _("associations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AssociationProfile(Association):
    """The association as its officers edit it: the home page's introduction, contact and
    image (association.admin.AssociationProfileAdmin); everything else is the operators'."""

    class Meta:
        proxy = True
        verbose_name = _("home page and contact")
        verbose_name_plural = _("home page and contact")


class AssociationDomain(models.Model):
    """A host name that serves one association (host → tenant)."""

    domain = models.CharField(_("domain"), max_length=253, unique=True)
    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="domains", verbose_name=_("association")
    )

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self) -> str:
        return self.domain


class RoleKind(models.TextChoices):
    OFFICER = "officer", _("Officer")
    SUBCOMMITTEE_LEADER = "subcommittee_leader", _("Subcommittee leader")
    OFFICE_ADMIN = "office_admin", _("Office administrator")
    OFFICE_STAFF = "office_staff", _("Office staff")
    # A corporation's head office: acts as office admin for every office of the corporation.
    CORPORATION_ADMIN = "corporation_admin", _("Corporation head office")
    CITY_VIEWER = "city_viewer", _("City viewer")


class Role(models.Model):
    """One role a user holds in one association, optionally tied to an office or subcommittee."""

    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="roles", verbose_name=_("association")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roles",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("role"), max_length=32, choices=RoleKind.choices)
    office = models.ForeignKey(
        "members.Office",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("office"),
    )
    subcommittee = models.ForeignKey(
        "subcommittees.Subcommittee",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("subcommittee"),
    )
    corporation = models.ForeignKey(
        "members.Corporation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("corporation"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["association", "user", "kind", "office", "subcommittee", "corporation"],
                name="role_unique_per_target",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                name="role_target_matches_kind",
                condition=(
                    models.Q(
                        kind__in=["office_admin", "office_staff"],
                        office__isnull=False,
                        subcommittee__isnull=True,
                        corporation__isnull=True,
                    )
                    | models.Q(
                        kind="subcommittee_leader",
                        subcommittee__isnull=False,
                        office__isnull=True,
                        corporation__isnull=True,
                    )
                    | models.Q(
                        kind="corporation_admin",
                        corporation__isnull=False,
                        office__isnull=True,
                        subcommittee__isnull=True,
                    )
                    | models.Q(
                        kind__in=["officer", "city_viewer"],
                        office__isnull=True,
                        subcommittee__isnull=True,
                        corporation__isnull=True,
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportJob(models.Model):
    """A spreadsheet applied in the background (a Celery task), and how that went.

    Only who started it sees it (association.import_jobs.import_job_for). The file waits in
    `data` until the job has run; the apply is one transaction, so a job that failed saved
    nothing. How far a running job is lives in the cache (its transaction is not visible).
    """

    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="+", verbose_name=_("association")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=40)  # Importer.kind: "roster", "kpis-filing"
    importer = models.CharField(max_length=200, editable=False)  # Importer.path()
    filename = models.CharField(_("file name"), max_length=255)
    data = models.BinaryField(default=b"", editable=False)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    context = models.JSONField(default=dict, editable=False)  # Importer context
    options = models.JSONField(default=dict, editable=False)  # ApplyOptions
    # The uploader's language: the job's messages are written in it.
    language = models.CharField(max_length=16, default="", editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    counts = models.JSONField(default=dict, editable=False)  # the plan's counts, once done
    errors = models.JSONField(default=list, editable=False)  # messages, once failed
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["association", "user", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.status})"


class TaskOutbox(models.Model):
    """A task that could not be queued (the broker was away), queued again when it is back.

    Written by `association.tasks.enqueue_on_commit` after the request's commit; drained by the
    beat job `outbox_flush` (every minute) and by every worker as it starts. A row is deleted
    once its task is in the broker, so nothing requested is lost and nothing is queued twice.
    `association` is empty for a task of no association (a mail outside any tenant).
    """

    association = models.ForeignKey(
        Association,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("association"),
    )
    task = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks")

    def __str__(self) -> str:
        return f"{self.task} ({self.created_at:%Y-%m-%d %H:%M})"


class AccessibilityAudit(models.Model):
    """One run of `manage.py accessibility_audit`: axe-core's WCAG 2.0 A/AA rules (what
    JIS X 8341-3:2016 AA asks for, as far as a tool can tell) over the association's public
    pages at a phone's and a desktop's width. The accessibility statement shows the latest.

    `results`: one entry per page and width, {"path", "width", "counts": {impact: n},
    "rules": [{"id", "impact", "help", "nodes"}]}, written by the command, never by hand.
    """

    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="+", verbose_name=_("association")
    )
    ran_at = models.DateTimeField(_("tested at"))
    base_url = models.URLField(_("site tested"), max_length=300)
    axe_version = models.CharField(_("axe-core version"), max_length=32)
    results = models.JSONField(default=list)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("accessibility audit")
        verbose_name_plural = _("accessibility audits")
        indexes = [models.Index(fields=["association", "-ran_at"])]

    def __str__(self) -> str:
        return f"{self.base_url} {self.ran_at:%Y-%m-%d}"


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` on a write under /api/: the same request sent again (a
    retry after a timeout) gets the first answer instead of being done twice.

    Kept by association/idempotency.py for every POST, PUT and PATCH under /api/. `lookup` is a
    hash of association, principal (the Authorization header's hash, the logged-in user or the
    client's address), method, path and key; `fingerprint` a hash of the body. A key lives
    `IDEMPOTENCY_KEY_TTL` (24 h) and is then deleted by the beat job `idempotency_keys_purge`.
    """

    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    lookup = models.CharField(max_length=64, unique=True)
    principal = models.CharField(max_length=80)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(default=0)
    response_headers = models.JSONField(default=dict)
    response_body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    objects = ScopedManager(association="association")

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.key}"
