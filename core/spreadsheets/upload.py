"""The upload form and the stash that keeps an uploaded file between its preview and its apply."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Uploaded bytes wait in the cache between the preview and the apply.
UPLOAD_TIMEOUT_SECONDS = 60 * 60
ALLOWED_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")


class SpreadsheetUploadForm(forms.Form):
    """A CSV or XLSX upload of at most 5 MB; subclasses name what the file holds."""

    file_label: Any = gettext_lazy("File (CSV or XLSX)")

    file = forms.FileField(
        help_text=gettext_lazy(
            "CSV in UTF-8 (with or without BOM) or Shift_JIS, or an Excel .xlsx file; "
            "at most 5 MB. The first row holds the column headers."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = self.file_label

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_EXTENSIONS):
            raise ValidationError(
                _("Upload a .csv or .xlsx file (this one is “%(name)s”)."),
                params={"name": upload.name},
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is %(size).1f MB; the limit is 5 MB. Split it into smaller files."),
                params={"size": upload.size / (1024 * 1024)},
            )
        return upload


class UploadStash:
    """An uploaded file kept in the cache between its preview and its apply.

    Keyed by association, user and a random token, so nobody else can apply it. Besides the
    bytes and the file name it keeps how many rows the preview read (`rows`), which decides
    whether the apply runs in the request or in the background. A user has at most
    `PER_USER` files kept, whatever their kind: a new preview drops the oldest, so nobody can
    fill the cache by uploading again and again.
    """

    PER_USER = 3
    # What `put` hands out (token_urlsafe(24)); anything else is no stash, never a cache key.
    TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32}$")

    def __init__(self, request: Any, kind: str) -> None:
        owner = f"{request.association.pk}:{request.user.pk}"
        self.prefix = f"upload:{kind}:{owner}:"
        self.index_key = f"upload-index:{owner}"

    def put(self, *, data: bytes, filename: str, rows: int = 0) -> str:
        token = secrets.token_urlsafe(24)
        key = self.prefix + token
        kept = [*(cache.get(self.index_key) or []), key]
        dropped, kept = kept[: -self.PER_USER], kept[-self.PER_USER :]
        if dropped:
            cache.delete_many(dropped)
        cache.set(self.index_key, kept, UPLOAD_TIMEOUT_SECONDS)
        cache.set(key, {"data": data, "filename": filename, "rows": rows}, UPLOAD_TIMEOUT_SECONDS)
        return token

    def get(self, token: str) -> dict[str, Any] | None:
        return cache.get(self.prefix + token) if self.TOKEN_SHAPE.match(token or "") else None

    def discard(self, token: str) -> None:
        if not self.TOKEN_SHAPE.match(token or ""):
            return
        key = self.prefix + token
        cache.delete(key)
        kept = cache.get(self.index_key) or []
        if key in kept:
            cache.set(self.index_key, [k for k in kept if k != key], UPLOAD_TIMEOUT_SECONDS)
