"""Japanese identifiers: normalising what people type, and checking the official check digits.

Rules from shared/reference/domain.md (介護保険事業所番号, 法人番号, 全国地方公共団体コード).
Each `clean_*` returns the normalised value or raises ValidationError with a translated message.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Every dash people type for 〒560-0022 or 06-1234-5678, after NFKC has folded full-width forms.
DASHES = "-‐‑‒–—―−ーｰ─━"
_STRIP = re.compile(f"[\\s{re.escape(DASHES)}]+")


def normalize_code(value: str) -> str:
    """Full-width → half-width, upper case, and no spaces or dashes of any kind."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", value or "")).upper()


# ASCII digits only: `\d`, isdigit() and int() also accept other scripts' digits.
_DIGITS = "0123456789"
_PROVIDER_SHAPE = re.compile(r"^[0-9]{2}[0-9A-HJ-NPR-Z][0-9]{7}$")


def provider_number_check_digit(first_nine: str) -> int:
    """Weights 2,1,2,1… from the right; a two-digit product counts as its digit sum."""
    total = 0
    for position, char in enumerate(reversed(first_nine)):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def clean_provider_number(value: str) -> str:
    """介護保険事業所番号: 10 characters, prefecture 01–47, check digit when all are digits."""
    number = normalize_code(value)
    if not _PROVIDER_SHAPE.match(number):
        raise ValidationError(
            _(
                "A care-insurance provider number has 10 characters: digits, with an "
                "optional capital letter (not I, O or Q) in position 3. You entered “%(value)s”."
            ),
            code="provider_number_shape",
            params={"value": number},
        )
    if not 1 <= int(number[:2]) <= 47:
        raise ValidationError(
            _("The first two digits (%(prefix)s) are not a prefecture code (01–47)."),
            code="provider_number_prefecture",
            params={"prefix": number[:2]},
        )
    # The letter's weighting is not public: only digits-only numbers are checked.
    if number[2] in _DIGITS and int(number[9]) != provider_number_check_digit(number[:9]):
        raise ValidationError(
            _("The check digit of provider number %(value)s is wrong; please check the number."),
            code="provider_number_check_digit",
            params={"value": number},
        )
    return number


def corporate_number_check_digit(last_twelve: str) -> int:
    total = sum(
        int(char) * (1 if position % 2 == 0 else 2)
        for position, char in enumerate(reversed(last_twelve))
    )
    return 9 - total % 9


def clean_corporate_number(value: str) -> str:
    """法人番号: 13 digits, the first a check digit over the other twelve (国税庁's rule)."""
    number = normalize_code(value)
    if not re.fullmatch(r"[0-9]{13}", number):
        raise ValidationError(
            _("A corporate number has 13 digits. You entered “%(value)s”."),
            code="corporate_number_shape",
            params={"value": number},
        )
    if int(number[0]) != corporate_number_check_digit(number[1:]):
        raise ValidationError(
            _("The check digit of corporate number %(value)s is wrong; please check the number."),
            code="corporate_number_check_digit",
            params={"value": number},
        )
    return number


def municipality_code_check_digit(first_five: str) -> int:
    total = sum(
        int(char) * weight for char, weight in zip(first_five, (6, 5, 4, 3, 2), strict=True)
    )
    return (11 - total % 11) % 10


def clean_municipality_code(value: str) -> str:
    """全国地方公共団体コード: 5 digits and a mod-11 check digit (豊中市 272035)."""
    code = normalize_code(value)
    if not re.fullmatch(r"[0-9]{6}", code) or int(code[5]) != municipality_code_check_digit(
        code[:5]
    ):
        raise ValidationError(
            _("“%(value)s” is not a valid local government code (6 digits with a check digit)."),
            code="municipality_code",
            params={"value": code},
        )
    return code


def clean_postal_code(value: str) -> str:
    """〒560-0022, ５６００DD22 … → 560-0022."""
    digits = normalize_code(value).removeprefix("〒")
    if not re.fullmatch(r"[0-9]{7}", digits):
        raise ValidationError(
            _("A postal code has 7 digits, like 560-0022. You entered “%(value)s”."),
            code="postal_code",
            params={"value": digits},
        )
    return f"{digits[:3]}-{digits[3:]}"


def clean_phone_number(value: str) -> str:
    """A Japanese phone number as people type it (０６－６８４０－１２３４, 090 1234 5678,
    +81 90-1234-5678) → its national form with the usual dashes (06-6840-1234), checked by
    libphonenumber's numbering plan for Japan. Empty stays empty."""
    text = _STRIP.sub("-", unicodedata.normalize("NFKC", value or "")).strip("-")
    if not text:
        return ""
    message = _(
        "“%(value)s” is not a Japanese phone number. "
        "Please enter it like 06-1234-5678 or 090-1234-5678."
    )
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException as error:
        raise ValidationError(message, code="phone", params={"value": value}) from error
    if number.country_code != 81 or not phonenumbers.is_valid_number(number):
        raise ValidationError(message, code="phone", params={"value": value})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
