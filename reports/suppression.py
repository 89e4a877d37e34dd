"""Which figures of a month's reports the city may see: primary and complementary suppression.

Pure arithmetic over a *basis* (built by reports/content.py from the month's figures): every
quantity the reports show or imply, with its value and the number of offices it is built from,
and how the quantities hang together:

- ``sums``: ``total = part + part + …`` (a row's 計, the association over its 部会 plus a
  residual for offices in no or several 部会, hires over their channels …);
- ``rates``: ``rate = 100 × numerator ÷ denominator``. A published rate with its numerator or
  denominator known gives the other (up to rounding, which is no protection for small counts),
  so a published rate is the linear equation ``100·numerator − rate·denominator = 0``. The
  numerators and denominators of rates (hires, separations and headcounts of the offices that
  filed every month of the window) are never published themselves.

`suppression_pattern` hides every quantity built from 1 … threshold−1 offices (primary), then
audits what the city could work out: exact rational Gaussian elimination of every equation
whose terms are not all published, restricted to the unknowns. A hidden quantity is recoverable
iff its unit vector lies in the row space; a hidden rate iff its numerator and denominator both
are. A hidden count is also exposed when a published (or recoverable) total of 0 pins it to 0
(counts are never negative). For each exposure, the smallest published figure of the equations
that expose it is hidden too (complementary suppression), and the audit runs again until no
hidden figure, and no small unpublished residual, can be worked out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

logger = logging.getLogger(__name__)

Equation = dict[str, Fraction]


def fraction(value: Any) -> Fraction | None:
    """A stored figure (int, decimal string) as an exact fraction; None when it has none."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Fraction(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


@dataclass
class Basis:
    """Quantities and their relations, read from a content's ``disclosure`` block."""

    values: dict[str, Fraction] = field(default_factory=dict)
    offices: dict[str, int] = field(default_factory=dict)
    displayed: set[str] = field(default_factory=set)
    public: set[str] = field(default_factory=set)
    signed: set[str] = field(default_factory=set)  # may be negative (residuals)
    exempt: set[str] = field(default_factory=set)  # never sensitive (headcounts of rates)
    sums: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    rates: list[tuple[str, str, str]] = field(default_factory=list)

    @classmethod
    def from_data(cls, data: Any) -> Basis | None:
        if not isinstance(data, dict) or not isinstance(data.get("quantities"), dict):
            return None
        basis = cls()
        for key, raw in data["quantities"].items():
            value, offices, flags = raw
            basis.values[key] = fraction(value) or Fraction(0)
            basis.offices[key] = int(offices or 0)
            if "d" in flags:
                basis.displayed.add(key)
            if "p" in flags or ("d" in flags and not basis.offices[key]):
                basis.public.add(key)  # shown "—": no office, known to be nothing
            if "s" in flags:
                basis.signed.add(key)
            if "x" in flags:
                basis.exempt.add(key)
        basis.sums = [(total, tuple(parts)) for total, parts in data.get("sums", [])]
        basis.rates = [(rate, num, den) for rate, num, den in data.get("rates", [])]
        return basis

    def small(self, key: str, threshold: int) -> bool:
        return (
            key not in self.public
            and key not in self.exempt
            and 0 < self.offices.get(key, 0) < threshold
        )


@dataclass
class _Row:
    terms: Equation
    sources: set[int]


class Reduction:
    """Sparse reduced row echelon form of equations over `unknowns`, each row remembering which
    equations it was combined from."""

    def __init__(self, equations: list[Equation], unknowns: set[str]) -> None:
        self.rows: dict[str, _Row] = {}  # pivot column -> row (pivot coefficient 1)
        self.occurs: dict[str, set[str]] = {}  # column -> pivots of the rows using it
        for index, equation in enumerate(equations):
            terms = {k: c for k, c in equation.items() if c and k in unknowns}
            if terms:
                self._add(_Row(terms, {index}))

    def _use(self, pivot: str, row: _Row) -> None:
        for column in row.terms:
            self.occurs.setdefault(column, set()).add(pivot)

    def _drop(self, pivot: str, row: _Row) -> None:
        for column in row.terms:
            self.occurs[column].discard(pivot)

    def _add(self, row: _Row) -> None:
        for column in [c for c in row.terms if c in self.rows]:
            factor = row.terms.get(column)
            if not factor:
                continue
            other = self.rows[column]
            for key, coefficient in other.terms.items():
                value = row.terms.get(key, Fraction(0)) - factor * coefficient
                if value:
                    row.terms[key] = value
                else:
                    row.terms.pop(key, None)
            row.sources |= other.sources
        if not row.terms:
            return
        pivot = min(row.terms)
        scale = row.terms[pivot]
        row.terms = {k: c / scale for k, c in row.terms.items()}
        for other_pivot in list(self.occurs.get(pivot, ())):
            other = self.rows[other_pivot]
            factor = other.terms.get(pivot)
            if not factor:
                continue
            self._drop(other_pivot, other)
            for key, coefficient in row.terms.items():
                value = other.terms.get(key, Fraction(0)) - factor * coefficient
                if value:
                    other.terms[key] = value
                else:
                    other.terms.pop(key, None)
            other.sources |= row.sources
            self._use(other_pivot, other)
        self.rows[pivot] = row
        self._use(pivot, row)

    def determined(self, key: str) -> set[int] | None:
        """The equations that pin `key` to one value, or None when it is free."""
        row = self.rows.get(key)
        if row is not None and len(row.terms) == 1:
            return row.sources
        return None


