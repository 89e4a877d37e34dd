"""Per-office API tokens: office admins create and revoke them; the API authenticates with them.

A token is shown once, when it is created; only its SHA-256 and its first characters (to tell
tokens apart in a list) are stored. A revoked token never works again.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis.models import OfficeApiToken
from members.models import Office, OfficeStatus

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "rk_"  # noqa: S105 - marks our tokens (secret scanners know the shape)
PREFIX_LENGTH = 12  # "rk_" and nine characters of the secret: shown in lists, not secret enough
# Recording every request's time would write on every call: a minute's precision is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, office: Office, name: str, created_by: Any) -> tuple[OfficeApiToken, str]:
    """A new token for `office`; returns it and its plaintext, which is never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Give the token a name, such as the system using it.")]})
    if len(name) > 100:
        raise ValidationError({"name": [_("At most 100 characters.")]})
    raw = f"{TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
    token = OfficeApiToken.objects.create(
        office=office,
        name=name,
        prefix=raw[:PREFIX_LENGTH],
        key_hash=token_hash(raw),
        created_by=created_by,
    )
    logger.info(
        "api token created",
        extra={"office": office.pk, "token": token.pk, "user": getattr(created_by, "pk", None)},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: OfficeApiToken, by: Any) -> OfficeApiToken:
    """Revoke `token` at once; revoking it again changes nothing."""
    locked = OfficeApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        logger.info(
            "api token revoked",
            extra={"office": locked.office_id, "token": locked.pk, "user": getattr(by, "pk", None)},
        )
    return locked


def token_authenticate(*, raw: str) -> OfficeApiToken | None:
    """The live token of an approved office of the current scope, or None; notes its use."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        OfficeApiToken.objects.select_related("office")
        .filter(
            key_hash=token_hash(raw),
            revoked_at__isnull=True,
            office__status=OfficeStatus.APPROVED,
        )
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        OfficeApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(*, office: Office) -> QuerySet[OfficeApiToken]:
    return OfficeApiToken.objects.filter(office=office).select_related("created_by")
