"""Job-fair booths of member offices, job seekers' pre-registrations, and fair outcomes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


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
