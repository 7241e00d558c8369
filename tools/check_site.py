"""Fail when the built site shows a reader anything that is not a tested chapter output.

    python tools/check_site.py _build/html

Checks: no Python traceback or error output on any page, no execution report
folder, and no script, stylesheet or image loaded from outside the site.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

BAD_TEXT = ("Traceback (most recent call last)", "AssertionError", "RuntimeWarning")
EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


def problems(site: Path) -> list:
    found = []
    if not (site / "index.html").exists():
        return [f"{site} has no index.html: build the book first"]
    if (site / "reports").exists():
        found.append(f"{site / 'reports'} exists: execution error logs must not be published")
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(errors="replace")
        for bad in BAD_TEXT:
            if bad in text:
                found.append(f"{page.relative_to(site)} shows {bad!r}")
        for m in EXTERNAL.finditer(text):
            found.append(f"{page.relative_to(site)} loads from outside the site: {m.group(0)[:120]}")
    return found


if __name__ == "__main__":
    site = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")
    found = problems(site)
    for p in found:
        print(p)
    if found:
        raise SystemExit(f"{len(found)} problem(s) in the built site")
    print(f"{site}: no tracebacks, no error logs, nothing loaded from outside")
