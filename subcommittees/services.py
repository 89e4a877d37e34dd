from django.db import transaction

from association.models import Association
from members.service_types import SERVICE_TYPES
from subcommittees.models import ServiceTypeMapping, Subcommittee, SubcommitteeKind

# Japanese names as the association uses them; stored, so officers can rename them.
DEFAULT_NAMES = {
    SubcommitteeKind.KYOTAKU: "居宅部会",
    SubcommitteeKind.TSUSHO: "通所部会",
    SubcommitteeKind.HOUMON: "訪問部会",
    SubcommitteeKind.NYUSHO: "入所部会",
}


@transaction.atomic
def subcommittees_create_defaults(*, association: Association) -> list[Subcommittee]:
    """The four 部会 and the default service-type mapping (idempotent)."""
    subcommittees = {}
    for kind in SubcommitteeKind:
        subcommittee, _created = Subcommittee.objects.with_scopes_disabled().get_or_create(
            association=association,
            kind=kind,
            defaults={"name": DEFAULT_NAMES[kind]},
        )
        subcommittees[kind.value] = subcommittee
    existing = set(
        ServiceTypeMapping.objects.with_scopes_disabled()
        .filter(association=association)
        .values_list("service_code", flat=True)
    )
    ServiceTypeMapping.objects.bulk_create(
        ServiceTypeMapping(
            association=association,
            service_code=service.code,
            subcommittee=subcommittees[service.default_subcommittee],
        )
        for service in SERVICE_TYPES
        if service.default_subcommittee and service.code not in existing
    )
    return list(subcommittees.values())
