"""Identifier cleaning (domain.md "Identifiers") and the checks office_create makes on top.

Every expected value below was worked out by hand from the rules in
shared/reference/domain.md, not copied from the code's output.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_scopes import scope

from core.identifiers import (
    clean_corporate_number,
    clean_municipality_code,
    clean_postal_code,
    clean_provider_number,
)
from members.models import Office, OfficeService
from members.services import office_create
from tests.tenants import Tenant

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _error_code(excinfo: pytest.ExceptionInfo[ValidationError]) -> str | None:
    return excinfo.value.error_list[0].code


# --- 介護保険事業所番号 ----------------------------------------------------------------


def test_provider_number_worked_example_is_valid() -> None:
    """domain.md: 271000001 has check digit 5, so 2710000015 is well formed."""
    assert clean_provider_number("2710000015") == "2710000015"


def test_provider_number_wrong_check_digit_is_rejected() -> None:
    """2710000016 differs from the worked example only in its check digit."""
    with pytest.raises(ValidationError) as excinfo:
        clean_provider_number("2710000016")
    assert _error_code(excinfo) == "provider_number_check_digit"


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        # 271000009 from the right: 9×2=18→1+8=9, 1×2=2, 7×1=7, 2×2=4; sum 22, check 8.
        # (Without the digit-sum rule the sum would be 31 and the check 9.)
        ("2710000098", True),
        ("2710000099", False),
        # 471000001: 1×2, 1×2, 7×1, 4×2 → 2+2+7+8 = 19, check 1.
        ("4710000011", True),
        # 011000001: 1×2, 1×2, 1×1, 0×2 → 5, check 5.
        ("0110000015", True),
        ("0110000016", False),
    ],
)
def test_provider_number_check_digit_hand_worked(number: str, valid: bool) -> None:
    """Weights 2,1,2,1… from the right; a two-digit product counts as its digit sum."""
    if valid:
        assert clean_provider_number(number) == number
    else:
        with pytest.raises(ValidationError) as excinfo:
            clean_provider_number(number)
        assert _error_code(excinfo) == "provider_number_check_digit"


@pytest.mark.parametrize(
    "typed",
    [
        "２７１０ー０００－０１５",  # full-width digits, 長音 and full-width hyphen
        "２７１０００００１５",  # full-width digits only
        "27 1000 0015",  # ASCII spaces
        "2710　000015",  # ideographic space
        "2710-000-015",
        "2710‐000‐015",  # U+2010 hyphen
        "2710−000−015",  # U+2212 minus sign
        "2710ｰ000ｰ015",  # half-width katakana prolonged sound mark
        " 2710000015\n",
    ],
)
def test_provider_number_normalises_what_people_type(typed: str) -> None:
    """Full-width digits, dashes of any kind and spaces all fold to the plain 10 digits."""
    assert clean_provider_number(typed) == "2710000015"


@pytest.mark.parametrize("number", ["27A0000019", "27A0000010", "27Z0000013", "27H1234567"])
def test_provider_number_letter_in_position_three_skips_check_digit(number: str) -> None:
    """With a letter in position 3 the check digit is not verified (weighting unknown)."""
    assert clean_provider_number(number) == number


def test_provider_number_lower_case_letter_is_upper_cased() -> None:
    """A lower-case or full-width letter in position 3 becomes the capital letter."""
    assert clean_provider_number("27a0000019") == "27A0000019"
    assert clean_provider_number("２７Ａ０００００１９") == "27A0000019"


@pytest.mark.parametrize("letter", ["I", "O", "Q"])
def test_provider_number_letters_i_o_q_are_refused(letter: str) -> None:
    """I, O and Q are never used (they look like 1, 0 and 0)."""
    with pytest.raises(ValidationError) as excinfo:
        clean_provider_number(f"27{letter}0000019")
    assert _error_code(excinfo) == "provider_number_shape"


@pytest.mark.parametrize(
    "number",
    [
        "271000001",  # 9 characters
        "27100000150",  # 11 characters
        "",
        "2A10000015",  # a letter outside position 3
        "271000001A",
        "27AB000019",
    ],
)
def test_provider_number_wrong_shape_is_refused(number: str) -> None:
    """Ten characters, and only position 3 may be a letter."""
    with pytest.raises(ValidationError) as excinfo:
        clean_provider_number(number)
    assert _error_code(excinfo) == "provider_number_shape"


@pytest.mark.parametrize(
    "number",
    [
        # 001000001: 1×2 + 1×2 = 4 → check 6: only the prefecture is wrong.
        "0010000016",
        # 481000001: 1×2 + 1×2 + 8×1 + 4×2 = 20 → check 0: only the prefecture is wrong.
        "4810000010",
    ],
)
def test_provider_number_prefecture_outside_01_to_47_is_refused(number: str) -> None:
    """Positions 1–2 are a prefecture code, 01 to 47."""
    with pytest.raises(ValidationError) as excinfo:
        clean_provider_number(number)
    assert _error_code(excinfo) == "provider_number_prefecture"


# --- 法人番号 ------------------------------------------------------------------------


def test_corporate_number_of_the_nta_is_valid() -> None:
    """domain.md: 国税庁's own 7000012050002 is valid (sum 11, 11 mod 9 = 2, 9 − 2 = 7)."""
    assert clean_corporate_number("7000012050002") == "7000012050002"


