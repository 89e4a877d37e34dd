"""Log records: uniform keys, and no secrets from URLs.

Registration cancel links (`/events/cancel/?key=…`), waiting-list offers, invitations and
allauth's e-mail confirmation and password-reset links carry a key that acts as a password.
URLs reach the logs in gunicorn's access log (request line, Referer, Location) and in Django's
request logs, so both pass through `redact` (gunicorn through `GunicornLogger`, see bin/web;
Django through the `redact` filter in config/settings/logging.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as _GunicornBaseLogger
from gunicorn.glogging import SafeAtoms

REDACTED = "[redacted]"
# ?key=…, &token=… in any URL, also percent-encoded inside another URL (a `next=` parameter).
# A value stops at a backslash too: gunicorn escapes a quote as \" before the atom is redacted,
# and the escape must stay in the line (a bare quote would end the log field early).
_SECRET_QUERY = re.compile(
    r"((?:^|[?&;]|%3F|%26)(?:key|token|code|uid)(?:=|%3D))[^&;\s\"'#%\\]*(?:%(?!26)[0-9A-F]{2}[^&;\s\"'#%\\]*)*",
    re.IGNORECASE,
)
# allauth's keys in the path: /accounts/confirm-email/<key>/, /accounts/password/reset/key/<k>/.
_SECRET_PATH = re.compile(r"(/(?:confirm-email|password/reset/key)/)[^/\s\"'?#]+")


def redact(text: str) -> str:
    """The text with every URL key replaced by [redacted]."""
    if not text or ("=" not in text and "%3D" not in text.upper() and "/" not in text):
        return text
    return _SECRET_PATH.sub(rf"\1{REDACTED}", _SECRET_QUERY.sub(rf"\1{REDACTED}", text))


def _redact_value(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RequestContextFilter(logging.Filter):
    """Lets every record carry the same keys, so JSON lines are uniform."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "association"):
            record.association = None
        return True


class RedactSecretsFilter(logging.Filter):
    """Removes URL keys from a record's message and arguments (Django's request and server
    logs name the path; runserver's names the query string too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {k: _redact_value(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_value(v) for v in record.args)
        return True


class RedactedAtoms(SafeAtoms):
    """gunicorn's access-log atoms, each redacted as the log format reads it: the request
    line, path, query, Referer, Location or any header. Only the atoms the format names are
    read (about ten of the forty or so gunicorn makes), so a request pays for those only."""

    def __getitem__(self, k: str) -> Any:
        return _redact_value(super().__getitem__(k))


class GunicornLogger(_GunicornBaseLogger):
    """gunicorn's logger with its access log redacted:
    `--logger-class association.logging.GunicornLogger`."""

    atoms_wrapper_class = RedactedAtoms
