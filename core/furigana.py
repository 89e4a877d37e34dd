"""Furigana over the kanji of a text only, from the reading of the whole text.

Officers type one reading for a title (「介護のしごとフェスタ」 read 「かいごのしごとふぇすた」);
ruby over the whole title repeats the kana the reader can already read and makes it harder for
the readers it is meant for. The reading is aligned with the text: its kana stay as they are
(matched in the reading, hiragana and katakana alike), each run of kanji (with digits and
Latin letters next to them, which need reading too) gets the part of the reading between.
When the reading does not fit the text, the whole reading goes over the whole text, as before.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fd\u30fe\u309d\u309e]")
# Kanji, and the digits and Latin letters (half or full width) that need reading as they do.
_READ = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
)
_SPACE = re.compile(r"[\s\u3000]+")


@dataclass(frozen=True)
class Segment:
    text: str
    reading: str = ""  # empty: no ruby over this part


def _hiragana(text: str) -> str:
    return "".join(chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch for ch in text)


def _kind(ch: str) -> str:
    if _KANA.match(ch):
        return "kana"
    if _READ.match(ch):
        return "read"
    return "other"


def _runs(text: str) -> list[tuple[str, str]]:
    runs: list[tuple[str, str]] = []
    for ch in text:
        kind = _kind(ch)
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + ch)
        else:
            runs.append((kind, ch))
    # Kanji runs apart only by spaces or punctuation read as one: where the reading of one ends
    # and the next begins cannot be told.
    merged: list[tuple[str, str]] = []
    for kind, run in runs:
        if (
            kind == "read"
            and len(merged) >= 2
            and merged[-1][0] == "other"
            and merged[-2][0] == "read"
        ):
            _other, between = merged.pop()
            merged[-1] = ("read", merged[-1][1] + between + run)
        else:
            merged.append((kind, run))
    return merged


def segments(text: str, reading: str) -> list[Segment]:
    """The text cut into parts, each kanji part with its reading."""
    text = text or ""
    reading = _hiragana(_SPACE.sub("", unicodedata.normalize("NFKC", reading or "")))
    if not reading:
        return [Segment(text)] if text else []
    runs = _runs(text)
    if not any(kind == "read" for kind, _run in runs):
        return [Segment(text)]  # nothing needs reading
    pattern = []
    for kind, run in runs:
        if kind == "read":
            pattern.append("(.+?)")
        elif kind == "kana":
            pattern.append(re.escape(_hiragana(run)))
        else:  # spaces and punctuation may or may not be in the reading
            plain = _SPACE.sub("", unicodedata.normalize("NFKC", run))
            pattern.append(f"(?:{re.escape(plain)})?")
    match = re.fullmatch("".join(pattern), reading)
    if match is None:
        return [Segment(text, reading)]
    readings = iter(match.groups())
    return [Segment(run, next(readings) if kind == "read" else "") for kind, run in runs]
