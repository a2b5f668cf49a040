"""Packaging: pyproject, environment.yml, constraints, Makefile and CI agree; the wheel works."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# conda-forge names that differ from the PyPI ones.
CONDA_TO_PYPI = {"python-duckdb": "duckdb", "python-build": "build"}
EXTRAS = {"bench", "course", "dev", "duckdb", "site", "spark"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _toml() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _pyproject() -> dict:
    return _toml()["project"]


def _all_requirements() -> set[str]:
    project = _pyproject()
    names = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        names |= {_name(r) for r in extra}
    return names


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


# Import names of distributions whose import name differs; duckdb and pyspark are extras that
# the library imports only when a user asks for those engines.
IMPORT_TO_DIST = {"sklearn": "scikit-learn", "charset_normalizer": "charset-normalizer"}
# Imported only when needed: DuckDB and Spark summaries, the Chinese font of Chinese figures.
OPTIONAL_IMPORTS = {"duckdb", "pyspark", "mplfonts"}


def _third_party_imports() -> set[str]:
    """Top-level names the library imports (lazy imports inside functions included)."""
    import ast

    names = set()
    for path in (ROOT / "src" / "helpers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    stdlib = set(sys.stdlib_module_names) | {"__future__", "helpers"}
    return {IMPORT_TO_DIST.get(n, n) for n in names - stdlib - OPTIONAL_IMPORTS}


def test_runtime_dependencies_are_what_the_library_imports():
    runtime = {_name(r) for r in _pyproject()["dependencies"]}
    assert runtime == _third_party_imports()
    assert {"numpy", "pandas", "lifelines", "openpyxl", "pyarrow"} <= runtime
    extras = _pyproject()["optional-dependencies"]
    assert set(extras) == EXTRAS
    assert {"jupyterlab", "papermill", "nbval", "pytest", "pyyaml", "mplfonts"} <= set(
        extras["course"]
    )
    assert extras["duckdb"] == ["duckdb"] and extras["spark"] == ["pyspark"]
    # The book toolchain (course/book/conf.py), the slides' reveal.js, the site's CJK font and
    # the browser check.
    assert set(extras["site"]) == {
        "sphinx",
        "myst-nb",
        "sphinx-book-theme",
        "sphinxcontrib-bibtex",
        "numpydoc",
        "sphinx-revealjs",
        "mplfonts",
        "jieba",
        "fonttools",
        "brotli",
        "latex2mathml",
        "playwright",
    }


def test_the_wheel_lists_every_package_and_ships_every_data_file():
    setup = _toml()["tool"]["setuptools"]
    found = sorted(
        ".".join(p.parent.relative_to(ROOT / "src").parts)
        for p in (ROOT / "src" / "helpers").rglob("__init__.py")
    )
    assert sorted(setup["packages"]) == sorted([*found, "helpers.data.files"])
    assert setup["package-dir"]["helpers.data.files"] == "datasets"
    patterns = setup["package-data"]["helpers.data.files"]
    for path in (ROOT / "datasets").iterdir():
        assert any(fnmatch.fnmatch(path.name, pat) for pat in patterns), path.name


def test_environment_yml_lists_the_same_packages_as_pyproject():
    # A package conda-forge may not carry is listed by name in the pip section instead.
    deps = _environment()["dependencies"]
    conda = {_name(d) for d in deps if isinstance(d, str)} - {"python", "pip"}
    conda = {CONDA_TO_PYPI.get(n, n) for n in conda}
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    pip_only = {_name(p) for p in pip if not p.startswith("-")}
    assert not conda & pip_only
    assert conda | pip_only == _all_requirements()


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
            pin, _, marker = line.partition(";")
            name, sep, pinned = pin.partition("==")
            assert sep and pinned.strip(), f"not an exact pin: {line!r}"
            pins.setdefault(_name(name), []).append(marker.strip())
    missing = _all_requirements() - set(pins)
    assert not missing, f"not pinned in constraints.txt: {sorted(missing)}"
    # A package pinned twice is split by Python version: each pin has a marker.
    for name, markers in pins.items():
        assert len(markers) == 1 or all("python" in m for m in markers), name


def test_makefile_installs_with_the_constraints_and_all_extras():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    extras = ",".join(sorted(_pyproject()["optional-dependencies"]))
    assert f'-c constraints.txt -e ".[{extras}]"' in makefile
    assert re.search(r"^test: \$\(STAMP\)", makefile, flags=re.M)
    assert re.search(r"^run: \$\(STAMP\)", makefile, flags=re.M)
    assert re.search(r"^env: \$\(STAMP\)", makefile, flags=re.M)
    assert re.search(r"^VENV\s*\?=", makefile, flags=re.M)


def test_make_run_installs_java_only_under_ci_or_as_root():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = re.search(r"^run: (.*)$", makefile, flags=re.M).group(1).split()
    assert "java" not in run and "java-or-skip" in run
    rule = re.search(r"^java-or-skip:\n((?:\t.*\n)+)", makefile, flags=re.M).group(1)
    assert '"$${CI:-}" = true' in rule and '"$$(id -u)" -eq 0' in rule
    assert "apt-get" not in rule  # it calls `make java` there, and only warns otherwise


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


def _setuptools_builds_offline() -> bool:
    try:
        return int(version("setuptools").split(".")[0]) >= 77
    except Exception:  # pragma: no cover - setuptools missing
        return False


def test_the_wheel_installed_outside_the_repository_loads_cdnow_and_fits(tmp_path):
    """`pip install .` (a wheel, not editable) loads the bundled data: CDNOW, then BG/NBD."""
    # Build from a copy of what the wheel needs, so the repository is left untouched.
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", project / "src", ignore=ignore)
    shutil.copytree(ROOT / "datasets", project / "datasets")
    wheels = tmp_path / "wheels"
    # With setuptools >= 77 in this environment (the dev extra) the build needs no network.
    offline = ["--no-build-isolation"] if _setuptools_builds_offline() else []
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", *offline, "-w", str(wheels), str(project)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("crm_course_helpers-*.whl")

    # A fresh venv holding only the wheel; the dependencies come from this environment's
    # site-packages through a .pth line (its own .pth files, such as the editable install of
    # the repository, are not processed).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    deps = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "zz_course_dependencies.pth").write_text("\n".join(sorted(deps)) + "\n")

    script = textwrap.dedent(
        """
        import warnings
        from pathlib import Path
        import helpers
        from helpers import BGNBD, datasets_dir, load_cdnow, summarize
        print(Path(helpers.__file__).resolve())
        print(datasets_dir())
        print(load_cdnow("master")["customer_id"].nunique())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the sample's 21 duplicate rows
            s = summarize(load_cdnow("sample"), calibration_end="1997-09-30", time_unit="W")
        m = BGNBD().fit(s)
        print(len(s), " ".join(f"{m.params_[k]:.3f}" for k in ("r", "alpha", "a", "b")))
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "HELPERS_DATASETS_DIR"}}
    out = subprocess.run(
        [str(python), "-c", script],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    ).stdout.splitlines()
    package, data, n_master, fit = out
    assert Path(package).is_relative_to(site.resolve()), package
    assert Path(data) == site / "helpers" / "data" / "files"
    assert n_master == "23570"
    n, r, alpha, a, b = fit.split()
    assert n == "2357"
    # Fader, Hardie & Lee (2005): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426.
    assert (float(r), float(alpha), float(a), float(b)) == pytest.approx(
        (0.243, 4.414, 0.793, 2.426), abs=2e-3
    )


def test_spark_tests_skip_without_java_and_fail_under_ci(monkeypatch, tmp_path):
    import spark_env  # course/tools/, on the import path through tests/conftest.py

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    if spark_env.spark_missing() == "the pyspark package is not installed":
        pytest.skip("pyspark is not installed in this environment")
    assert spark_env.spark_missing().startswith("no Java runtime was found")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match=r"Spark test skipped: no Java.*make java"):
        spark_env.require_spark()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI runs the Spark tests: install a Java"):
        spark_env.require_spark()
    fake = tmp_path / "jdk" / "bin"
    fake.mkdir(parents=True)
    (fake / "java").write_text("")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert spark_env.spark_missing() == ""
    spark_env.require_spark()  # neither skips nor fails
