"""A hire recorded on the job board is offered on that month's filing under “association job
posting”, pre-filled, and is never counted twice when the office types it as well."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scope

from recruitment.services import application_status_set
from tests.kpis.test_filing_form import (
    admin,
    filing_url,
    form_data,
    input_value,
    row,
    rows_of,
    this_month,
)
from tests.recruitment.jobs import apply, make_posting
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

CELL = "nurse.non_regular.hires_association_posting"


def _hire(tenant: Tenant, email: str) -> None:
    with scope(association=tenant.association.pk):
        posting = make_posting(
            tenant.offices[0],
            title="看護師",
            job_category="nurse",
            employment_type="non_regular",
            working_style="part_time",
            pay_kind="hourly",
            pay_min=1_700,
            pay_max=None,
        )
        application, _key = apply(posting, email=email)
        application_status_set(
            application=application, status="hired", happened_on=timezone.localdate(), by=None
        )


def test_a_hire_is_prefilled_and_counted_once(tenant_a: Tenant) -> None:
    _hire(tenant_a, "one@example.com")
    month = this_month()
    client = admin(tenant_a)
    html = client.get(filing_url(tenant_a.offices[0], month)).content.decode()
    assert input_value(html, CELL) == "1"
    assert input_value(html, "nurse.non_regular.hires") == "1"
    assert "Recorded on the association's job board this month: 1 hire" in html
    # The office confirms, having also typed the hire in: still one.
    nurse = row(start=3, hires=1, separations=0, end=4, hires_other=0, hires_association_posting=1)
    response = client.post(
        filing_url(tenant_a.offices[0], month), form_data(month, {("nurse", "non_regular"): nurse})
    )
    assert response.status_code == 302
    assert rows_of(tenant_a, month)["nurse/non_regular"]["hires_association_posting"] == 1
    html = client.get(filing_url(tenant_a.offices[0], month)).content.decode()
    assert input_value(html, CELL) == "1"  # not 2 on the next visit


def test_a_later_hire_raises_a_saved_figure_but_never_adds_to_it(tenant_a: Tenant) -> None:
    month = this_month()
    client = admin(tenant_a)
    nurse = row(start=3, hires=1, separations=0, end=4, hires_other=1)
    client.post(
        filing_url(tenant_a.offices[0], month), form_data(month, {("nurse", "non_regular"): nurse})
    )
    assert rows_of(tenant_a, month)["nurse/non_regular"]["hires_association_posting"] == 0
    _hire(tenant_a, "two@example.com")
    html = client.get(filing_url(tenant_a.offices[0], month)).content.decode()
    assert input_value(html, CELL) == "1"
    assert input_value(html, "nurse.non_regular.hires") == "1"  # a saved total is left alone
