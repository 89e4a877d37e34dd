"""The one way to send a templated email: rendered in Japanese, sent after the commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def render_mail(template: str, context: dict[str, Any], *, language: str = "ja") -> tuple[str, str]:
    """`<template>_subject.txt` and `<template>_body.txt`, rendered in `language`."""
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    return " ".join(subject.splitlines()), body


def send_templated_mail(
    *, template: str, context: dict[str, Any], to: Iterable[str], language: str = "ja"
) -> None:
    """Send once the surrounding transaction commits (never for a rolled-back change)."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    subject, body = render_mail(template, context, language=language)
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients))
