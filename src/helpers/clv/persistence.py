"""Saving a fitted CLV model to a small JSON file and loading it back.

The file holds numbers and names only (never code, so loading runs nothing from it): the format
version, the model class, the helpers version, the hyper-parameters, the estimates
``params_``, the covariance of the optimiser's coordinates, standard errors, 95% intervals,
the log-likelihood, the number of customers, any other fitted attribute (covariate
coefficients, iteration counts) and an optional user ``metadata`` dict. Floats are written
with ``repr`` precision, so a loaded model predicts exactly the same numbers.
"""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.exceptions import DataValidationError, NotFittedError, ParameterError

__all__ = ["FORMAT_VERSION", "load_model", "save_model"]

#: Version of the file layout; a reader refuses files of a version it does not know.
FORMAT_VERSION = 1

_REQUIRED = (
    "format_version",
    "model_class",
    "hyper_parameters",
    "params",
    "covariance",
    "standard_errors",
    "confidence_intervals",
    "log_likelihood",
    "n_customers",
)

#: Fitted attributes stored under their own keys (the rest go to "other_state").
_NAMED = {
    "params_": "params",
    "covariance_log_": "covariance",
    "standard_errors_": "standard_errors",
    "confidence_intervals_": "confidence_intervals",
    "log_likelihood_": "log_likelihood",
    "n_customers_": "n_customers",
}


