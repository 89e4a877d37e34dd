"""The public job board: filters, sorting, constant queries, structured data, feed, the page
of an ended posting, and the anonymous cache dropped when a posting changes."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from recruitment.models import JobPosting
from recruitment.services import posting_close, posting_save
from tests.conftest import client_for
from tests.recruitment.jobs import make_posting, posting_fields
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def _titles(response: Any) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<h3><a href="/jobs/\d+/">([^<]+)</a></h3>', html)


@pytest.fixture
def board(tenant_a: Tenant) -> dict[str, JobPosting]:
    offices = tenant_a.offices
    with scope(association=tenant_a.association.pk):
        return {
            "care": make_posting(offices[0], title="介護職員 日勤", pay_min=200_000, pay_max=None),
            "nurse": make_posting(
                offices[1],
                title="看護師 パート",
                job_category="nurse",
                employment_type="non_regular",
                working_style="part_time",
                pay_kind="hourly",
                pay_min=1_600,
                pay_max=1_900,
                qualifications_required=["nurse"],
                welcome_tags=["childcare"],
                area="南町",
                nearest_station="南駅",
            ),
            "manager": make_posting(
                offices[2],
                title="ケアマネジャー",
                job_category="care_manager",
                pay_min=260_000,
                pay_max=300_000,
                qualifications_required=["care_manager"],
                welcome_tags=["car_commute"],
            ),
            "draft": make_posting(offices[0], title="下書きの求人", publish=False),
        }


def test_filters_and_sorting(tenant_a: Tenant, board: dict[str, JobPosting]) -> None:
    client = client_for(tenant_a)
    url = reverse("jobs:list")
    everything = _titles(client.get(url))
    assert set(everything) == {"介護職員 日勤", "看護師 パート", "ケアマネジャー"}  # no draft
    assert "3 jobs found" in client.get(url).content.decode()
    assert _titles(client.get(url, {"job_category": "nurse"})) == ["看護師 パート"]
    assert _titles(client.get(url, {"working_style": "part_time"})) == ["看護師 パート"]
    assert _titles(client.get(url, {"area": "南駅"})) == ["看護師 パート"]
    assert set(_titles(client.get(url, {"tag": "car_commute"}))) == {
        "介護職員 日勤",
        "ケアマネジャー",
    }
    # Every chosen tag must hold.
    assert _titles(client.get(url, {"tag": ["car_commute", "no_experience"]})) == ["介護職員 日勤"]
    assert _titles(client.get(url, {"q": "ケアマネ"})) == ["ケアマネジャー"]
    # The care-worker job asks for 初任者研修, which 介護福祉士 holders have too.
    assert _titles(client.get(url, {"qualification": "shoninsha"})) == ["介護職員 日勤"]
    assert _titles(client.get(url, {"qualification": "kaigo_fukushishi"})) == ["介護職員 日勤"]
    assert _titles(client.get(url, {"qualification": "nurse"})) == ["看護師 パート"]
    assert _titles(client.get(url, {"pay_floor": 1_800})) == ["看護師 パート"]  # hourly
    assert _titles(client.get(url, {"pay_floor": 250_000})) == ["ケアマネジャー"]  # monthly
    by_pay = _titles(client.get(url, {"sort": "pay"}))
    assert by_pay == ["看護師 パート", "ケアマネジャー", "介護職員 日勤"]  # 1,900×160 first
    # 部会: office 2 offers 15 通所介護 only (通所部会)
    with scope(association=tenant_a.association.pk):
        from subcommittees.models import Subcommittee

        tsusho = Subcommittee.objects.get(kind="tsusho")
    assert _titles(client.get(url, {"subcommittee": tsusho.pk})) == ["ケアマネジャー"]


def _many(tenant: Tenant, count: int) -> None:
    with scope(association=tenant.association.pk):
        template = JobPosting.objects.get(title="介護職員 日勤")
        assert template is not None
        clones = []
        for index in range(count):
            template.pk = None
            template.title = f"求人{index}"
            clones.append(
                JobPosting(
                    **{
                        f.attname: getattr(template, f.attname)
                        for f in JobPosting._meta.concrete_fields
                    }
                )
            )
        JobPosting.objects.bulk_create(clones)


def test_constant_queries_from_20_to_500_postings(
    tenant_a: Tenant, board: dict[str, JobPosting]
) -> None:
    client = client_for(tenant_a, tenant_a.users["office_admin"])  # logged in: not cached
    url = reverse("jobs:list")
    params: dict[str, str | int] = {"sort": "pay", "page": 2, "qualification": "shoninsha"}
    _many(tenant_a, 20)
    with CaptureQueriesContext(connection) as few:
        assert len(_titles(client.get(url, params))) == 1  # 21 matches: one on page 2
    _many(tenant_a, 480)
    with CaptureQueriesContext(connection) as many:
        assert len(_titles(client.get(url, params))) == 20
    assert len(many.captured_queries) == len(few.captured_queries), (
        len(few.captured_queries),
        len(many.captured_queries),
    )
    print("list queries", len(many.captured_queries))
    with scope(association=tenant_a.association.pk):
        posting = JobPosting.objects.filter(status="published").order_by("pk").last()
    assert posting is not None
    detail = reverse("jobs:detail", kwargs={"job_posting_pk": posting.pk})
    with CaptureQueriesContext(connection) as detail_queries:
        client.get(detail)
    assert len(detail_queries.captured_queries) <= len(few.captured_queries) + 8


def test_posting_page_has_valid_job_posting_data_and_open_graph(
    tenant_a: Tenant, board: dict[str, JobPosting]
) -> None:
    posting = board["nurse"]
    html = client_for(tenant_a).get(reverse("jobs:detail", args=[posting.pk])).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block
    data = json.loads(block.group(1))
    assert data["@type"] == "JobPosting"
    assert data["title"] == "看護師 パート"
    assert data["datePosted"] == timezone.localdate().isoformat()
    assert data["validThrough"].startswith(posting.expires_on.isoformat())
    assert data["employmentType"] == ["PART_TIME", "TEMPORARY"]
    assert data["hiringOrganization"]["name"] == tenant_a.offices[1].name
    assert data["jobLocation"]["address"]["addressCountry"] == "JP"
    salary = data["baseSalary"]
    assert salary["currency"] == "JPY"
    assert salary["value"] == {
        "@type": "QuantitativeValue",
        "minValue": 1600,
        "maxValue": 1900,
        "unitText": "HOUR",
    }
    assert '<meta property="og:title"' in html
    assert "Apply for this job" in html


def test_an_ended_posting_stays_reachable_and_points_to_open_ones(
    tenant_a: Tenant, board: dict[str, JobPosting]
) -> None:
    with scope(association=tenant_a.association.pk):
        other = make_posting(tenant_a.offices[2], title="介護職員 夜勤")
        posting_close(posting=board["care"], by=None)
        expired = make_posting(tenant_a.offices[1], title="期限切れの介護職員")
        JobPosting.objects.filter(pk=expired.pk).update(
            expires_on=timezone.localdate() - timedelta(days=1)
        )
    client = client_for(tenant_a)
    for posting in (board["care"], expired):
        response = client.get(reverse("jobs:detail", args=[posting.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "募集は終了しました" in html
        assert "Apply for this job" not in html
        assert other.title in html  # a related open posting
        assert "application/ld+json" not in html
        apply = client.get(reverse("jobs:apply", args=[posting.pk])).content.decode()
        assert "募集は終了しました" in apply and '<form method="post" novalidate' not in apply
    assert client.get(reverse("jobs:detail", args=[board["draft"].pk])).status_code == 404


def test_atom_feed_lists_open_postings(tenant_a: Tenant, board: dict[str, JobPosting]) -> None:
    response = client_for(tenant_a).get(reverse("jobs:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own feed
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = {e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)}
    assert titles == {"介護職員 日勤", "看護師 パート", "ケアマネジャー"}


def test_anonymous_pages_are_cached_and_dropped_on_change(
    tenant_a: Tenant, board: dict[str, JobPosting]
) -> None:
    client = client_for(tenant_a)
    url = reverse("jobs:list")
    client.get(url)
    with CaptureQueriesContext(connection) as cached:
        assert "介護職員 日勤" in client.get(url).content.decode()
    assert not any("recruitment_jobposting" in q["sql"] for q in cached.captured_queries)
    with scope(association=tenant_a.association.pk):
        posting = board["care"]
        posting_save(
            posting=posting,
            office=posting.office,
            by=None,
            **posting_fields(title="介護職員 日勤（改）"),
        )
    assert "介護職員 日勤（改）" in client.get(url).content.decode()
