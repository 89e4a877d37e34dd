"""サービス種類コード used in care-insurance billing, and the default 部会 of each.

The subcommittee column is a sensible default (shared/reference/domain.md); each association
edits its own mapping (subcommittees.ServiceTypeMapping).
"""

from __future__ import annotations

from typing import NamedTuple


class ServiceType(NamedTuple):
    code: str
    name: str
    default_subcommittee: str | None  # SubcommitteeKind value


KYOTAKU, TSUSHO, HOUMON, NYUSHO = "kyotaku", "tsusho", "houmon", "nyusho"

SERVICE_TYPES: tuple[ServiceType, ...] = (
    ServiceType("43", "居宅介護支援", KYOTAKU),
    ServiceType("46", "介護予防支援", KYOTAKU),
    ServiceType("11", "訪問介護", HOUMON),
    ServiceType("12", "訪問入浴介護", HOUMON),
    ServiceType("13", "訪問看護", HOUMON),
    ServiceType("14", "訪問リハビリテーション", HOUMON),
    ServiceType("71", "夜間対応型訪問介護", HOUMON),
    ServiceType("76", "定期巡回・随時対応型訪問介護看護", HOUMON),
    ServiceType("A1", "総合事業 訪問型サービス（独自）", HOUMON),
    ServiceType("A2", "総合事業 訪問型サービス（独自／定率）", HOUMON),
    ServiceType("A3", "総合事業 訪問型サービス（独自／定額）", HOUMON),
    ServiceType("A4", "総合事業 訪問型サービス（その他）", HOUMON),
    ServiceType("15", "通所介護", TSUSHO),
    ServiceType("16", "通所リハビリテーション", TSUSHO),
    ServiceType("72", "認知症対応型通所介護", TSUSHO),
    ServiceType("78", "地域密着型通所介護", TSUSHO),
    ServiceType("73", "小規模多機能型居宅介護", TSUSHO),
    ServiceType("77", "看護小規模多機能型居宅介護", TSUSHO),
    ServiceType("A5", "総合事業 通所型サービス（独自）", TSUSHO),
    ServiceType("A6", "総合事業 通所型サービス（独自／定率）", TSUSHO),
    ServiceType("A7", "総合事業 通所型サービス（独自／定額）", TSUSHO),
    ServiceType("A8", "総合事業 通所型サービス（その他）", TSUSHO),
    ServiceType("21", "短期入所生活介護", NYUSHO),
    ServiceType("22", "短期入所療養介護（老健）", NYUSHO),
    ServiceType("23", "短期入所療養介護（病院等）", NYUSHO),
    ServiceType("2A", "短期入所療養介護（介護医療院）", NYUSHO),
    ServiceType("32", "認知症対応型共同生活介護", NYUSHO),
    ServiceType("33", "特定施設入居者生活介護", NYUSHO),
    ServiceType("36", "地域密着型特定施設入居者生活介護", NYUSHO),
    ServiceType("51", "介護老人福祉施設", NYUSHO),
    ServiceType("52", "介護老人保健施設", NYUSHO),
    ServiceType("54", "地域密着型介護老人福祉施設", NYUSHO),
    ServiceType("55", "介護医療院", NYUSHO),
    ServiceType("17", "福祉用具貸与", None),
    ServiceType("31", "居宅療養管理指導", None),
)

SERVICE_TYPES_BY_CODE = {service.code: service for service in SERVICE_TYPES}
SERVICE_CODE_CHOICES = [(s.code, f"{s.code} {s.name}") for s in SERVICE_TYPES]
