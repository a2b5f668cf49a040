"""One name per idea across the public API (CONVENTIONS.md, "One vocabulary").

Walks every public callable reachable from ``helpers`` (the top-level names, the subpackages,
every module of ``helpers.cases`` and ``helpers.simulate``) and checks its signature: no old
name of an idea, ``time_unit`` defaults to "D", ``confidence_level`` to 0.95, CLV methods say
"purchases", plot helpers are ``plot_x(..., ax=None, **kwargs)``. Old names kept by
``@renamed_parameters`` live only in ``__renamed_parameters__``, which is not checked.
Also checks that no module but ``helpers.validation`` defines its own validation helper.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import helpers
from helpers.validation import DEFAULT_TIME_UNIT

SRC = Path(helpers.__file__).parent

#: Old parameter names and the one name that replaces them.
OLD_NAMES = {
    "id_col": "customer_col",
    "as_of": "observation_end",
    "snapshot": "observation_end (a date) or period (a label)",
    "alpha": "confidence_level",
    "confidence": "confidence_level",
    "level": "confidence_level",
    "n_boot": "n_resamples",
    "seed": "random_state",
    "rng": "random_state",
}

#: (module, parameter) pairs where an old name is a model's own parameter, named as in its
#: paper (BG/NBD's and BG/BB's ``alpha`` is a gamma/beta shape, not a confidence).
MODEL_PARAMETERS = {
    ("helpers.simulate.purchases", "alpha"),
    ("helpers.simulate.mbgnbd", "alpha"),
    ("helpers.simulate.covariates", "alpha"),
}

#: Private helpers that must exist only in helpers/validation.py.
VALIDATION_HELPERS = {"_rows", "_require_columns", "_require_frame", "_need", "_check_time_unit"}


def _modules():
    """Every module whose public names are the public API."""
    names = {"helpers"} | {f"helpers.{p}" for p in helpers._SUBPACKAGES}
    for pkg in ("helpers.cases", "helpers.simulate"):
        path = importlib.import_module(pkg).__path__
        names |= {f"{pkg}.{m.name}" for m in pkgutil.iter_modules(path)}
    return [importlib.import_module(n) for n in sorted(names)]


def _public_callables():
    """(qualified name, module name, callable), each object once."""
    seen, out = set(), []
    for mod in _modules():
        names = getattr(mod, "__all__", None)
        if names is None:
            names = [n for n in vars(mod) if not n.startswith("_")]
        for name in names:
            obj = getattr(mod, name, None)
            if obj is None or inspect.ismodule(obj) or id(obj) in seen:
                continue
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if not getattr(obj, "__module__", "").startswith("helpers"):
                continue  # re-exported from a library
            seen.add(id(obj))
            home = obj.__module__
            if inspect.isclass(obj):
                if issubclass(obj, BaseException):
                    continue
                for meth_name, meth in vars(obj).items():
                    if meth_name.startswith("_") and meth_name != "__init__":
                        continue
                    fn = meth.__func__ if isinstance(meth, classmethod | staticmethod) else meth
                    if inspect.isfunction(fn):
                        out.append((f"{home}.{obj.__qualname__}.{meth_name}", home, fn))
            else:
                out.append((f"{home}.{obj.__qualname__}", home, obj))
    return out


CALLABLES = _public_callables()


def _signature(obj):
    try:
        return inspect.signature(obj)  # follows __wrapped__ of renamed_parameters wrappers
    except (TypeError, ValueError):
        return None


def test_the_walk_finds_the_api():
    names = {q for q, _, _ in CALLABLES}
    assert "helpers.customer_base.rfm.summarize" in names
    assert "helpers.customer_base.segment.BehaviourSegmenter.__init__" in names
    assert "helpers.clv.bgbb.BGBB.conditional_expected_purchases" in names
    assert len(names) > 100


def test_no_old_parameter_names():
    offenders = []
    for qualname, module, obj in CALLABLES:
        sig = _signature(obj)
        if sig is None:
            continue
        for p in sig.parameters:
            if p in OLD_NAMES and (module, p) not in MODEL_PARAMETERS:
                offenders.append(f"{qualname}({p}=...): rename to {OLD_NAMES[p]}")
    assert not offenders, "old names in the public API:\n" + "\n".join(sorted(offenders))


def test_one_default_time_unit_and_confidence_level():
    offenders = []
    for qualname, _, obj in CALLABLES:
        sig = _signature(obj)
        if sig is None:
            continue
        for name, want in (("time_unit", DEFAULT_TIME_UNIT), ("confidence_level", 0.95)):
            p = sig.parameters.get(name)
            if p is None or p.default in (inspect.Parameter.empty, None):  # None: no unit
                continue
            if p.default != want:
                offenders.append(f"{qualname}({name}={p.default!r}): the default must be {want!r}")
    assert not offenders, "other defaults:\n" + "\n".join(sorted(offenders))


def test_clv_methods_say_purchases():
    offenders = [
        qualname
        for qualname, module, obj in CALLABLES
        if module.startswith("helpers.clv")
        and qualname.endswith("_transactions")
        and not hasattr(obj, "__deprecated_alias_of__")
    ]
    assert not offenders, "CLV names ending in _transactions (say _purchases): " + ", ".join(
        offenders
    )


def test_plot_helpers_take_ax_and_kwargs_and_return_axes():
    offenders = []
    for qualname, _, obj in CALLABLES:
        if not qualname.rsplit(".", 1)[-1].startswith("plot_"):
            continue
        sig = _signature(obj)
        ax = sig.parameters.get("ax")
        kinds = {p.kind for p in sig.parameters.values()}
        if ax is None or ax.default is not None:
            offenders.append(f"{qualname}: no ax=None")
        if inspect.Parameter.VAR_KEYWORD not in kinds:
            offenders.append(f"{qualname}: no **kwargs")
        if "Axes" not in str(sig.return_annotation):
            offenders.append(f"{qualname}: not annotated -> Axes")
    assert not offenders, "plot helpers off the convention:\n" + "\n".join(offenders)


def test_renamed_parameters_keep_old_names_out_of_signatures():
    for qualname, _, obj in CALLABLES:
        renamed = getattr(obj, "__renamed_parameters__", {})
        sig = _signature(obj)
        for old, new in renamed.items():
            assert old not in sig.parameters and new in sig.parameters, (qualname, old, new)


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_private_copy_of_a_validation_helper(path):
    if path == SRC / "validation.py":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    copies = [
        f"{path.relative_to(SRC)}:{node.lineno} defines {node.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name in VALIDATION_HELPERS
    ]
    assert not copies, "use helpers.validation instead: " + "; ".join(copies)