@dataclass
class Exposure:
    key: str
    sources: set[int]  # equations behind it
    root: str | None = None  # for a count pinned to 0: the zero total that pins it


def equations_of(
    basis: Basis, published: dict[str, Fraction], hidden: set[str]
) -> tuple[list[Equation], list[str | None]]:
    """The linear equations the city can write down: every sum, and every published rate.
    Second list: for each equation, the rate it comes from (None for a sum)."""
    equations: list[Equation] = []
    origin: list[str | None] = []
    for total, parts in basis.sums:
        equation: Equation = {total: Fraction(1)}
        for part in parts:
            equation[part] = equation.get(part, Fraction(0)) - 1
        equations.append(equation)
        origin.append(None)
    for rate, numerator, denominator in basis.rates:
        value = published.get(rate)
        if rate in hidden or value is None:
            continue
        equation = {numerator: Fraction(100)}
        equation[denominator] = equation.get(denominator, Fraction(0)) - value
        equations.append(equation)
        origin.append(rate)
    return equations, origin


def audit(
    basis: Basis, hidden: set[str], protect: Iterable[str]
) -> tuple[list[Exposure], Reduction, list[Equation], list[str | None]]:
    """What of `protect` the city can work out when `hidden` is not shown."""
    published = {key: basis.values[key] for key in basis.displayed if key not in hidden}
    unknowns = set(basis.values) - set(published)
    equations, origin = equations_of(basis, published, hidden)
    reduction = Reduction(equations, unknowns)
    rate_parts = {rate: (num, den) for rate, num, den in basis.rates}
    exposures: list[Exposure] = []
    protect = sorted(set(protect))
    for key in protect:
        if key in rate_parts:
            numerator, denominator = rate_parts[key]
            known_num = set() if numerator in published else reduction.determined(numerator)
            known_den = set() if denominator in published else reduction.determined(denominator)
            if known_num is not None and known_den is not None:
                exposures.append(Exposure(key, known_num | known_den))
            continue
        sources = reduction.determined(key)
        if sources is not None:
            exposures.append(Exposure(key, sources))
    # Non-negative counts: a total known to be 0 makes every part 0.
    zero: dict[str, str | None] = {
        key: None
        for key in basis.values
        if basis.values[key] == 0
        and key not in basis.signed
        and (key in published or reduction.determined(key) is not None)
    }
    changed = True
    while changed:
        changed = False
        for total, parts in basis.sums:
            if total in zero and not any(p in basis.signed for p in parts):
                for part in parts:
                    if part not in zero:
                        zero[part] = total
                        changed = True
    exposed = {e.key for e in exposures}
    for key in protect:
        if key in zero and zero[key] is not None and key not in exposed:
            root = key
            while zero.get(root) is not None:
                root = zero[root]  # type: ignore[assignment]
            exposures.append(Exposure(key, set(), root=root))
    return exposures, reduction, equations, origin


def _cost(basis: Basis, key: str, rate_parts: dict[str, tuple[str, str]]) -> tuple[Any, ...]:
    if key in rate_parts:  # hiding a rate: as costly as the count it would give away
        return (1, basis.values.get(rate_parts[key][0], Fraction(0)), key)
    return (0, basis.values.get(key, Fraction(0)), key)


def suppression_pattern(basis: Basis, *, threshold: int, rounds: int = 500) -> set[str]:
    """The displayed quantities to hide: primary (small) ones and enough complementary ones
    that no hidden one, and no small unpublished residual, can be worked out."""
    hidden = {key for key in basis.displayed if basis.small(key, threshold)}
    sensitive = {
        key for key in basis.values if key not in basis.displayed and basis.small(key, threshold)
    }
    extra: set[str] = set()
    rate_parts = {rate: (num, den) for rate, num, den in basis.rates}
    for _round in range(rounds):
        exposures, _reduction, equations, origin = audit(basis, hidden, hidden | sensitive | extra)
        if not exposures:
            return hidden
        newly: set[str] = set()
        grew = False
        for exposure in exposures:
            if exposure.root is not None:
                if exposure.root in basis.displayed and exposure.root not in hidden:
                    newly.add(exposure.root)
                elif exposure.root not in extra:
                    extra.add(exposure.root)  # a hidden zero total: keep it unknown too
                    grew = True
                continue
            candidates: set[str] = set()
            for index in exposure.sources:
                candidates.update(equations[index])
                rate = origin[index]
                if rate is not None:
                    candidates.add(rate)
            candidates = {
                c
                for c in candidates
                if c in basis.displayed and c not in hidden and c not in basis.public
            }
            if candidates & newly:
                continue  # this round already hides one of them
            if candidates:
                newly.add(min(candidates, key=lambda c: _cost(basis, c, rate_parts)))
        if not newly and not grew:
            break
        hidden |= newly
    # Could not be made safe by hiding single figures (should not happen): hide every
    # non-public figure rather than publish something that can be worked out.
    logger.warning("complementary suppression fell back to hiding every figure")
    return {key for key in basis.displayed if key not in basis.public}
