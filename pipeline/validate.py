"""Validate: plausibility checks on extracted facts, with the bounds as data.

``check_facts(facts)`` keeps the facts whose value is a finite number inside the bounds of its
metric (``pipeline/resources/plausibility.json``) and drops the others, each with a reason:

- ``non_finite_value``  NaN or infinity (the numeral parser never yields one: a backstop);
- ``implausible_value`` outside [min, max] of the metric, e.g. 99999999999999亿元 frozen.

Dropped rather than flagged: an absurd figure is a typo, an OCR error or a hostile page, and a
kept one would swamp every sum. Nothing disappears silently: the reasons go to the article's
``dropped_facts`` column and the build summary counts them.

>>> from pipeline.model import Fact
>>> kept, dropped = check_facts([Fact("funds_frozen", 3e6, "元", figure="冻结资金300万元"),
...                              Fact("funds_frozen", 1e22, "元", figure="冻结资金99999999999999亿元")])
>>> [f.value for f in kept]
[3000000.0]
>>> dropped
['implausible_value: funds_frozen 1e+22 > 1e+12 (冻结资金99999999999999亿元)']
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

from .model import Fact

_RESOURCE = Path(__file__).parent / "resources" / "plausibility.json"
_FIGURE_CHARS = 60   # a dropped fact's figure text is quoted up to this length in its reason


@lru_cache(maxsize=1)
def bounds() -> dict[str, tuple[float, float]]:
    """metric -> (min, max), plus the defaults under ``"*money"``, ``"*count"``, ``"*percent"``."""
    data = json.loads(_RESOURCE.read_text(encoding="utf-8"))
    out = {f"*{kind}": (float(b["min"]), float(b["max"])) for kind, b in data["defaults"].items()}
    out.update({m: (float(b["min"]), float(b["max"])) for m, b in data["metrics"].items()})
    return out


def bound_of(fact: Fact) -> tuple[float, float]:
    """The bounds of the fact's metric, else of its kind (money, percent or count)."""
    b = bounds()
    if fact.metric in b:
        return b[fact.metric]
    kind = "money" if fact.currency else "percent" if fact.unit == "%" else "count"
    return b[f"*{kind}"]


def problem(fact: Fact) -> str | None:
    """Why the fact's value cannot be right, or None if it is plausible."""
    v = fact.value
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        return f"non_finite_value: {fact.metric} {v!r}"
    lo, hi = bound_of(fact)
    if v > hi:
        return f"implausible_value: {fact.metric} {v:g} > {hi:g}"
    if v < lo:
        return f"implausible_value: {fact.metric} {v:g} < {lo:g}"
    return None


def check_facts(facts: list[Fact]) -> tuple[list[Fact], list[str]]:
    """(kept facts, reasons of the dropped ones), order kept. Pure: does not change ``facts``."""
    kept, dropped = [], []
    for f in facts:
        why = problem(f)
        if why is None:
            kept.append(f)
        else:
            fig = " ".join(f.figure.split())[:_FIGURE_CHARS]
            dropped.append(f"{why} ({fig})" if fig else why)
    return kept, dropped


def reason_kind(reason: str) -> str:
    """``implausible_value`` of ``"implausible_value: funds_frozen 1e+22 > 1e+12 (...)"``."""
    return reason.split(":", 1)[0]
