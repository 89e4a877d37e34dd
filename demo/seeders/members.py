"""Corporations and offices, through `members.services.corporation_create` / `office_create`."""

from __future__ import annotations

from django.db import transaction

from association.models import Association
from demo.plan import PlannedCorporation
from demo.progress import Progress
from members.models import Corporation, Office
from members.services import corporation_create, office_create


@transaction.atomic
def offices_seed(
    *, association: Association, roster: list[PlannedCorporation], progress: Progress | None = None
) -> int:
    """Every planned corporation and office not in the database yet (matched by corporate and
    provider number). Runs inside the association's scope."""
    existing_numbers = set(Office.objects.values_list("provider_number", flat=True))
    corporations = {c.corporate_number: c for c in Corporation.objects.all()}
    created = 0
    for planned in roster:
        corporation = corporations.get(planned.corporate_number)
        if corporation is None:
            corporation = corporation_create(
                association=association,
                name=planned.name,
                kana=planned.kana,
                kind=planned.kind,
                corporate_number=planned.corporate_number,
            )
        for office in planned.offices:
            if progress is not None:
                progress.advance()
            if office.provider_number in existing_numbers:
                continue
            office_create(
                association=association,
                corporation=corporation,
                name=office.name,
                kana=office.kana,
                provider_number=office.provider_number,
                service_codes=office.service_codes,
                postal_code=office.postal_code,
                address=office.address,
                phone=office.phone,
                capacity=office.capacity,
                email=f"office{office.provider_number}@{association.slug}.example",
                status=office.status,
            )
            created += 1
    return created
