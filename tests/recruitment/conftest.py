from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _english(settings: pytest.FixtureRequest) -> None:
    """These tests match the pages' English wording; Japanese is covered by the browser tests."""
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]


@pytest.fixture
def tenant_a(tenant_a: Any) -> Any:
    """The tenant with an empty job board: these tests count postings and applications, and
    build what they count; tests/tenants.py's posting is for the matrix and scoping tests."""
    from django_scopes import scope

    from recruitment.models import ApplicationDeletion, JobPosting

    with scope(association=tenant_a.association.pk):
        JobPosting.objects.all().delete()
        ApplicationDeletion.objects.all().delete()
    tenant_a.recruitment = {}
    return tenant_a
