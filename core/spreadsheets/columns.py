"""Columns of a spreadsheet and the words people type in them.

A `Column` has the header an export writes, a label for the help page and the other headers
people use (aliases). A `Vocabulary` maps a choice's stored value to the words a spreadsheet
may hold for it; `parse_choice` is the one way a cell becomes a choice. Headers and words are
compared by `words_key`: NFKC, case, spacing, `_`, `*` and `※` ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _


def words_key(value: str) -> str:
    """How headers and choice words are compared: NFKC, case and spacing ignored."""
    return re.sub(r"[\s_*※]+", "", unicodedata.normalize("NFKC", value)).lower()


def nfkc(text: str) -> str:
    """Full-width digits and letters folded to ASCII, outer spaces removed."""
    return unicodedata.normalize("NFKC", text).strip()


@dataclass(frozen=True)
class Column:
    """One column a spreadsheet of ours may have."""

    key: str
    header: str  # what an export writes and what Japanese spreadsheets call the column
    label: str | Promise  # for people reading the help on the upload page
    aliases: tuple[str, ...] = ()  # other headers people use, matched after words_key()


def columns_by_key(columns: tuple[Column, ...]) -> dict[str, Column]:
    return {column.key: column for column in columns}


@dataclass(frozen=True)
class Vocabulary:
    """The words a spreadsheet may hold for each value of a choice.

    The first word of each value is what an export or template writes; the stored value
    itself (`care_worker`, `approved` …) is accepted too.
    """

    words: Mapping[str, tuple[str, ...]]
    keys: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = {
            words_key(word): value
            for value, words in self.words.items()
            for word in (value, *words)
        }
        object.__setattr__(self, "keys", keys)

    def written(self, value: str) -> str:
        """The word an export writes for `value` ("" for a value it does not know)."""
        return self.words.get(value, ("",))[0]

    @property
    def written_words(self) -> list[str]:
        return [words[0] for words in self.words.values()]


def parse_choice(text: str, vocabulary: Vocabulary, *, required: bool = False) -> str | None:
    """The value whose words include `text`; None for an empty cell unless `required`.

    Raises ValidationError naming the words that are accepted.
    """
    value = vocabulary.keys.get(words_key(text)) if text else None
    if value is None and (text or required):
        raise ValidationError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": text, "choices": "、".join(vocabulary.written_words)}
        )
    return value