def _model_classes() -> dict[str, type]:
    """Every CLV model class by name (subclasses of the maximum-likelihood base)."""
    import helpers.clv  # noqa: F401  (registers every model class)
    from helpers.clv._base import _MLEModel

    found, todo = {}, list(_MLEModel.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if not cls.__name__.startswith("_"):
            found[cls.__name__] = cls
    return found


def _encode(value, where: str):
    """A fitted value as JSON-ready data (arrays and tables tagged with their kind)."""
    if isinstance(value, pd.DataFrame):
        return {
            "__kind__": "DataFrame",
            "index": [_encode(i, where) for i in value.index.tolist()],
            "columns": [str(c) for c in value.columns],
            "data": [[_encode(v, where) for v in row] for row in value.to_numpy().tolist()],
        }
    if isinstance(value, pd.Series):
        return {
            "__kind__": "Series",
            "name": value.name,
            "index": [_encode(i, where) for i in value.index.tolist()],
            "data": [_encode(v, where) for v in value.tolist()],
        }
    if isinstance(value, np.ndarray):
        return {"__kind__": "ndarray", "data": _encode(value.tolist(), where)}
    if isinstance(value, dict):
        return {str(k): _encode(v, where) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v, where) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else {"__kind__": "float", "value": repr(v)}
    if value is None or isinstance(value, str):
        return value
    raise ParameterError(
        f"{where} holds a {type(value).__name__} ({value!r}), which a JSON model file cannot "
        "store; use numbers, text, lists or dicts"
    )


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("__kind__")
    if kind == "DataFrame":
        return pd.DataFrame(
            [[_decode(v) for v in row] for row in value["data"]],
            index=_decode(value["index"]),
            columns=value["columns"],
        )
    if kind == "Series":
        return pd.Series(_decode(value["data"]), index=_decode(value["index"]), name=value["name"])
    if kind == "ndarray":
        return np.array(_decode(value["data"]), dtype=np.float64)
    if kind == "float":
        return float(value["value"])
    return {k: _decode(v) for k, v in value.items()}


def _hyper_parameters(model) -> dict:
    """The constructor's arguments as stored on the model (scikit-learn's ``get_params``)."""
    sig = inspect.signature(type(model).__init__)
    return {
        name: getattr(model, name)
        for name, par in sig.parameters.items()
        if name != "self" and par.kind not in (par.VAR_POSITIONAL, par.VAR_KEYWORD)
    }


def save_model(model, path, metadata: dict | None = None) -> Path:
    """Write a fitted CLV model to a JSON file.

    Parameters
    ----------
    model : fitted CLV model
        ``BGNBD``, ``ParetoNBD``, ``MBGNBD``, ``GammaGamma``, ``ShiftedBetaGeometric`` or
        ``BGBB``.
    path : str or pathlib.Path
        The file to write (its folder must exist); ``.json`` is the usual suffix.
    metadata : dict, optional
        Anything JSON can hold that a later reader needs, e.g.
        ``{"time_unit": "W", "calibration_end": "1997-09-30"}``.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    NotFittedError
        If the model is not fitted.
    ParameterError
        If ``model`` is not a CLV model, or ``metadata`` is not a JSON-ready dict.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from helpers.clv import ShiftedBetaGeometric
    >>> m = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sbg.json"
    >>> _ = save_model(m, path, metadata={"period": "year"})
    >>> load_model(path).survival(3) == m.survival(3)
    True
    """
    classes = _model_classes()
    name = type(model).__name__
    if classes.get(name) is not type(model):
        raise ParameterError(
            f"save_model needs a CLV model ({', '.join(sorted(classes))}), got {name}"
        )
    if not hasattr(model, "params_"):
        raise NotFittedError(
            f"{name} is not fitted, so there is nothing to save to {path}; call "
            f"{name}().fit(...) first and save the fitted model"
        )
    if metadata is not None and not isinstance(metadata, dict):
        raise ParameterError(
            f"metadata must be a dict (e.g. {{'time_unit': 'W'}}), got {type(metadata).__name__}"
        )
    try:
        meta = json.loads(json.dumps(metadata or {}, allow_nan=False))
    except (TypeError, ValueError) as err:
        raise ParameterError(
            f"metadata cannot be written as JSON ({err}); store dates as text "
            "(str(date) or date.isoformat()) and numbers as int or float"
        ) from err
    from helpers import __version__

    doc = {
        "format_version": FORMAT_VERSION,
        "model_class": name,
        "helpers_version": __version__,
        "hyper_parameters": _encode(_hyper_parameters(model), "a hyper-parameter"),
    }
    state = {k: v for k, v in vars(model).items() if k.endswith("_") and not k.startswith("_")}
    loaded_meta = state.pop("metadata_", None)
    if metadata is None and isinstance(loaded_meta, dict):
        meta = loaded_meta  # a loaded model keeps its file's metadata
    for attr, key in _NAMED.items():
        doc[key] = _encode(state.pop(attr, None), f"{name}.{attr}")
    doc["other_state"] = {k: _encode(v, f"{name}.{k}") for k, v in state.items()}
    doc["metadata"] = meta
    path = Path(path)
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return path


def load_model(path, expected_class: type | None = None):
    """Read a model written by :func:`save_model`.

    Parameters
    ----------
    path : str or pathlib.Path
        A JSON file written by :func:`save_model` (or ``model.save``).
    expected_class : type, optional
        Refuse a file of another model class (what ``ModelClass.load`` passes).

    Returns
    -------
    fitted CLV model
        With ``metadata_`` holding the file's metadata dict.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    DataValidationError
        If the file is not JSON, lacks a key, has an unknown format version or names an
        unknown model class, or (with ``expected_class``) holds another model class.

    Examples
    --------
    See :func:`save_model`.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    fix = "write it again with save_model(model, path) or model.save(path)"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataValidationError(
            f"{path} is not a JSON file ({err.msg} at line {err.lineno}); a saved model is the "
            f"JSON written by save_model: {fix}"
        ) from err
    if not isinstance(doc, dict):
        raise DataValidationError(f"{path} does not hold a saved model (not a JSON object); {fix}")
    missing = [k for k in _REQUIRED if k not in doc]
    if missing:
        raise DataValidationError(
            f"{path} lacks the key(s) {missing} of a saved model; the file is incomplete or not "
            f"a model file: {fix}"
        )
    version = doc["format_version"]
    if version != FORMAT_VERSION:
        raise DataValidationError(
            f"{path} has model-file format version {version!r}, but this helpers version reads "
            f"version {FORMAT_VERSION}; load it with the helpers version that wrote it "
            f"({doc.get('helpers_version', 'unknown')}) and save it again, or refit the model"
        )
    classes = _model_classes()
    name = doc["model_class"]
    if name not in classes:
        raise DataValidationError(
            f"{path} holds a model of class {name!r}, which is not a CLV model of this package "
            f"({', '.join(sorted(classes))}); {fix}"
        )
    cls = classes[name]
    if expected_class is not None and cls is not expected_class:
        raise DataValidationError(
            f"{path} holds a {name} model, not a {expected_class.__name__}; load it with "
            f"{name}.load(path) or helpers.clv.load_model(path)"
        )
    try:
        model = cls(**_decode(doc["hyper_parameters"]))
    except TypeError as err:
        raise DataValidationError(
            f"{path} has hyper-parameters {doc['hyper_parameters']!r} that {name} does not take "
            f"({err}); {fix}"
        ) from err
    for attr, key in _NAMED.items():
        if doc[key] is not None:
            setattr(model, attr, _decode(doc[key]))
    for attr, value in (doc.get("other_state") or {}).items():
        setattr(model, attr, _decode(value))
    if not isinstance(getattr(model, "params_", None), dict):
        raise DataValidationError(f"{path} has no estimates ('params' is not a dict); {fix}")
    model.metadata_ = doc.get("metadata") or {}
    return model
