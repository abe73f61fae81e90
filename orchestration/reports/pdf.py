"""The report as PDF, from the same HTML build (WeasyPrint: registry packages and the system's Pango).

Text is set in Noto Sans CJK SC: the system's copy where fontconfig has one, else the copy the charts
use (the mplfonts package), declared with @font-face; either is embedded (subset). Nothing is fetched:
the fetcher serves data: URIs (the charts) and that one font file, and refuses every other URL.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.reports.charts import font_path

PAGE = "@page { size: A4; margin: 2.2cm 2cm; @bottom-center { content: counter(page); font-size: 9pt; } }"


def html_to_pdf(html: str, path: Path) -> Path:
    from weasyprint import CSS, HTML  # imported when a PDF is written: about 1 s
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    font = font_path().as_uri()

    class Offline(URLFetcher):
        def fetch(self, url, headers=None):
            if not (url.startswith("data:") or url == font):
                raise ValueError(f"report PDF fetches nothing from outside: {url}")
            return super().fetch(url, headers)

    fetcher = Offline(allowed_protocols={"data", "file"})
    # the system's Noto Sans CJK where installed (its text extracts cleanly); the shipped font otherwise
    faces = f"@font-face {{ font-family: 'VocwhCJK'; src: url('{font}'); }}"
    # !important: these are user styles, which yield to the page's own (screen width, margins) otherwise
    body = (
        "body { font-family: 'Noto Sans CJK SC', 'VocwhCJK', sans-serif !important; "
        "max-width: none !important; margin: 0 !important; }"
    )
    # WeasyPrint loads @font-face fonts only through a FontConfiguration given to both the stylesheet and
    # the rendering; without one the rule is ignored and, on a machine without a system CJK font, every
    # Chinese character is an empty box
    fonts = FontConfiguration()
    css = CSS(string=f"{faces} {PAGE} {body}", url_fetcher=fetcher, font_config=fonts)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    HTML(string=html, url_fetcher=fetcher).write_pdf(tmp, stylesheets=[css], font_config=fonts)
    tmp.replace(path)
    return path
