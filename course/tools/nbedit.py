"""Edit a chapter notebook safely while other tools may edit it too.

Course tooling. ``with edit_notebook(path) as nb:`` reads the notebook under an exclusive file
lock, lets the caller change ``nb`` (an nbformat NotebookNode), and writes it back only when the
block ends without an error. Two editors that both use it never overwrite each other's changes.
The notebook is written the way Jupyter writes it (one-space indent, a final newline), so the
diff shows only the change.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat

__all__ = ["edit_notebook", "notebook_lock", "refresh"]


@contextmanager
def edit_notebook(path: str | Path) -> Iterator[nbformat.NotebookNode]:
    path = Path(path)
    lock = path.with_name(f".{path.name}.lock")  # kept: removing it would race a waiter
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            nb = nbformat.read(path, as_version=4)
            yield nb
            nbformat.validate(nb)
            nbformat.write(nb, path)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def notebook_lock(path: str | Path) -> Iterator[None]:
    """Hold the notebook's edit lock (the one :func:`edit_notebook` takes) for a longer job."""
    path = Path(path)
    lock = path.with_name(f".{path.name}.lock")
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def refresh(path: str | Path) -> None:
    """Re-execute a chapter in place and keep only its checked outputs (``make refresh``), under
    the edit lock, so that an editor working on the same notebook waits instead of losing work."""
    import subprocess
    import sys

    path = Path(path)
    bindir = Path(sys.executable).parent
    with notebook_lock(path):
        subprocess.run(
            [str(bindir / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--inplace",
             str(path)],
            check=True,
        )  # fmt: skip
        # --keep-id: without it nbstripout renumbers the cell ids, which breaks "<id>-zh" twins
        subprocess.run(
            [str(bindir / "nbstripout"), "--keep-count", "--keep-id", str(path)], check=True
        )


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 3 or sys.argv[1] != "refresh":
        sys.exit("usage: python course/tools/nbedit.py refresh notebooks/NN_x.ipynb")
    refresh(sys.argv[2])
    print(f"refreshed {sys.argv[2]}")
