"""Furigana over kanji only, and Japanese phone numbers as people type them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.furigana import Segment, segments
from core.identifiers import clean_phone_number


@pytest.mark.parametrize(
    ("text", "reading", "expected"),
    [
        (
            "介護のしごとフェスタ",
            "かいごのしごとふぇすた",
            [("介護", "かいご"), ("のしごとフェスタ", "")],
        ),
        (
            "ケアマネ交流会",
            "ケアマネ こうりゅうかい",
            [("ケアマネ", ""), ("交流会", "こうりゅうかい")],
        ),
        (
            "「介護」のしごと（秋）",
            "かいごのしごと あき",
            [
                ("「", ""),
                ("介護", "かいご"),
                ("」", ""),
                ("のしごと", ""),
                ("（", ""),
                ("秋", "あき"),
                ("）", ""),
            ],
        ),
        # Kanji runs apart only by a space: where one reading ends cannot be told, so one ruby.
        (
            "第３回 福祉まつり",
            "だいさんかい ふくしまつり",
            [("第３回 福祉", "だいさんかいふくし"), ("まつり", "")],
        ),
        ("しごと体験", "しごとたいけん", [("しごと", ""), ("体験", "たいけん")]),
        ("あいうえお", "あいうえお", [("あいうえお", "")]),  # all kana: no ruby at all
        ("介護フェスタ", "ちがうよみ", [("介護フェスタ", "ちがうよみ")]),  # does not fit: as before
        ("岡町公民館", "", [("岡町公民館", "")]),
    ],
)
def test_furigana_goes_over_the_kanji_only(
    text: str, reading: str, expected: list[tuple[str, str]]
) -> None:
    assert segments(text, reading) == [Segment(t, r) for t, r in expected]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("０６－６８４０－１２３４", "06-6840-1234"),
        ("06 6840 1234", "06-6840-1234"),
        ("(06)6840-1234", "06-6840-1234"),
        ("0668401234", "06-6840-1234"),
        ("０９０ー１２３４ー５６７８", "090-1234-5678"),  # the long vowel mark typed as a dash
        ("+81 90-1234-5678", "090-1234-5678"),
        ("0120-123-456", "0120-123-456"),
        ("", ""),
    ],
)
def test_phone_numbers_are_normalised(typed: str, stored: str) -> None:
    assert clean_phone_number(typed) == stored


@pytest.mark.parametrize("typed", ["でんわ", "123", "+1 212 555 0100", "090-0000-0000", "06-1234"])
def test_phone_numbers_that_are_not_japanese_numbers_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as error:
        clean_phone_number(typed)
    assert "06-1234-5678" in error.value.messages[0]
