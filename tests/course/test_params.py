"""A misspelt or unknown parameter stops a chapter, whichever way it is run.

papermill runs a chapter with a misspelt ``-p`` name on its defaults and only logs a warning;
every chapter calls :func:`helpers.params.check_injected_parameters` first in its validation
cell, which refuses the name. The course runner refuses it before running. The structure tests
and the tests on papermill's own injected text are fast; the papermill runs are marked
``notebooks``.
"""

from __future__ import annotations

import ast

import nbformat
import papermill
import pytest
from papermill.exceptions import PapermillExecutionError
from papermill.translators import translate_parameters
from runner import NOTEBOOKS, chapters, plan

from helpers.exceptions import ParameterError
from helpers.params import _assigned_names, check_injected_parameters

CHAPTERS = chapters()
IDS = [p.stem for p in CHAPTERS]


def _cells(path):
    """(parameters cell, validation cell): the tagged cell and the next code cell."""
    cells = nbformat.read(path, as_version=4).cells
    i = next(k for k, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    following = next(c for c in cells[i + 1 :] if c.cell_type == "code")
    return cells[i], following


def _injected(parameters: dict) -> str:
    """The source of the cell papermill injects for these parameters (black-formatted)."""
    return translate_parameters("python3", "python", parameters, "Parameters")


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_validation_cell_checks_injected_names_first(path):
    parameters, validation = _cells(path)
    body = ast.parse(validation.source).body
    first = next(n for n in body if not isinstance(n, ast.Import | ast.ImportFrom))
    assert ast.unparse(first) == "check_injected_parameters()", path.name
    # The check reads the parameters cell only if it holds nothing but assignments; it must
    # see the names papermill sees.
    declared = _assigned_names(parameters.source)
    assert declared == list(papermill.inspect_notebook(str(path))), path.name


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_papermills_injected_cell_is_read_as_papermill_writes_it(path):
    parameters, validation = _cells(path)
    declared = _assigned_names(parameters.source)
    good = {declared[0]: 1, "seed": 7, "PAPERMILL_INPUT_PATH": str(path)}
    history = ["", parameters.source, _injected(good), validation.source]
    assert check_injected_parameters(history) == tuple(good)
    misspelt = declared[0][:-1] + "x" + declared[0][-1]  # e.g. cdnow_kixnd
    history = ["", parameters.source, _injected({misspelt: 1, "seed": 7}), validation.source]
    with pytest.raises(ParameterError, match=rf"unknown parameter '{misspelt}' \(did you mean"):
        check_injected_parameters(history)


def test_the_runner_refuses_the_same_name_before_running():
    # Both routes stop with a ParameterError that names the misspelt parameter.
    with pytest.raises(ParameterError, match=r"parameter 'retension_rate'"):
        plan(nb=["01"], overrides={"retension_rate": 0.9})
    parameters, validation = _cells(NOTEBOOKS / "01_crm_foundations.ipynb")
    history = ["", parameters.source, _injected({"retension_rate": 0.9}), validation.source]
    with pytest.raises(ParameterError, match=r"parameter 'retension_rate' \(did you mean"):
        check_injected_parameters(history)


def _run(path, tmp_path, parameters):
    out = tmp_path / path.name
    papermill.execute_notebook(
        str(path),
        str(out),
        parameters=parameters,
        cwd=str(NOTEBOOKS),
        progress_bar=False,
        kernel_name="python3",
    )
    return nbformat.read(out, as_version=4)


@pytest.mark.notebooks
def test_papermill_run_with_a_misspelt_parameter_stops_at_the_validation_cell(tmp_path):
    path = NOTEBOOKS / "01_crm_foundations.ipynb"
    with pytest.raises(PapermillExecutionError) as info:
        _run(path, tmp_path, {"retension_rate": 0.9, "horizn": 5, "seed": 1})
    err = info.value
    assert err.ename == "ParameterError"
    assert err.evalue.startswith(
        "unknown parameters 'retension_rate' (did you mean 'retention_rate'?), "
        "'horizn' (did you mean 'horizon'?); this chapter's parameters are: n_customers, "
    )
    assert "check_injected_parameters()" in err.source
    nb = nbformat.read(tmp_path / path.name, as_version=4)
    failing = next(i for i, c in enumerate(nb.cells) if c.source == err.source)
    previous_code = [c for c in nb.cells[:failing] if c.cell_type == "code"][-1]
    assert "injected-parameters" in previous_code.metadata.get("tags", [])
    assert not any(c.get("outputs") for c in nb.cells[failing + 1 :])


@pytest.mark.notebooks
def test_papermill_run_with_correct_parameters_runs(tmp_path):
    path = NOTEBOOKS / "00_welcome.ipynb"
    with pytest.raises(PapermillExecutionError, match="did you mean 'cdnow_kind'"):
        _run(path, tmp_path, {"cdnow_knd": "sample"})
    nb = _run(path, tmp_path, {"cdnow_kind": "sample", "PAPERMILL_INPUT_PATH": str(path)})
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "cdnow_kind = 'sample'" in injected.source or 'cdnow_kind = "sample"' in injected.source
    assert nb.metadata.papermill.exception is None
