"""The top-level ``helpers`` namespace: every public name of its source modules, loaded lazily."""

from __future__ import annotations

import importlib
import subprocess
import sys

import helpers


def test_every_public_name_of_a_source_module_is_at_the_top_level():
    for source in helpers._SOURCES:
        module = importlib.import_module(source)
        for name in module.__all__:
            assert name in helpers._WHERE, f"{source}.{name} is missing from helpers._WHERE"
            assert getattr(helpers, name) is getattr(module, name), (source, name)


def test_every_top_level_name_resolves_to_its_module():
    for name, source in helpers._WHERE.items():
        assert source in helpers._SOURCES, (name, source)
        assert name in importlib.import_module(source).__all__, (name, source)
    assert set(helpers.__all__) == set(helpers._WHERE) | set(helpers._SUBPACKAGES)


def test_import_helpers_loads_no_library_module():
    code = "import sys, helpers; print(sorted(m for m in sys.modules if m.startswith('helpers.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