@pytest.mark.parametrize("number", ["8000012050002", "1000012050002", "9000012050002"])
def test_corporate_number_wrong_check_digit_is_refused(number: str) -> None:
    """Only 7 fits the other twelve digits of 7000012050002."""
    with pytest.raises(ValidationError) as excinfo:
        clean_corporate_number(number)
    assert _error_code(excinfo) == "corporate_number_check_digit"


def test_corporate_number_second_hand_worked_example() -> None:
    """000000000001: the last digit has weight 1, sum 1, check 9 − 1 = 8."""
    assert clean_corporate_number("8000000000001") == "8000000000001"
    with pytest.raises(ValidationError):
        clean_corporate_number("9000000000001")


@pytest.mark.parametrize("number", ["700001205000", "70000120500020", "700001205000A"])
def test_corporate_number_wrong_length_is_refused(number: str) -> None:
    """Exactly 13 digits."""
    with pytest.raises(ValidationError) as excinfo:
        clean_corporate_number(number)
    assert _error_code(excinfo) == "corporate_number_shape"


@pytest.mark.parametrize(
    "typed", ["７０００－０１２０－５０００２", "7000 0120 50002", "７０００ー０１２０５０００２"]
)
def test_corporate_number_full_width_input_is_normalised(typed: str) -> None:
    """Full-width digits, hyphens and spaces fold to the 13 plain digits."""
    assert clean_corporate_number(typed) == "7000012050002"


# --- 全国地方公共団体コード ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("272035", "272035"),  # 豊中市: 12+35+8+0+6 = 61, 61 mod 11 = 6, 11 − 6 = 5
        ("270008", "270008"),  # 大阪府: 12+35 = 47, 47 mod 11 = 3, 11 − 3 = 8
        ("011011", "011011"),  # 札幌市中央区: 0+5+4+0+2 = 11, mod 11 = 0, 11 → written 1
        ("270300", "270300"),  # 12+35+0+9+0 = 56, mod 11 = 1, 10 → written 0
        ("２７２０３５", "272035"),
        ("27203-5", "272035"),
    ],
)
def test_municipality_code_valid(typed: str, code: str) -> None:
    """Mod-11 check digit with weights 6,5,4,3,2; 10 and 11 are written as their last digit."""
    assert clean_municipality_code(typed) == code


@pytest.mark.parametrize("code", ["272036", "270009", "011010", "27203", "2720355", ""])
def test_municipality_code_invalid(code: str) -> None:
    """A wrong check digit or a length other than 6 is refused."""
    with pytest.raises(ValidationError) as excinfo:
        clean_municipality_code(code)
    assert _error_code(excinfo) == "municipality_code"


# --- 郵便番号 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["〒５６０－００２２", "〒560-0022", "5600022", "５６０ー００２２", "560 0022"]
)
def test_postal_code_is_normalised(typed: str) -> None:
    """Any way of typing 〒560-0022 becomes 560-0022."""
    assert clean_postal_code(typed) == "560-0022"


@pytest.mark.parametrize("typed", ["560002", "56000222", "〒560-002", "ABC-DEFG"])
def test_postal_code_wrong_length_is_refused(typed: str) -> None:
    """Seven digits exactly."""
    with pytest.raises(ValidationError) as excinfo:
        clean_postal_code(typed)
    assert _error_code(excinfo) == "postal_code"


