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

__all__ = ["edit_notebook"]


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
