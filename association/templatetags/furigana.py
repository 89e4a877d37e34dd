"""`{% furigana text reading %}`: ruby over the kanji only (core.furigana)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core.furigana import segments

register = template.Library()


@register.simple_tag
def furigana(text: str, reading: str = "") -> SafeString:
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html("<ruby>{}<rp>（</rp><rt>{}</rt><rp>）</rp></ruby>", s.text, s.reading)
                if s.reading
                else format_html("{}", s.text),
            )
            for s in segments(text, reading)
        ),
    )
