"""The roster: an association's member list as a spreadsheet (CSV or XLSX), in and out.

Officers upload the list they kept in Excel; `roster_read` turns the file into rows,
`roster_plan` says per row what an import would do (create, update, unchanged, or why it
cannot), and `roster_import_apply` does it in one transaction, or nothing when any row is
wrong. `roster_export` writes the same columns, so an export imports back unchanged.
`RosterImporter` hands these to the generic import pages and background job
(core.spreadsheets, association.import_views); what a roster is stays here.

Everything here runs inside the association's scope (django-scopes).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from association.models import Association
from core.identifiers import (
    clean_corporate_number,
    clean_phone_number,
    clean_postal_code,
    clean_provider_number,
    normalize_code,
)
from core.spreadsheets import (
    CHANGING,
    Column,
    Importer,
    ImportPlan,
    ImportRun,
    Progress,
    RowError,
    Vocabulary,
    columns_by_key,
    csv_bytes,
    nfkc,
    parse_choice,
    report_progress,
    xlsx_bytes,
)
from members.models import Corporation, CorporationKind, Office, OfficeStatus
from members.selectors import office_list
from members.service_types import SERVICE_TYPES_BY_CODE
from members.services import OfficeChanges, corporation_create, office_create, office_update

logger = logging.getLogger(__name__)

MAX_ROWS = 5000


RosterColumn = Column

ROSTER_COLUMNS: tuple[RosterColumn, ...] = (
    RosterColumn(
        "corporation_name",
        "法人名",
        gettext_lazy("Corporation name"),
        ("法人名称", "法人", "運営法人", "運営法人名", "corporation", "corporation name"),
    ),
    RosterColumn(
        "corporation_kana",
        "法人名フリガナ",
        gettext_lazy("Corporation name (kana)"),
        ("法人名カナ", "法人名ふりがな", "法人フリガナ", "corporation kana"),
    ),
    RosterColumn(
        "corporation_kind",
        "法人種別",
        gettext_lazy("Corporation type"),
        ("法人の種類", "法人種類", "corporation type", "corporation kind"),
    ),
    RosterColumn(
        "corporate_number", "法人番号", gettext_lazy("Corporate number"), ("corporate number",)
    ),
    RosterColumn(
        "name",
        "事業所名",
        gettext_lazy("Office name"),
        ("事業所名称", "事業所", "office", "office name", "name"),
    ),
    RosterColumn(
        "kana",
        "事業所名フリガナ",
        gettext_lazy("Office name (kana)"),
        ("事業所名カナ", "事業所名ふりがな", "事業所フリガナ", "office kana", "kana"),
    ),
    RosterColumn(
        "provider_number",
        "介護保険事業所番号",
        gettext_lazy("Care-insurance provider number"),
        ("事業所番号", "provider number", "care insurance provider number"),
    ),
    RosterColumn(
        "service_codes",
        "サービス種類コード",
        gettext_lazy("Service type codes, separated by 、 , or a space"),
        ("サービス種類", "サービスコード", "service codes", "service types", "service type codes"),
    ),
    RosterColumn(
        "postal_code", "郵便番号", gettext_lazy("Postal code"), ("〒", "postal code", "zip")
    ),
    RosterColumn("address", "所在地", gettext_lazy("Address"), ("住所", "事業所所在地", "address")),
    RosterColumn("phone", "電話番号", gettext_lazy("Phone"), ("電話", "tel", "phone")),
    RosterColumn(
        "email", "メールアドレス", gettext_lazy("Email"), ("メール", "email", "e-mail", "mail")
    ),
    RosterColumn("capacity", "定員", gettext_lazy("Capacity"), ("capacity",)),
    RosterColumn(
        "status", "状態", gettext_lazy("Membership status"), ("会員状態", "ステータス", "status")
    ),
)
COLUMNS_BY_KEY = columns_by_key(ROSTER_COLUMNS)

# Spreadsheet words for CorporationKind and OfficeStatus; the first of each is what the export
# writes. The stored value (`social_welfare`, `approved` …) is accepted too.
CORPORATION_KIND_WORDS: dict[str, tuple[str, ...]] = {
    CorporationKind.SOCIAL_WELFARE: ("社会福祉法人", "社福"),
    CorporationKind.MEDICAL: ("医療法人", "医療法人社団", "医療法人財団", "社会医療法人"),
    CorporationKind.STOCK_COMPANY: ("株式会社",),
    CorporationKind.LIMITED_COMPANY: (
        "有限会社・合同会社",
        "有限会社",
        "合同会社",
        "合資会社",
        "合名会社",
    ),
    CorporationKind.NPO: ("特定非営利活動法人", "NPO法人", "NPO"),
    CorporationKind.GENERAL_INCORPORATED: (
        "一般社団法人・一般財団法人",
        "一般社団法人",
        "一般財団法人",
        "公益社団法人",
        "公益財団法人",
    ),
    CorporationKind.COOPERATIVE: ("生活協同組合等", "生活協同組合", "協同組合", "生協"),
    CorporationKind.LOCAL_GOVERNMENT: ("地方公共団体", "市町村", "地方自治体"),
    CorporationKind.OTHER: ("その他",),
}
# Words in a corporation's own name that give away its type (社会福祉法人○○会, (株)○○).
_KIND_IN_NAME: tuple[tuple[str, str], ...] = (
    ("社会福祉法人", CorporationKind.SOCIAL_WELFARE),
    ("医療法人", CorporationKind.MEDICAL),
    ("株式会社", CorporationKind.STOCK_COMPANY),
    ("(株)", CorporationKind.STOCK_COMPANY),
    ("有限会社", CorporationKind.LIMITED_COMPANY),
    ("(有)", CorporationKind.LIMITED_COMPANY),
    ("合同会社", CorporationKind.LIMITED_COMPANY),
    ("特定非営利活動法人", CorporationKind.NPO),
    ("NPO法人", CorporationKind.NPO),
    ("一般社団法人", CorporationKind.GENERAL_INCORPORATED),
    ("一般財団法人", CorporationKind.GENERAL_INCORPORATED),
    ("公益社団法人", CorporationKind.GENERAL_INCORPORATED),
    ("公益財団法人", CorporationKind.GENERAL_INCORPORATED),
    ("協同組合", CorporationKind.COOPERATIVE),
)
OFFICE_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    OfficeStatus.APPLIED: ("申請中", "承認待ち", "入会申請中"),
    OfficeStatus.APPROVED: ("承認済", "承認済み", "会員", "正会員", "入会"),
    OfficeStatus.REJECTED: ("却下",),
    OfficeStatus.SUSPENDED: ("休止", "休止中", "停止", "休会"),
    OfficeStatus.WITHDRAWN: ("退会", "廃止"),
}

# Offices imported without a status are the association's existing members.
DEFAULT_STATUS = OfficeStatus.APPROVED

# Identifiers that Excel turns into numbers, dropping leading zeros (北海道 = 01).
_ZERO_PADDED = {"provider_number": 10, "corporate_number": 13, "postal_code": 7}
_SERVICE_CODE_SEPARATORS = re.compile(r"[\s、,，・/／;；]+")
_MAX_LENGTHS = {
    "corporation_name": 200,
    "corporation_kana": 200,
    "name": 200,
    "kana": 200,
    "address": 300,
    "phone": 20,
    "email": 254,
}


CORPORATION_KINDS = Vocabulary(CORPORATION_KIND_WORDS)
OFFICE_STATUSES = Vocabulary(OFFICE_STATUS_WORDS)


# --- reading a file ------------------------------------------------------------------------


def roster_read(*, data: bytes, filename: str) -> list[dict[str, Any]]:
    """The rows of an uploaded CSV (UTF-8 with or without BOM, CP932, UTF-16) or XLSX file.

    Each row maps the column keys found in the header row to the cell's text, plus `row`:
    its number as the spreadsheet shows it (the header is row 1). Blank rows are skipped;
    columns the file does not have are absent from the dicts (an import leaves those alone).
    Raises ValidationError when the file cannot be read at all.
    """
    return RosterImporter().read(data=data, filename=filename)


# --- planning ------------------------------------------------------------------------------


class RowAction(models.TextChoices):
    CREATE = "create", gettext_lazy("New office")
    UPDATE = "update", gettext_lazy("Update")
    UNCHANGED = "unchanged", gettext_lazy("No change")
    ERROR = "error", gettext_lazy("Error")


@dataclass(frozen=True)
class FieldChange:
    key: str  # an OfficeChanges key
    column: str
    before: str
    after: str


@dataclass
class NewCorporation:
    """A corporation the import will create, shared by every row that names it."""

    name: str
    kana: str
    kind: str
    corporate_number: str
    row: int  # the first row naming it


@dataclass
class RosterRowPlan:
    row: int
    values: dict[str, Any]  # the cleaned values of the columns the file has
    action: RowAction = RowAction.CREATE
    office: Office | None = None
    corporation: Corporation | None = None
    new_corporation: NewCorporation | None = None
    changes: list[FieldChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    typed_provider_number: str = ""  # normalised but maybe invalid, for showing the row

    @property
    def provider_number(self) -> str:
        return str(self.values.get("provider_number", ""))

    @property
    def name(self) -> str:
        if self.values.get("name"):
            return str(self.values["name"])
        return self.office.name if self.office else ""

    @property
    def corporation_name(self) -> str:
        if self.new_corporation:
            return self.new_corporation.name
        return self.corporation.name if self.corporation else ""

    @property
    def action_label(self) -> str:
        return str(self.action.label)

    def add_error(self, key: str, message: str) -> None:
        column = COLUMNS_BY_KEY[key].header if key else ""
        self.errors.append(RowError(row=self.row, column=column, message=message))

    def has_error(self, key: str) -> bool:
        column = COLUMNS_BY_KEY[key].header
        return any(error.column == column for error in self.errors)


@dataclass
class RosterPlan(ImportPlan):
    code_prefix: ClassVar[str] = "roster"

    rows: list[RosterRowPlan]
    new_corporations: list[NewCorporation] = field(default_factory=list)

    @property
    def entries(self) -> list[RosterRowPlan]:
        return self.rows

    def summary(self) -> Any:
        return [
            [row.row, row.action, [[c.key, c.after] for c in row.changes], row.corporation_name]
            for row in self.rows
        ]


def roster_plan(*, association: Association, rows: Iterable[dict[str, Any]]) -> RosterPlan:
    """What importing `rows` (from `roster_read`) would do, row by row, without writing.

    Offices are matched by provider number, corporations by 法人番号, else by exact name,
    only among the association's own. Reads the association's offices and corporations
    once, whatever the number of rows.
    """
    offices = {
        office.provider_number: office
        for office in office_list().filter(association=association).order_by()
    }
    plans = [_clean_row(row) for row in rows]
    _flag_duplicate_numbers(plans)

    resolver = _CorporationResolver(Corporation.objects.filter(association=association))
    for plan in plans:
        if plan.provider_number:
            plan.office = offices.get(plan.provider_number)
    # Rows with a 法人番号 first, so rows naming the same new corporation by name alone join it.
    for plan in sorted(plans, key=lambda p: not p.values.get("corporate_number")):
        resolver.resolve(plan)

    for plan in plans:
        if plan.office is None:
            _check_create(plan)
        else:
            _find_changes(plan, plan.office)
        if plan.errors:
            plan.action = RowAction.ERROR
        elif plan.office is None:
            plan.action = RowAction.CREATE
        else:
            plan.action = RowAction.UPDATE if plan.changes else RowAction.UNCHANGED
    return RosterPlan(rows=plans, new_corporations=resolver.created)


def _clean_row(row: dict[str, Any]) -> RosterRowPlan:
    plan = RosterRowPlan(row=int(row["row"]), values={})
    for key, raw in row.items():
        if key == "row":
            continue
        text = str(raw).strip()
        if key == "provider_number":
            plan.typed_provider_number = normalize_code(text)
        try:
            plan.values[key] = _clean_value(key, text)
        except ValidationError as error:
            for message in error.messages:
                plan.add_error(key, message)
    return plan


def _clean_value(key: str, text: str) -> Any:
    if key in _MAX_LENGTHS and len(text) > _MAX_LENGTHS[key]:
        raise ValidationError(
            _("At most %(max)d characters (this has %(length)d).")
            % {"max": _MAX_LENGTHS[key], "length": len(text)}
        )
    if key == "provider_number":
        if not text:
            raise ValidationError(_("This field is required."))
        return clean_provider_number(text)
    if key == "name":
        if not text:
            raise ValidationError(_("This field is required."))
        return text
    if key == "corporate_number":
        return clean_corporate_number(text) if text else ""
    if key == "corporation_kind":
        return parse_choice(text, CORPORATION_KINDS)
    if key == "status":
        return parse_choice(text, OFFICE_STATUSES)
    if key == "service_codes":
        return _clean_service_codes(text)
    if key == "postal_code":
        return clean_postal_code(text) if text else ""
    if key == "phone":
        return clean_phone_number(text)
    if key == "email":
        return _clean_email(text)
    if key == "capacity":
        return _clean_capacity(text)
    return text


def _clean_service_codes(text: str) -> list[str]:
    codes = sorted({code.upper() for code in _SERVICE_CODE_SEPARATORS.split(nfkc(text)) if code})
    if not codes:
        raise ValidationError(_("Enter at least one service type code, such as 43 or 11、A2."))
    unknown = [code for code in codes if code not in SERVICE_TYPES_BY_CODE]
    if unknown:
        raise ValidationError(
            _("Unknown service type code: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    return codes


def _clean_email(text: str) -> str:
    email = nfkc(text).replace(" ", "")
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise ValidationError(
                _("“%(value)s” is not an email address.") % {"value": text}
            ) from error
    return email


def _clean_capacity(text: str) -> int | None:
    value = nfkc(text).removesuffix("名").removesuffix("人").replace(",", "").strip()
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{1,6}", value):
        raise ValidationError(
            _("Capacity is a whole number of people, like 29. You entered “%(value)s”.")
            % {"value": text}
        )
    return int(value)


def _flag_duplicate_numbers(plans: list[RosterRowPlan]) -> None:
    rows_of: dict[str, list[int]] = defaultdict(list)
    for plan in plans:
        if plan.provider_number:
            rows_of[plan.provider_number].append(plan.row)
    for plan in plans:
        rows = rows_of.get(plan.provider_number, [])
        if len(rows) > 1:
            others = ", ".join(str(row) for row in rows if row != plan.row)
            plan.add_error(
                "provider_number",
                _(
                    "Provider number %(number)s appears more than once in the file "
                    "(also in row %(rows)s)."
                )
                % {"number": plan.provider_number, "rows": others},
            )


class _CorporationResolver:
    """Finds each row's corporation among the association's, or plans a new one."""

    def __init__(self, corporations: Iterable[Corporation]) -> None:
        self.by_pk: dict[int, Corporation] = {}
        self.by_number: dict[str, Corporation] = {}
        self.by_name: dict[str, list[Corporation]] = defaultdict(list)
        for corporation in corporations:
            self.by_pk[corporation.pk] = corporation
            if corporation.corporate_number:
                self.by_number[corporation.corporate_number] = corporation
            self.by_name[corporation.name].append(corporation)
        self.new_by_number: dict[str, NewCorporation] = {}
        self.new_by_name: dict[str, NewCorporation] = {}
        self.created: list[NewCorporation] = []

    def resolve(self, plan: RosterRowPlan) -> None:
        if plan.has_error("corporate_number") or plan.has_error("corporation_name"):
            return
        number = str(plan.values.get("corporate_number", ""))
        name = str(plan.values.get("corporation_name", ""))
        current = self.by_pk.get(plan.office.corporation_id) if plan.office else None
        if not number and not name:
            if current is None:
                plan.add_error("corporation_name", _("This field is required."))
            plan.corporation = current
            return
        if number:
            self._resolve_by_number(plan, number, name, current)
        else:
            self._resolve_by_name(plan, name, current)

    def _resolve_by_number(
        self, plan: RosterRowPlan, number: str, name: str, current: Corporation | None
    ) -> None:
        if current is not None and current.corporate_number == number:
            plan.corporation = current
            return
        if number in self.by_number:
            plan.corporation = self.by_number[number]
            return
        # The same corporation registered without its number: the name still finds it.
        unnumbered = [c for c in self.by_name.get(name, []) if not c.corporate_number]
        if current in unnumbered:
            plan.corporation = current
            return
        if len(unnumbered) == 1:
            plan.corporation = unnumbered[0]
            return
        if len(unnumbered) > 1:
            plan.add_error("corporation_name", self._ambiguous(name))
            return
        planned = self.new_by_number.get(number)
        if planned is not None:
            if name and name != planned.name:
                plan.add_error(
                    "corporate_number",
                    _("Row %(row)d gives corporate number %(number)s to “%(name)s”.")
                    % {"row": planned.row, "number": number, "name": planned.name},
                )
                return
            plan.new_corporation = planned
            return
        plan.new_corporation = self._plan_new(plan, name, number)
        if plan.new_corporation is not None:
            self.new_by_number[number] = plan.new_corporation
            self.new_by_name.setdefault(name, plan.new_corporation)

    def _resolve_by_name(self, plan: RosterRowPlan, name: str, current: Corporation | None) -> None:
        if current is not None and current.name == name:
            plan.corporation = current
            return
        candidates = self.by_name.get(name, [])
        if len(candidates) == 1:
            plan.corporation = candidates[0]
            return
        if len(candidates) > 1:
            plan.add_error("corporation_name", self._ambiguous(name))
            return
        planned = self.new_by_name.get(name)
        if planned is None:
            planned = self._plan_new(plan, name, "")
            if planned is not None:
                self.new_by_name[name] = planned
        plan.new_corporation = planned

    def _plan_new(self, plan: RosterRowPlan, name: str, number: str) -> NewCorporation | None:
        if not name:
            plan.add_error(
                "corporation_name",
                _("Corporate number %(number)s is not registered yet; enter the corporation name.")
                % {"number": number},
            )
            return None
        if plan.has_error("corporation_kind"):
            return None
        kind = plan.values.get("corporation_kind") or _kind_from_name(name)
        if kind is None:
            plan.add_error(
                "corporation_kind",
                _("“%(name)s” is a new corporation: enter its type, one of %(choices)s.")
                % {
                    "name": name,
                    "choices": "、".join(CORPORATION_KINDS.written_words),
                },
            )
            return None
        planned = NewCorporation(
            name=name,
            kana=str(plan.values.get("corporation_kana", "")),
            kind=kind,
            corporate_number=number,
            row=plan.row,
        )
        self.created.append(planned)
        return planned

    @staticmethod
    def _ambiguous(name: str) -> str:
        return _(
            "Several corporations are called “%(name)s”; add the corporate number (法人番号) "
            "to say which."
        ) % {"name": name}


def _kind_from_name(name: str) -> str | None:
    folded = unicodedata.normalize("NFKC", name)
    for word, kind in _KIND_IN_NAME:
        if word in folded:
            return kind
    return None


def _check_create(plan: RosterRowPlan) -> None:
    """A new office needs its name and service types, not only a number."""
    for key in ("name", "service_codes"):
        if key not in plan.values and not plan.has_error(key):
            plan.add_error(key, _("This field is required to register a new office."))


_MEMBERSHIP_STATUSES = {OfficeStatus.APPROVED, OfficeStatus.SUSPENDED, OfficeStatus.WITHDRAWN}
# Office fields an import compares and changes, in the roster's column order.
_OFFICE_FIELDS = ("name", "kana", "postal_code", "address", "phone", "email", "capacity")


def _find_changes(plan: RosterRowPlan, office: Office) -> None:
    values = plan.values
    if plan.new_corporation is not None:
        plan.changes.append(
            _change("corporation_name", office.corporation.name, plan.new_corporation.name)
        )
    elif plan.corporation is not None and plan.corporation.pk != office.corporation_id:
        plan.changes.append(
            _change("corporation_name", office.corporation.name, plan.corporation.name)
        )
    for key in _OFFICE_FIELDS:
        if key in values and not _same(key, getattr(office, key), values[key]):
            plan.changes.append(_change(key, getattr(office, key), values[key]))
    if "service_codes" in values:
        before = sorted(service.service_code for service in office.services.all())
        if before != values["service_codes"]:
            plan.changes.append(
                _change("service_codes", _codes_text(before), _codes_text(values["service_codes"]))
            )
    if values.get("status") and values["status"] != office.status:
        if not {office.status, values["status"]} <= _MEMBERSHIP_STATUSES:
            # Deciding an application grants the applicant access and emails them: that is
            # office_approve/office_reject on the dashboard, not a spreadsheet cell.
            plan.add_error(
                "status",
                _(
                    "An import changes a status only between approved, suspended and "
                    "withdrawn; applications are approved or rejected on the dashboard."
                ),
            )
            return
        plan.changes.append(
            _change(
                "status", OfficeStatus(office.status).label, OfficeStatus(values["status"]).label
            )
        )


def _same(key: str, before: Any, after: Any) -> bool:
    """Stored values typed another way (06 1234 5678, 5600022) are not a change."""
    if before == after:
        return True
    if key in {"phone", "postal_code"} and before and after:
        clean = clean_phone_number if key == "phone" else clean_postal_code
        try:
            return bool(clean(str(before)) == after)
        except ValidationError:
            return False
    return False


def _change(key: str, before: Any, after: Any) -> FieldChange:
    return FieldChange(
        key="corporation" if key == "corporation_name" else key,
        column=COLUMNS_BY_KEY[key].header,
        before="" if before is None else str(before),
        after="" if after is None else str(after),
    )


def _codes_text(codes: Iterable[str]) -> str:
    return "、".join(codes)


# --- applying ------------------------------------------------------------------------------


@transaction.atomic
def roster_import_apply(
    *,
    association: Association,
    data: bytes,
    filename: str,
    user: Any,
    expected_fingerprint: str | None = None,
    progress: Progress | None = None,
) -> RosterPlan:
    """Import the file: create and update offices (and new corporations) all together.

    Plans again from the current data and refuses, saving nothing, when any row has an error
    or, given the `expected_fingerprint` of the preview, when the plan is no longer the one
    the officer saw. Re-importing the same file changes nothing. `progress(done, total)`
    hears how many rows are done.
    """
    plan = roster_plan(association=association, rows=roster_read(data=data, filename=filename))
    plan.refuse_unless_applicable(
        expected_fingerprint=expected_fingerprint,
        stale=_(
            "The offices changed since the preview was made. Check the new preview "
            "and import again."
        ),
    )

    created: dict[int, Corporation] = {}

    def corporation_of(row: RosterRowPlan) -> Corporation | None:
        planned = row.new_corporation
        if planned is None:
            return row.corporation
        if id(planned) not in created:
            created[id(planned)] = corporation_create(
                association=association,
                name=planned.name,
                kana=planned.kana,
                kind=planned.kind,
                corporate_number=planned.corporate_number,
            )
        return created[id(planned)]

    for done, row in enumerate(plan.rows, start=1):
        report_progress(progress, done - 1, len(plan.rows))
        if row.action not in CHANGING:
            continue
        try:
            corporation = corporation_of(row)
            if row.action == RowAction.CREATE and corporation is not None:
                _office_create(association, row, corporation)
            elif row.action == RowAction.UPDATE and row.office is not None:
                office_update(office=row.office, changes=_office_changes(row, corporation))
            else:  # the plan gives every new office a corporation and every update its office
                raise RuntimeError(f"row {row.row} was planned inconsistently")
        except ValidationError as error:
            # Something changed under us (another import, a registration): report, save nothing.
            raise ValidationError(
                [
                    RowError(row.row, _column_of(key), message).text
                    for key, messages in _messages_by_field(error)
                    for message in messages
                ],
                code="roster_row_errors",
            ) from error
    report_progress(progress, len(plan.rows), len(plan.rows))
    logger.info(
        "roster imported",
        extra={"association": association.pk, "user": getattr(user, "pk", None), **plan.counts},
    )
    return plan


def _office_create(
    association: Association, row: RosterRowPlan, corporation: Corporation
) -> Office:
    values = row.values
    return office_create(
        association=association,
        corporation=corporation,
        name=values["name"],
        provider_number=values["provider_number"],
        service_codes=values["service_codes"],
        kana=values.get("kana", ""),
        postal_code=values.get("postal_code", ""),
        address=values.get("address", ""),
        phone=values.get("phone", ""),
        email=values.get("email", ""),
        capacity=values.get("capacity"),
        status=OfficeStatus(values.get("status") or DEFAULT_STATUS),
    )


def _office_changes(row: RosterRowPlan, corporation: Corporation | None) -> OfficeChanges:
    changes: OfficeChanges = {}
    for change in row.changes:
        if change.key == "corporation":
            if corporation is not None:
                changes["corporation"] = corporation
        elif change.key == "status":
            changes["status"] = OfficeStatus(row.values["status"])
        else:
            changes[change.key] = row.values[change.key]  # type: ignore[literal-required]
    return changes


def _messages_by_field(error: ValidationError) -> list[tuple[str, list[str]]]:
    if hasattr(error, "error_dict"):
        return list(error.message_dict.items())
    return [("", error.messages)]


def _column_of(key: str) -> str:
    key = "corporation_name" if key == "corporation" else key
    return COLUMNS_BY_KEY[key].header if key in COLUMNS_BY_KEY else ""


# --- exporting -----------------------------------------------------------------------------


def roster_export(*, fmt: Literal["csv", "xlsx"]) -> bytes:
    """The scope's offices with the roster's columns: CSV (UTF-8 with BOM, for Excel) or XLSX."""
    rows = [_export_row(office) for office in office_list().order_by("provider_number")]
    headers = [column.header for column in ROSTER_COLUMNS]
    if fmt == "csv":
        return csv_bytes(headers, rows)
    if fmt == "xlsx":
        wide = {"corporation_name", "name", "address", "email"}
        widths = [30 if column.key in wide else 16 for column in ROSTER_COLUMNS]
        return xlsx_bytes(headers, rows, sheet_title="名簿", widths=widths)
    raise ValueError(f"unknown roster format {fmt!r}")


def _export_row(office: Office) -> list[str | int]:
    corporation = office.corporation
    values: dict[str, str | int] = {
        "corporation_name": corporation.name,
        "corporation_kana": corporation.kana,
        "corporation_kind": CORPORATION_KINDS.written(corporation.kind),
        "corporate_number": corporation.corporate_number,
        "name": office.name,
        "kana": office.kana,
        "provider_number": office.provider_number,
        "service_codes": _codes_text(sorted(s.service_code for s in office.services.all())),
        "postal_code": office.postal_code,
        "address": office.address,
        "phone": office.phone,
        "email": office.email,
        "capacity": "" if office.capacity is None else office.capacity,
        "status": OFFICE_STATUSES.written(office.status),
    }
    return [values[column.key] for column in ROSTER_COLUMNS]


# --- the import pages and job --------------------------------------------------------------


class RosterImporter(Importer):
    """The roster for the generic import pages and background job (association)."""

    kind = "roster"
    code_prefix = "roster"
    columns = ROSTER_COLUMNS
    required = ("provider_number",)
    max_rows = MAX_ROWS
    zero_pad = _ZERO_PADDED

    def plan(
        self, *, association: Any, rows: list[dict[str, Any]], context: Mapping[str, Any]
    ) -> RosterPlan:
        return roster_plan(association=association, rows=rows)

    def apply(self, run: ImportRun) -> RosterPlan:
        return roster_import_apply(
            association=run.association,
            data=run.data,
            filename=run.filename,
            user=run.user,
            expected_fingerprint=run.options["fingerprint"],
            progress=run.progress,
        )
