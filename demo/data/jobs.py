"""What the demo's job postings are made of: titles and pay by job, and the words job seekers
write. Pay follows what care offices in Osaka advertise (monthly 月給 for regular staff,
hourly 時給 for part-timers)."""

from __future__ import annotations

# job category → (title, monthly pay range in yen, hourly pay range in yen)
JOBS: dict[str, tuple[str, tuple[int, int], tuple[int, int]]] = {
    "care_worker": ("介護職員", (205_000, 265_000), (1_150, 1_400)),
    "home_helper": ("訪問介護員（ホームヘルパー）", (210_000, 260_000), (1_300, 1_800)),
    "care_manager": ("介護支援専門員（ケアマネジャー）", (250_000, 310_000), (1_600, 2_000)),
    "nurse": ("看護職員", (270_000, 340_000), (1_700, 2_200)),
    "counselor": ("生活相談員", (220_000, 270_000), (1_250, 1_500)),
    "other": ("調理・送迎スタッフ", (190_000, 230_000), (1_100, 1_250)),
}
# How often each job is posted (care workers and home helpers are what offices lack most).
JOB_WEIGHTS = {
    "care_worker": 45,
    "home_helper": 20,
    "care_manager": 10,
    "nurse": 12,
    "counselor": 8,
    "other": 5,
}
QUALIFICATIONS_FOR = {
    "care_worker": (["none"], ["shoninsha", "jitsumusha", "kaigo_fukushishi"]),
    "home_helper": (["shoninsha"], ["jitsumusha", "kaigo_fukushishi"]),
    "care_manager": (["care_manager"], []),
    "nurse": (["nurse"], []),
    "counselor": (["kaigo_fukushishi"], ["care_manager"]),
    "other": (["none"], []),
}
WELCOME_TAGS = [
    "no_experience",
    "qualification_support",
    "seniors",
    "foreign_nationals",
    "car_commute",
    "childcare",
    "returners",
]
ALLOWANCES = [
    "処遇改善手当 月15,000円、資格手当 月5,000〜15,000円、通勤手当（上限月30,000円）",
    "夜勤手当 1回6,000円、処遇改善手当、賞与年2回（昨年度実績3.0か月）",
    "資格手当、通勤手当（全額）、住宅手当 月10,000円",
    "処遇改善加算による手当、皆勤手当 月5,000円",
]
HOURS = [
    ("8:30〜17:30（休憩60分）", ["day"]),
    ("7:00〜16:00／10:00〜19:00／16:30〜翌9:30（シフト制）", ["early", "late", "night"]),
    ("9:00〜18:00（休憩60分）、土日祝休み", ["day"]),
    ("9:00〜13:00、週3日から相談可", ["day"]),
]
DESCRIPTIONS = [
    "<p>地域の高齢者の暮らしを支えるお仕事です。先輩職員が一人ひとりに付いて教えますので、"
    "初めての方も安心して始められます。</p>",
    "<p>利用者さんの「できること」を大切にするケアを続けています。"
    "研修費用は事業所が負担し、資格取得を応援します。</p>",
    "<p>子育て中の職員も多く、急なお休みにも助け合える職場です。見学だけでもお気軽にどうぞ。</p>",
]
# Job seekers: family names, given names (with kana), what they write.
FAMILY = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山口", "ヤマグチ"),
]
GIVEN = [
    ("美咲", "ミサキ"),
    ("健太", "ケンタ"),
    ("由美", "ユミ"),
    ("大輔", "ダイスケ"),
    ("陽子", "ヨウコ"),
    ("翔", "ショウ"),
    ("恵子", "ケイコ"),
    ("直樹", "ナオキ"),
]
MESSAGES = [
    "未経験ですが、祖母の介護をきっかけに興味を持ちました。見学を希望します。",
    "子育てが落ち着いたので、平日の日中に働ける職場を探しています。",
    "初任者研修を修了しています。夜勤にも入れます。",
    "",
]
STARTS = ["すぐにでも", "来月から", "3か月以内", "相談したい"]
