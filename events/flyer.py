"""A printable A4 flyer per event: the association's name, the event, when and where, a map
link and a QR code to the event's page, for a community centre's notice board.

Drawn with weasyprint as the city's reports are (Japanese fonts from the system, embedded as
subsets); the QR code is an SVG from segno. Nothing is fetched: the event's image is read from
storage and embedded, any other URL the document names is refused.
"""

from __future__ import annotations

import base64

import segno
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from core.calendar import wareki_date
from events.models import Event

MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif"}


def qr_svg(url: str) -> SafeString:
    """The QR code of `url` as inline SVG (error correction M: a flyer gets pinned and folded)."""
    svg = segno.make(url, error="m", micro=False).svg_inline(scale=4, border=2, omitsize=True)
    return mark_safe(svg)  # noqa: S308 - segno's own markup, the URL is encoded into modules


def _image_data_uri(event: Event) -> str:
    if not event.image:
        return ""
    with event.image.open("rb") as handle:
        data = handle.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        return ""
    kind = next((t for magic, t in IMAGE_TYPES.items() if data.startswith(magic)), "")
    return f"data:{kind};base64,{base64.b64encode(data).decode()}" if kind else ""


def render_flyer(*, event: Event, page_url: str, association_name: str, contact: str) -> bytes:
    """The flyer as PDF bytes (one A4 page)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with translation.override("ja"):
        html = _flyer_html(
            event=event, page_url=page_url, association_name=association_name, contact=contact
        )
    # The embedded image (a data: URL) is the only resource read; any other URL is refused.
    only_data = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    pdf = HTML(string=html, url_fetcher=only_data).write_pdf()
    if pdf is None:
        raise RuntimeError("weasyprint returned no PDF")
    return pdf


def _flyer_html(*, event: Event, page_url: str, association_name: str, contact: str) -> str:
    return render_to_string(
        "events/flyer.html",
        {
            "event": event,
            "page_url": page_url,
            "association_name": association_name,
            "contact": contact,
            "qr": qr_svg(page_url),
            "image": _image_data_uri(event),
            "day": wareki_date(timezone.localdate(event.starts_at)),
            "programme_venues": list(
                {item.venue.pk: item.venue for item in event.programme.all()}.values()
            ),
        },
    )
