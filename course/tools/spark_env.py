"""Can Spark run here? One answer for the Spark tests (and the same check as chapter 16).

Spark needs the ``pyspark`` package (the ``spark`` extra) and a Java runtime. A learner without
either still runs the course: chapter 16 skips its Spark section, and the Spark tests skip with
a message. Under CI (``CI=true``) the Spark tests must run, so there they fail instead.

In a test module (``course/tools`` is on the import path of the tests)::

    from spark_env import require_spark

    @pytest.fixture(scope="module")
    def spark():
        require_spark()
        ...
"""

from __future__ import annotations

import os

from helpers.data import spark_missing

__all__ = ["require_spark", "spark_missing"]

_ENABLE = (
    "install a Java runtime (`make java`, with root or sudo, or `conda install -c conda-forge "
    "openjdk`) and the spark extra (`make env`, or pip install -c constraints.txt -e '.[spark]')"
)


def require_spark() -> None:
    """In a test: return when Spark can run; else skip it, or fail it under CI (``CI=true``)."""
    import pytest

    reason = spark_missing()
    if not reason:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI runs the Spark tests: {_ENABLE}")
    pytest.skip(f"Spark test skipped: {reason}; to run it, {_ENABLE}")
