"""Packaging: pyproject, environment.yml, constraints, Makefile and CI agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from the PyPI ones.
CONDA_TO_PYPI = {"python-duckdb": "duckdb"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _all_requirements() -> set[str]:
    project = _pyproject()
    names = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        names |= {_name(r) for r in extra}
    return names


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_environment_yml_lists_the_same_packages_as_pyproject():
    deps = _environment()["dependencies"]
    conda = {_name(d) for d in deps if isinstance(d, str)} - {"python", "pip"}
    conda = {CONDA_TO_PYPI.get(n, n) for n in conda}
    assert conda == _all_requirements()


def test_environment_yml_pip_section_installs_the_package_with_the_pins():
    pip = next(d["pip"] for d in _environment()["dependencies"] if isinstance(d, dict))
    extras = ",".join(sorted(_pyproject()["optional-dependencies"]))
    assert "--constraint constraints.txt" in pip
    assert f"--editable .[{extras}]" in pip


def test_python_versions_agree():
    assert _pyproject()["requires-python"] == ">=3.11"
    assert "python=3.11" in _environment()["dependencies"]


def test_constraints_pin_every_requirement():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version, f"not an exact pin: {line!r}"
            pins[_name(name)] = version
    missing = _all_requirements() - set(pins)
    assert not missing, f"not pinned in constraints.txt: {sorted(missing)}"


def test_makefile_installs_with_the_constraints_and_all_extras():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    extras = ",".join(sorted(_pyproject()["optional-dependencies"]))
    assert f'-c constraints.txt -e ".[{extras}]"' in makefile
    assert re.search(r"^test: \$\(STAMP\)", makefile, flags=re.M)
    assert re.search(r"^run: \$\(STAMP\)", makefile, flags=re.M)


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme and "make run" in readme
    commands = [
        line.strip() for line in ci.splitlines() if line.strip() and not line.startswith("#")
    ]
    assert commands[-1] == "make test"
    assert "set -euo pipefail" in commands
    assert not any("|| true" in c for c in commands)
