"""Formulas as MathML: browsers draw MathML natively, so the site needs no script and no CDN.

A Sphinx HTML math renderer (``html_math_renderer = "mathml"``) that converts each formula's
LaTeX with latex2mathml at build time. A formula latex2mathml cannot convert stops the build
with the formula quoted.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.errors import ExtensionError


def _convert(latex: str, display: str) -> str:
    from latex2mathml.converter import convert

    try:
        return convert(latex.strip(), display=display).replace("\n", "")
    except Exception as err:  # latex2mathml raises its own exception types
        raise ExtensionError(f"cannot convert formula {latex!r} to MathML: {err}") from err


def visit_math(self, node: nodes.Element) -> None:
    self.body.append(_convert(node.astext(), "inline"))
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.Element) -> None:
    latex = node.astext()
    self.body.append(f'<div class="math-display">{_convert(latex, "block")}</div>')
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer(
        "mathml", inline_renderers=(visit_math, None), block_renderers=(visit_displaymath, None)
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
