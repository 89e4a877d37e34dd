"""The demo association itself, through `association.services.association_create`."""

from __future__ import annotations

from association.models import Association
from association.services import association_create, association_profile_update

DESCRIPTION = (
    "市内の介護保険サービス事業所が集まる連絡会です。事業所間の情報交換、"
    "職員の勉強会、介護・福祉の就職フェア、市民向けイベントを行っています。"
)


def association_seed(
    *, slug: str, name: str, municipality_code: str, domains: list[str] | None
) -> tuple[Association, list[str] | None]:
    """The association with `slug`, created when missing (then also the host names it was
    created with). The first association answers on 127.0.0.1 and localhost too, so
    http://127.0.0.1:8000/ serves it; later ones on SLUG.localhost."""
    association = Association.objects.filter(slug=slug).first()
    if association is not None:
        return association, None
    domains = domains or (
        ["127.0.0.1", "localhost", f"{slug}.localhost"]
        if not Association.objects.exists()
        else [f"{slug}.localhost"]
    )
    association = association_create(
        slug=slug,
        name=name,
        short_name=name.split("（")[0],
        municipality_code=municipality_code,
        domains=domains,
        description=DESCRIPTION,
        contact_email=f"office@{slug}.example",
    )
    association_profile_update(
        association=association,
        contact_phone="06-6000-0000",
        contact_address="市役所福祉部 介護保険課内（本庁舎3階）",
        contact_hours="平日 9時〜17時",
    )
    return association, domains
