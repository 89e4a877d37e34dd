"""Job-fair pages: an office records its booth's outcome; officers see each fair's totals."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from association.forms import add_service_errors
from association.http import AssociationRequest
from association.permissions import Access, requires
from events.access import access_event_to_manage_by_id
from events.models import Event, EventKind
from kpis.models import EmploymentType, JobCategory
from recruitment.access import access_booth_by_id
from recruitment.selectors import booths_of_offices, fair_booths, fair_totals, job_fairs
from recruitment.services import booth_outcome_record, fair_has_ended


class BoothOutcomeForm(forms.Form):
    interviews = forms.IntegerField(
        label=gettext_lazy("Interviews"),
        min_value=0,
        help_text=gettext_lazy("People your office interviewed because they met you at the fair."),
    )
    hires = forms.IntegerField(
        label=gettext_lazy("Hires"),
        min_value=0,
        help_text=gettext_lazy("Of those, the people your office hired (no more than interviews)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Which jobs the hires were for: the filing of the fair's month is offered these.
        for job, job_label in JobCategory.choices:
            for employment, employment_label in EmploymentType.choices:
                self.fields[f"hires_{job}__{employment}"] = forms.IntegerField(
                    label=f"{job_label} · {employment_label}",
                    min_value=0,
                    max_value=999,
                    required=False,
                )

    def breakdown_rows(self) -> list[tuple[str, list[tuple[str, forms.BoundField]]]]:
        """(job label, [(employment label, its bound field)]) for the template's grid."""
        return [
            (
                str(job_label),
                [
                    (str(label), self[f"hires_{job}__{employment}"])
                    for employment, label in EmploymentType.choices
                ],
            )
            for job, job_label in JobCategory.choices
        ]

    def hires_by_job(self) -> dict[tuple[str, str], int]:
        return {
            (job, employment): self.cleaned_data.get(f"hires_{job}__{employment}") or 0
            for job in JobCategory.values
            for employment in EmploymentType.values
        }


def _access(request: AssociationRequest) -> Access:
    return request.access


@requires("office.manage")
@require_http_methods(["GET"])
def my_booths(request: AssociationRequest) -> HttpResponse:
    """The booths of the offices the user administers, with links to record outcomes."""
    office_ids = _access(request).managed_office_ids
    booths = list(booths_of_offices(office_ids=office_ids))
    return render(
        request,
        "recruitment/my_booths.html",
        {"booths": [(booth, fair_has_ended(booth=booth)) for booth in booths]},
    )


@requires("office.manage")
@require_http_methods(["GET", "POST"])
def booth_outcome(request: AssociationRequest, job_fair_booth_pk: int) -> HttpResponse:
    """After the fair, the office records the interviews and hires its booth led to."""
    booth = access_booth_by_id(_access(request), job_fair_booth_pk)
    ended = fair_has_ended(booth=booth)
    initial: dict[str, Any] = {"interviews": booth.interviews, "hires": booth.hires}
    for row in booth.hire_rows.all():
        initial[f"hires_{row.job_category}__{row.employment_type}"] = row.count
    form = BoothOutcomeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            booth_outcome_record(
                booth=booth,
                interviews=form.cleaned_data["interviews"],
                hires=form.cleaned_data["hires"],
                hires_by_job=form.hires_by_job(),
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The outcome of %(office)s at %(fair)s has been recorded. Thank you.")
                % {"office": booth.office.name, "fair": booth.event.title},
            )
            return redirect("recruitment:booth_outcome", job_fair_booth_pk=booth.pk)
    return render(
        request,
        "recruitment/booth_outcome.html",
        {
            "booth": booth,
            "event": booth.event,
            "form": form,
            "ended": ended,
            "employment_types": [label for _value, label in EmploymentType.choices],
        },
    )


@requires("association.manage")
@require_http_methods(["GET"])
def fair_list(request: AssociationRequest) -> HttpResponse:
    """Officers: every job fair with its booths, interviews and hires."""
    return render(request, "recruitment/fair_list.html", {"fairs": list(job_fairs())})


@requires("association.manage")
@require_http_methods(["GET"])
def fair_detail(request: AssociationRequest, event_pk: int) -> HttpResponse:
    """Officers: one job fair's totals and each booth's outcome."""
    event = access_event_to_manage_by_id(
        _access(request),
        event_pk,
        queryset=Event.objects.select_related("venue").filter(kind=EventKind.JOB_FAIR),
    )
    return render(
        request,
        "recruitment/fair_detail.html",
        {
            "event": event,
            "totals": fair_totals(event=event),
            "booths": list(fair_booths(event=event)),
        },
    )
