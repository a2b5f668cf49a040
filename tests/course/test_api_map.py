"""The table in chapter 05 that maps lifetimes' and pymc-marketing's names to ours must not rot:
every name in its `helpers` column resolves in the package (with the keyword arguments it
shows), and every lifetimes name resolves in lifetimes when it is installed (the bench extra)."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

import helpers
import helpers.clv as clv

CHAPTER = Path(__file__).resolve().parents[2] / "notebooks" / "05_clv_reproduction.ipynb"
CELL_ID = "api-map"


def _rows() -> list[list[str]]:
    cells = {c.get("id"): c for c in json.loads(CHAPTER.read_text(encoding="utf-8"))["cells"]}
    text = "".join(cells[CELL_ID]["source"])
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    table = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    assert table[0][-1] == "`helpers` (this course)", table[0]
    return table[1:]


def _names(cell: str) -> list[tuple[str, list[str]]]:
    """Each backticked call or name in a cell: (dotted name, keyword names it shows)."""
    out = []
    for token in re.findall(r"`([^`]+)`", cell):
        name = token.split("(")[0].strip()
        args = token[len(name) :]
        keywords = re.findall(r"([A-Za-z_]\w*)\s*=", args)
        out.append((name, keywords))
    return out


_MODELS = [getattr(clv, n) for n in clv.__all__ if inspect.isclass(getattr(clv, n))]


def _fitted_bgnbd():
    from helpers.customer_base import summarize
    from helpers.data import load_cdnow

    with pytest.warns(Warning):  # CDNOW has exact duplicate rows; summarize says so
        s = summarize(
            load_cdnow("sample"), amount_col="amount", calibration_end="1997-09-30", time_unit="W"
        )
    return clv.BGNBD().fit(s)


def _resolve_ours(name: str, fitted) -> list:
    """Every object the name can mean: a package function or class, or a model method."""
    if name.startswith("Model."):
        name = name.split(".", 1)[1]
        return [getattr(m, name) for m in _MODELS if hasattr(m, name)]
    found = [getattr(mod, name) for mod in (clv, helpers) if hasattr(mod, name)]
    found += [getattr(m, name) for m in _MODELS if hasattr(m, name)]
    if not found and name.endswith("_") and hasattr(fitted, name):
        found = [getattr(fitted, name)]
    if not found:  # a hyper-parameter, such as penalizer
        found = [m for m in _MODELS if name in inspect.signature(m.__init__).parameters]
    return found


def test_the_table_has_every_model_and_prediction():
    ours = [c[-1] for c in _rows()]
    assert len(ours) >= 25
    for needed in ("`BGNBD`", "`MBGNBD`", "`ParetoNBD`", "`GammaGamma`", "`BGBB`"):
        assert needed in ours


def test_every_helpers_name_exists_with_the_keywords_shown():
    fitted = _fitted_bgnbd()
    missing = []
    for row in _rows():
        for name, keywords in _names(row[-1]):
            objects = _resolve_ours(name, fitted)
            if not objects:
                missing.append(f"{row[0]}: {name}")
                continue
            for kw in keywords:
                ok = False
                for obj in objects:
                    try:
                        params = inspect.signature(obj).parameters
                    except (TypeError, ValueError):
                        continue
                    if kw in params or any(p.kind is p.VAR_KEYWORD for p in params.values()):
                        ok = True
                if not ok:
                    missing.append(f"{row[0]}: {name}({kw}=...)")
    assert not missing, missing


def test_every_lifetimes_name_exists():
    pytest.importorskip("lifetimes")
    import lifetimes
    import lifetimes.plotting  # noqa: F401  (loads the submodule the table names)
    import lifetimes.utils  # noqa: F401

    fitters = [getattr(lifetimes, n) for n in dir(lifetimes) if n.endswith("Fitter")]
    missing = []
    for row in _rows():
        for name, _ in _names(row[1]):
            if name.endswith("_") or name == "penalizer_coef":
                ok = any(
                    "penalizer_coef" in inspect.signature(f.__init__).parameters for f in fitters
                )
            elif "." in name:
                module, attr = name.split(".", 1)
                ok = hasattr(getattr(lifetimes, module), attr)
            else:
                ok = hasattr(lifetimes, name) or any(hasattr(f, name) for f in fitters)
            if not ok:
                missing.append(f"{row[0]}: {name}")
    assert not missing, missing
