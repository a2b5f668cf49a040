"""What the browser tests share: how Chromium starts offline, and which font it drew Chinese in.

Imported by tests/course/test_website.py and tests/course/test_slides.py (pytest puts this
folder on the import path).
"""

from __future__ import annotations

# Debian's chromium, headless, with nothing running in the background that could go online.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--allow-file-access-from-files",
]

# Marks the first element under `root` that holds Chinese text; false if there is none.
_PROBE = """(slide) => {
  const root = slide ? Reveal.getCurrentSlide()
                     : (document.querySelector('article') || document.body);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    if (/[\\u4e00-\\u9fff]/.test(walker.currentNode.nodeValue)) {
      walker.currentNode.parentElement.setAttribute('data-cjk-probe', '1');
      return true;
    }
  }
  return false;
}"""


def chinese_fonts(page, slide: bool = False) -> list[tuple[str, bool]]:
    """The fonts Chromium actually used (CDP) for the first Chinese text of the page's article,
    or of the current reveal.js slide: ``(family, is a web font)`` pairs; empty without one."""
    if not page.evaluate(_PROBE, slide):
        return []
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-cjk-probe]"})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    cdp.detach()
    return [(f["familyName"], bool(f.get("isCustomFont"))) for f in fonts]
