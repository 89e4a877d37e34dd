"""Postings and applications for tests, made through the services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from members.models import Office
from recruitment.models import JobApplication, JobPosting
from recruitment.services import application_submit, posting_publish, posting_save


def posting_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "介護職員（正社員）",
        "job_category": "care_worker",
        "employment_type": "regular",
        "working_style": "full_time",
        "pay_kind": "monthly",
        "pay_min": 220_000,
        "pay_max": 260_000,
        "allowances": "処遇改善手当 月15,000円",
        "working_hours": "8:30〜17:30（休憩60分）",
        "shifts": ["day", "night"],
        "work_days": "シフト制・週休2日",
        "holidays_per_year": 110,
        "qualifications_required": ["shoninsha"],
        "qualifications_welcome": ["kaigo_fukushishi"],
        "welcome_tags": ["no_experience", "car_commute"],
        "smoking_measure": "premises",
        "area": "中央町",
        "nearest_station": "中央駅",
        "description": "<p>利用者さんの笑顔を支える仕事です。</p>",
        "expires_on": timezone.localdate() + timedelta(days=60),
    }
    fields.update(changes)
    return fields


def make_posting(
    office: Office, *, publish: bool = True, by: Any = None, **changes: Any
) -> JobPosting:
    posting = posting_save(office=office, by=by, **posting_fields(**changes))
    if publish:
        posting_publish(posting=posting, by=by)
    return posting


def apply(posting: JobPosting, **changes: Any) -> tuple[JobApplication, str]:
    fields: dict[str, Any] = {
        "name": "山田 花子",
        "kana": "ヤマダ ハナコ",
        "email": "hanako@example.com",
        "phone": "",
        "age_band": "30s",
        "qualifications": ["shoninsha"],
        "preferred_start": "来月から",
        "message": "見学を希望します。",
        "consent": True,
        "base_url": "http://alpha.test",
    }
    fields.update(changes)
    return application_submit(posting=posting, **fields)


def month_of(day: date) -> date:
    return day.replace(day=1)
