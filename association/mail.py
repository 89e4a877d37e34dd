"""The one way to send a templated email: rendered in the request, sent by a task after the commit.

Rendering happens here, in the caller's language and tenant (the context holds model
instances, which a task could not be given); the sending is `association.tasks.mail_send`,
queued on commit through `enqueue_on_commit`, so a mail server that is away never fails a
request whose data is saved, and a rolled-back change sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django_scopes import get_scope


def render_mail(template: str, context: dict[str, Any], *, language: str = "ja") -> tuple[str, str]:
    """`<template>_subject.txt` and `<template>_body.txt`, rendered in `language`."""
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    return " ".join(subject.splitlines()), body


def queue_mail(
    *,
    subject: str,
    body: str,
    to: Sequence[str],
    from_email: str | None = None,
    html: str | None = None,
    reply_to: Sequence[str] | None = None,
) -> None:
    """Queue a rendered email for `mail_send` once the surrounding transaction commits."""
    from association.tasks import enqueue_on_commit, mail_send

    association_id = getattr(get_scope().get("association"), "pk", get_scope().get("association"))
    enqueue_on_commit(
        mail_send,
        subject=str(subject),
        body=str(body),
        to=list(to),
        from_email=from_email,
        html=str(html) if html is not None else None,
        reply_to=list(reply_to) if reply_to else None,
        association_id=association_id if isinstance(association_id, int) else None,
    )


def send_templated_mail(
    *, template: str, context: dict[str, Any], to: Iterable[str], language: str = "ja"
) -> None:
    """Render now; sent once the transaction commits (never for a rolled-back change)."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    subject, body = render_mail(template, context, language=language)
    queue_mail(subject=subject, body=body, to=recipients)