# --- Non-ASCII digits -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("clean", "typed"),
    [
        # Arabic-Indic digits: NFKC leaves them alone, but Python's \d and int() accept them.
        (clean_provider_number, "271٠٠٠٠٠١٥"),
        (clean_corporate_number, "٧٠٠٠٠١٢٠٥٠٠٠٢"),
        (clean_municipality_code, "٢٧٢٠٣٥"),
        (clean_postal_code, "٥٦٠٠٠٢٢"),
    ],
    ids=["provider", "corporate", "municipality", "postal"],
)
def test_cleaned_identifiers_are_ascii(clean: Callable[[str], str], typed: str) -> None:
    """A cleaned value is stored and compared as text: it must be ASCII whatever was typed.

    Otherwise "271٠٠٠٠٠١٥" and "2710000015" are two different provider numbers to the
    database, and the one-number-per-association rule can be bypassed.
    """
    try:
        cleaned = clean(typed)
    except ValidationError:
        return  # refusing is fine too
    assert cleaned.isascii(), f"{clean.__name__} returned non-ASCII {cleaned!r}"


# --- Messages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clean", "typed", "normalised"),
    [
        (clean_provider_number, "２７１０ー０００－０１６", "2710000016"),  # check digit
        (clean_provider_number, "２７Ｉ０００００１９", "27I0000019"),  # shape
        (clean_provider_number, "２７１０００００１", "271000001"),  # shape (length)
        (clean_corporate_number, "８０００－０１２０－５０００２", "8000012050002"),
        (clean_corporate_number, "７０００－０１２０－５０００", "700001205000"),
        (clean_municipality_code, "２７２０３６", "272036"),
    ],
)
def test_error_messages_are_japanese_and_show_the_normalised_value(
    clean: Callable[[str], str], typed: str, normalised: str
) -> None:
    """Under the ja locale the message is Japanese and quotes the value as normalised."""
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        clean(typed)
    message = excinfo.value.messages[0]
    assert JAPANESE.search(message), message
    assert normalised in message
    assert typed not in message


def test_prefecture_message_is_japanese_and_names_the_prefix() -> None:
    """The prefecture error names the two digits that are wrong."""
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        clean_provider_number("４８１０００００１０")
    message = excinfo.value.messages[0]
    assert JAPANESE.search(message), message
    assert "48" in message


def test_postal_code_message_is_japanese_and_shows_the_normalised_value() -> None:
    """domain.md: show the user the normalised value, not the full-width text typed."""
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        clean_postal_code("５６０－００２")
    message = excinfo.value.messages[0]
    assert JAPANESE.search(message), message
    assert "５" not in message, message
    assert "560002" in message or "560-002" in message, message


def test_error_messages_are_english_under_en() -> None:
    """Under en the same error has no Japanese: the ja catalogue is what translates."""
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        clean_provider_number("2710000016")
    message = excinfo.value.messages[0]
    assert not JAPANESE.search(message), message
    assert "2710000016" in message


# --- office_create ----------------------------------------------------------------------


def _office_count(tenant: Tenant) -> tuple[int, int]:
    with scope(association=tenant.association.pk):
        return Office.objects.count(), OfficeService.objects.count()


@pytest.mark.django_db
def test_office_create_refuses_a_provider_number_the_association_already_has(
    tenant_a: Tenant,
) -> None:
    """The provider_number error names the office holding the number; nothing is saved."""
    holder = tenant_a.offices[0]
    before = _office_count(tenant_a)
    with scope(association=tenant_a.association.pk), pytest.raises(ValidationError) as excinfo:
        office_create(
            association=tenant_a.association,
            corporation=holder.corporation,
            name="重複事業所",
            # The same number typed with full-width digits and a hyphen.
            provider_number="".join(chr(ord(c) + 0xFEE0) for c in holder.provider_number[:4])
            + "－"
            + holder.provider_number[4:],
            service_codes=["43"],
        )
    errors = excinfo.value.message_dict
    assert set(errors) == {"provider_number"}
    assert holder.name in errors["provider_number"][0]
    assert holder.provider_number in errors["provider_number"][0]
    assert _office_count(tenant_a) == before


@pytest.mark.django_db
def test_office_create_duplicate_message_in_japanese(tenant_a: Tenant) -> None:
    """Under ja the duplicate error is Japanese and still names the holder."""
    holder = tenant_a.offices[1]
    with (
        translation.override("ja"),
        scope(association=tenant_a.association.pk),
        pytest.raises(ValidationError) as excinfo,
    ):
        office_create(
            association=tenant_a.association,
            corporation=holder.corporation,
            name="重複事業所",
            provider_number=holder.provider_number,
            service_codes=["11"],
        )
    message = excinfo.value.message_dict["provider_number"][0]
    assert "すでに" in message
    assert holder.name in message


