"""Shared test setup: the course tools on the import path, markers, and the course data once.

Fixtures (session-scoped: loaded once for the whole run, so treat them as read-only and
``.copy()`` before changing one):

``cdnow``
    The CDNOW master log (``load_cdnow("master")``).
``cdnow_sample``
    The CDNOW 1/10 sample (``load_cdnow("sample")``).
``cdnow_summary``
    The sample summarized in weeks with amounts, calibration to 1997-09-30 (the papers' setup).
``cdnow_published_summary``
    The published calibration summary of the sample.
``donations``
    The BG/BB donations data.

Markers are set here for files that do not set them themselves: tests that use a fixture named
``spark`` (a Spark session: about a minute in all) are marked ``spark``; tests named
``*student_copy_runs*`` (papermill runs of the chapters) are marked ``notebooks``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "course" / "tools"

# The course tooling (runner, coursebuild) lives outside the package, in course/tools; tests
# import it as plain modules: `import runner`, `import coursebuild`. The browser tests share
# tests/course/chromium.py the same way (pytest's importlib mode adds no test folder).
for folder in (TOOLS, ROOT / "tests" / "course"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = item.name.lower()
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)
        if "student_copy_runs" in name:
            item.add_marker(pytest.mark.notebooks)


@pytest.fixture(scope="session")
def cdnow():
    from helpers.data import load_cdnow

    return load_cdnow("master")


@pytest.fixture(scope="session")
def cdnow_sample():
    from helpers.data import load_cdnow

    return load_cdnow("sample")


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_sample):
    from helpers.customer_base import summarize

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample has 21 duplicate rows, a known quirk
        return summarize(cdnow_sample, amount_col="amount", calibration_end="1997-09-30")


@pytest.fixture(scope="session")
def cdnow_published_summary():
    from helpers.data import load_cdnow_published_summary

    return load_cdnow_published_summary()


@pytest.fixture(scope="session")
def donations():
    from helpers.data import load_donations

    return load_donations()


@pytest.fixture(scope="session", autouse=True)
def datasets_unchanged():
    """No test, loader or chapter run may change a file in datasets/: every file's sha256 is
    taken before the first test and compared after the last (a failure shows as an error in
    the teardown of the last test). tests/data/test_datasets.py checks them against the
    published checksums of datasets/README.md."""
    import hashlib

    folder = ROOT / "datasets"

    def digest() -> dict[str, str]:
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir())
            if p.is_file()
        }

    before = digest()
    yield
    after = digest()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"files in datasets/ were changed, added or removed by the tests: {changed}"
