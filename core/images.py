"""Bounds for uploaded pictures shown on the public site (news articles, the home page's hero
image): a few megabytes, a picture format browsers and the PDF renderer read, and a size in
pixels no decoder chokes on. Used as a model field validator, so the admin, the member pages
and the services (`full_clean`) all check the same thing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 8000
# The first bytes of each accepted format.
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


def _is_webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def validate_image_upload(value: Any) -> None:
    """At most MAX_IMAGE_BYTES, PNG, JPEG, GIF or WebP, each side at most MAX_IMAGE_SIDE."""
    if not value or getattr(value, "_committed", False):
        return  # a file already stored was checked when it was uploaded
    if value.size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("The image is too large: at most %(mb)d MB.") % {"mb": MAX_IMAGE_BYTES // 2**20},
            code="image_too_large",
        )
    position = value.tell() if hasattr(value, "tell") else None
    value.seek(0)
    head = value.read(12)
    value.seek(position or 0)
    if not (head.startswith(IMAGE_SIGNATURES) or _is_webp(head)):
        raise ValidationError(_("Upload a PNG, JPEG, GIF or WebP image."), code="image_format")
    width, height = getattr(value, "width", None), getattr(value, "height", None)
    if width and height and max(width, height) > MAX_IMAGE_SIDE:
        raise ValidationError(
            _("The image is too large: at most %(side)d pixels on each side.")
            % {"side": MAX_IMAGE_SIDE},
            code="image_too_many_pixels",
        )