@pytest.mark.django_db
def test_office_create_allows_the_same_number_in_another_association(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """Provider numbers are unique per association only: B may hold A's number."""
    number = tenant_a.offices[0].provider_number
    with scope(association=tenant_b.association.pk):
        assert not Office.objects.filter(provider_number=number).exists()
        corporation = tenant_b.offices[0].corporation
    before_a = _office_count(tenant_a)
    before_b = _office_count(tenant_b)
    with scope(association=tenant_b.association.pk):
        office = office_create(
            association=tenant_b.association,
            corporation=corporation,
            name="ベータ新事業所",
            provider_number=number,
            service_codes=["43"],
        )
    assert office.provider_number == number
    assert _office_count(tenant_b) == (before_b[0] + 1, before_b[1] + 1)
    assert _office_count(tenant_a) == before_a


@pytest.mark.parametrize(
    ("codes", "mentions"),
    [(["43", "99"], "99"), (["ZZ"], "ZZ"), ([], None)],
    ids=["one-unknown", "only-unknown", "empty"],
)
@pytest.mark.django_db
def test_office_create_refuses_bad_service_codes(
    tenant_a: Tenant, codes: list[str], mentions: str | None
) -> None:
    """Unknown service codes and an empty list fail on service_codes; nothing is saved."""
    corporation = tenant_a.offices[0].corporation
    before = _office_count(tenant_a)
    with scope(association=tenant_a.association.pk), pytest.raises(ValidationError) as excinfo:
        office_create(
            association=tenant_a.association,
            corporation=corporation,
            name="新事業所",
            provider_number="2710000098",  # valid and unused by the fixture (district 20)
            service_codes=codes,
        )
    errors = excinfo.value.message_dict
    assert set(errors) == {"service_codes"}
    if mentions:
        assert mentions in errors["service_codes"][0]
    assert _office_count(tenant_a) == before


@pytest.mark.django_db
def test_office_create_reports_every_field_at_once(tenant_a: Tenant) -> None:
    """A bad number, bad services and a bad postal code come back together."""
    corporation = tenant_a.offices[0].corporation
    before = _office_count(tenant_a)
    with scope(association=tenant_a.association.pk), pytest.raises(ValidationError) as excinfo:
        office_create(
            association=tenant_a.association,
            corporation=corporation,
            name="新事業所",
            provider_number="2710000016",
            service_codes=[],
            postal_code="560002",
        )
    assert set(excinfo.value.message_dict) == {"provider_number", "service_codes", "postal_code"}
    assert _office_count(tenant_a) == before


@pytest.mark.django_db
def test_office_create_stores_normalised_values(tenant_a: Tenant) -> None:
    """What people type is stored in normal form, with one service row per distinct code."""
    corporation = tenant_a.offices[0].corporation
    with scope(association=tenant_a.association.pk):
        office = office_create(
            association=tenant_a.association,
            corporation=corporation,
            name="新事業所",
            provider_number="２７１０ー０００－０９８",
            service_codes=["11", "A2", "11"],
            postal_code="〒５６０－００２２",
        )
        office.refresh_from_db()
        assert office.provider_number == "2710000098"
        assert office.postal_code == "560-0022"
        assert sorted(office.services.values_list("service_code", flat=True)) == ["11", "A2"]


@pytest.mark.django_db
def test_office_create_refuses_the_same_number_written_with_other_digits(tenant_a: Tenant) -> None:
    """A duplicate typed with non-ASCII digits must not slip past the per-association check."""
    holder = tenant_a.offices[0]
    # Arabic-Indic digits for positions 4–10 (position 3 must be ASCII for the shape check).
    arabic = holder.provider_number[:3] + "".join(
        chr(0x0660 + int(c)) for c in holder.provider_number[3:]
    )
    before = _office_count(tenant_a)
    with scope(association=tenant_a.association.pk), pytest.raises(ValidationError):
        office_create(
            association=tenant_a.association,
            corporation=holder.corporation,
            name="重複事業所",
            provider_number=arabic,
            service_codes=["43"],
        )
    assert _office_count(tenant_a) == before
