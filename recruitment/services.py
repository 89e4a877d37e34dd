"""Writes for job fairs: an office takes a booth, and records its outcome after the fair."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, EventKind, EventStatus
from members.models import Office
from recruitment.models import JobFairBooth

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
    now: datetime | None = None,
) -> JobFairBooth:
    """Record (or correct) how many interviews and hires the office's booth led to.

    Only once the fair has ended, not for a cancelled fair, and with hires ≤ interviews.
    The hires feed the office's “hires via association job fair” figure of that month.
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
    if errors:
        raise ValidationError(errors)

    locked = JobFairBooth.objects.select_for_update().get(pk=booth.pk)
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
