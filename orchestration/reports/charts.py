"""Charts with legible Chinese text: the CJK font ships in a PyPI package (mplfonts), nothing downloads."""
from __future__ import annotations

import base64
import io
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from orchestration.reports.formatting import grouped  # noqa: E402

FONT_FILE = "NotoSansCJKsc-Regular.otf"


def font_path() -> Path:
    """The CJK font file shipped in the mplfonts wheel (charts, PDF)."""
    return Path(str(files("mplfonts") / "fonts" / FONT_FILE))


@lru_cache(maxsize=1)
def cjk_font() -> font_manager.FontProperties:
    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))


def bar_chart(title: str, labels: list[str], values: list[float], unit: str, decimals: int = 0) -> str:
    """A bar chart as a base64 PNG data URI, value labels on the bars."""
    font = cjk_font()
    plt.rcParams["font.family"] = font.get_name()
    plt.rcParams["axes.unicode_minus"] = False
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=150)
    bars = ax.bar(labels, values, color=["#1f5fa8", "#3f8fd2", "#8cbfe8", "#c9dff2"][: len(values)], width=0.55)
    for bar, value in zip(bars, values):
        ax.annotate(grouped(value, decimals), (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=10, xytext=(0, 3), textcoords="offset points")
    ax.set_title(title, fontsize=12)
    ax.set_ylabel(f"单位：{unit}", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(y=0.15)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
