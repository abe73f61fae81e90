"""What a report shows, and keeping the files of a report that shows the same as in the last build.

A page is rendered with STAMP where its generation time goes; `stamped` puts the time in and returns a
digest of the page without it (plus the code that writes its Word and PDF files). A folder of reports keeps
its digests (.digests.json); `Unchanged.keep` hard-links a report's files from the last build into the new
one (build.swap_in's work folder) when its digest is the same, so nothing is laid out again."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

STAMP = "@@generated_at@@"  # where a page's generation time goes: left out of what it shows
DIGESTS = ".digests.json"  # in a folder of reports: file stem -> digest of what its files show
_WRITERS = hashlib.sha256(
    b"".join((Path(__file__).parent / n).read_bytes() for n in ("word.py", "pdf.py", "build.py", "charts.py"))
).hexdigest()  # the Word and PDF writers are part of what a file holds: a new layout rewrites every report


def stamped(html: str) -> tuple[str, str]:
    """A page rendered with STAMP for its generation time: (the page with the time, digest of what it shows)."""
    digest = hashlib.sha256((_WRITERS + html).encode()).hexdigest()
    return html.replace(STAMP, datetime.now().strftime("%Y-%m-%d %H:%M")), digest


class Unchanged:
    """The reports of a folder's next build that show what they showed in its last: their files are
    hard-linked into the new folder (swap_in's work folder), not written again."""

    def __init__(self, out_dir: Path) -> None:
        path = out_dir / DIGESTS
        self.before = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        self.after: dict[str, str] = {}
        self.kept = 0

    def keep(self, stem: str, digest: str, paths: list[Path], work: Path) -> bool:
        self.after[stem] = digest
        if self.before.get(stem) != digest or not all(p.is_file() for p in paths):
            return False
        for path in paths:
            os.link(path, work / path.name)
        self.kept += 1
        return True

    def save(self, work: Path) -> None:
        (work / DIGESTS).write_text(json.dumps(self.after, ensure_ascii=False, sort_keys=True), encoding="utf-8")
