"""Which services offices run, how many people work there, and where hires come from."""

from __future__ import annotations

# (main service, extra services offered under the same number, weight): roughly the mix of a
# large city's membership, where care planning and home help dominate.
OFFICE_MIX = [
    ("43", ["46"], 24),
    ("11", ["A2"], 22),
    ("13", [], 9),
    ("15", ["A6"], 9),
    ("78", ["A6"], 8),
    ("17", [], 5),
    ("32", [], 4),
    ("51", ["21"], 3),
    ("33", [], 3),
    ("16", [], 2),
    ("73", [], 2),
    ("52", ["22"], 1),
    ("12", [], 1),
    ("14", [], 1),
    ("72", [], 1),
    ("21", [], 1),
    ("76", [], 1),
]
# Community-based services carry office class 9 in position 3 of the provider number.
COMMUNITY_BASED = {"78", "32", "54", "36", "71", "72", "73", "76", "77"}
# Staff of an office by its main service: (job category, employment type) -> headcount range.
_DAY_CARE = {
    ("care_worker", "regular"): (4, 10),
    ("care_worker", "non_regular"): (4, 12),
    ("nurse", "non_regular"): (1, 3),
    ("counselor", "regular"): (1, 2),
    ("other", "non_regular"): (1, 3),
}
_RESIDENTIAL = {
    ("care_worker", "regular"): (25, 50),
    ("care_worker", "non_regular"): (10, 25),
    ("nurse", "regular"): (4, 8),
    ("nurse", "non_regular"): (1, 4),
    ("counselor", "regular"): (1, 3),
    ("care_manager", "regular"): (1, 2),
    ("other", "regular"): (3, 8),
    ("other", "non_regular"): (3, 8),
}
_GROUP_HOME = {
    ("care_worker", "regular"): (6, 12),
    ("care_worker", "non_regular"): (4, 10),
    ("care_manager", "regular"): (1, 1),
    ("other", "non_regular"): (0, 2),
}
_HOME_HELP = {
    ("home_helper", "regular"): (3, 8),
    ("home_helper", "non_regular"): (8, 30),
    ("other", "regular"): (0, 1),
}
STAFF_PROFILES: dict[str, dict[tuple[str, str], tuple[int, int]]] = {
    "43": {
        ("care_manager", "regular"): (2, 6),
        ("care_manager", "non_regular"): (0, 2),
        ("other", "non_regular"): (0, 1),
    },
    "11": _HOME_HELP,
    "76": _HOME_HELP,
    "13": {
        ("nurse", "regular"): (4, 10),
        ("nurse", "non_regular"): (1, 5),
        ("other", "non_regular"): (0, 2),
    },
    "15": _DAY_CARE,
    "78": _DAY_CARE,
    "72": _DAY_CARE,
    "16": _DAY_CARE,
    "32": _GROUP_HOME,
    "73": _GROUP_HOME,
    "51": _RESIDENTIAL,
    "52": _RESIDENTIAL,
    "33": _RESIDENTIAL,
    "21": _RESIDENTIAL,
    "12": {("care_worker", "non_regular"): (2, 6), ("nurse", "non_regular"): (1, 3)},
    "14": {("other", "regular"): (2, 5), ("other", "non_regular"): (0, 2)},
    "17": {("other", "regular"): (2, 5), ("other", "non_regular"): (0, 2)},
}
# Where hires come from (weights), roughly as associations report it.
CHANNEL_WEIGHTS = {
    "hires_hello_work": 30,
    "hires_agency": 20,
    "hires_referral": 20,
    "hires_association_posting": 8,
    "hires_job_fair": 5,
    "hires_other": 17,
}
