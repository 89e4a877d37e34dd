"""The association's year: venues, study-session topics, what fair booths hire for, and the
festival's programme."""

from __future__ import annotations

from typing import Any

VENUES: dict[str, dict[str, Any]] = {
    "hall": {
        "name": "豊中市立文化芸術センター",
        "kana": "とよなかしりつぶんかげいじゅつせんたー",
        "area": "曽根",
        "postal_code": "561-0802",
        "address": "大阪府豊中市曽根東町3丁目7-2",
        "access_notes": "阪急宝塚線「曽根」駅から東へ徒歩5分。",
        "step_free": True,
        "accessible_toilet": True,
        "parking": True,
        "accessibility_notes": "車いすの貸し出しがあります。駐車場に障害者用区画があります。",
        "map_url": "https://www.openstreetmap.org/search?query=豊中市立文化芸術センター",
    },
    "shotengai": {
        "name": "岡町・桜塚商店街",
        "kana": "おかまち・さくらづかしょうてんがい",
        "area": "岡町",
        "postal_code": "561-0884",
        "address": "大阪府豊中市岡町北1丁目",
        "access_notes": "阪急宝塚線「岡町」駅から西へすぐ。アーケードの中です。",
        "step_free": True,
        "accessible_toilet": False,
        "parking": False,
        "accessibility_notes": (
            "屋根のある通りで、段差はありません。多目的トイレは近くの公共施設をご利用ください。"
        ),
        "map_url": "https://www.openstreetmap.org/search?query=岡町商店街",
    },
    "kyosei": {
        "name": "地域共生センター",
        "kana": "ちいききょうせいせんたー",
        "area": "岡町",
        "postal_code": "561-0881",
        "address": "大阪府豊中市中桜塚2丁目",
        "access_notes": "阪急宝塚線「岡町」駅から南西へ徒歩8分。",
        "step_free": True,
        "accessible_toilet": True,
        "parking": False,
        "accessibility_notes": "エレベーターがあります。",
    },
    "library": {
        "name": "岡町図書館 集会室",
        "kana": "おかまちとしょかん しゅうかいしつ",
        "area": "岡町",
        "postal_code": "561-0884",
        "address": "大阪府豊中市岡町北3丁目",
        "access_notes": "阪急宝塚線「岡町」駅から徒歩3分。",
        "step_free": False,
        "accessible_toilet": True,
        "parking": False,
        "accessibility_notes": "集会室は2階です（階段のみ）。",
    },
}
STUDY_TOPICS = [
    ("職員の定着と育成", "しょくいんのていちゃくとりくせい"),
    ("認知症ケアの基本", "にんちしょうけあのきほん"),
    ("感染症対策", "かんせんしょうたいさく"),
    ("看取りと多職種連携", "みとりとたしょくしゅれんけい"),
    ("ハラスメント対策", "はらすめんとたいさく"),
    ("介護記録とICT", "かいごきろくとあいしーてぃー"),
]
HIRING_FOR = [
    "介護職員（正職員・パート）",
    "訪問介護員（登録ヘルパー）",
    "看護職員",
    "介護支援専門員",
    "生活相談員",
    "介護職員（未経験可・資格取得支援あり）",
]
# (title, kana, venue, start hour, end hour, capacity or None, description)
FESTIVAL_PROGRAMME: list[tuple[str, str, str, int, int, int | None, str]] = [
    (
        "オープニングステージ",
        "おーぷにんぐすてーじ",
        "hall",
        10,
        11,
        None,
        "開会のごあいさつと演奏。",
    ),
    (
        "介護の仕事 相談コーナー",
        "かいごのしごと そうだんこーなー",
        "hall",
        11,
        15,
        None,
        "就職・転職の相談。",
    ),
    (
        "車いす・福祉用具 体験",
        "くるまいす・ふくしようぐ たいけん",
        "shotengai",
        10,
        16,
        None,
        "商店街で車いすや福祉用具を体験できます。",
    ),
    (
        "介護食の試食会",
        "かいごしょくのししょくかい",
        "shotengai",
        12,
        13,
        30,
        "やわらかく食べやすい介護食の試食。申込制です。",
    ),
    (
        "認知症サポーター養成講座",
        "にんちしょうさぽーたーようせいこうざ",
        "kyosei",
        13,
        15,
        40,
        "受講された方にオレンジリングをお渡しします。申込制です。",
    ),
    (
        "介護予防体操",
        "かいごよぼうたいそう",
        "kyosei",
        10,
        11,
        25,
        "椅子に座ってできる体操です。申込制です。",
    ),
    (
        "介護保険の相談会",
        "かいごほけんのそうだんかい",
        "library",
        13,
        16,
        None,
        "ケアマネジャーが相談に応じます。",
    ),
]


STUDY_SESSION = {
    "summary": "会員事業所の職員向けの勉強会です。",
    "description": "<p>{topic}について、会員事業所の実践例を交えて学びます。</p>",
}
JOB_FAIR = {
    "summary": "市内の介護事業所が一堂に会する就職・転職の相談会です。",
    "description": (
        "<p>市内の介護保険サービス事業所が出展します。"
        "資格のない方、ブランクのある方も歓迎です。</p>"
        "<ul><li>履歴書不要</li><li>入退場自由</li></ul>"
        '<p><a href="https://www.openstreetmap.org/search?query=豊中市立文化芸術センター">'
        "会場の地図</a></p>"
    ),
}
FESTIVAL = {
    "summary": "介護と福祉を、まちなかで体験するお祭りです。どなたでもご参加いただけます。",
    "description": (
        "<p>商店街、公共施設、地域共生センターの会場で、介護の体験や相談、"
        "ステージを同時に開催します。</p>"
    ),
}
SUBCOMMITTEE_MEETINGS = {
    "place": "豊中市立文化芸術センター 会議室",
    "agenda": "1. 各事業所の人材確保の状況\n2. 次回の合同研修について",
    "minutes": "人材確保の状況を共有し、合同研修の日程案を確認した。",
    "online_url": "https://meet.example/renkei-demo",
    "study_agenda": "介護職員の定着に向けた取り組み事例の紹介",
    "notice_body": "次回の勉強会はオンラインで開催します。ご参加をお待ちしています。",
}
