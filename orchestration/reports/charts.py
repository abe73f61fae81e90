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


PALETTE = ["#1f5fa8", "#3f8fd2", "#8cbfe8", "#c9dff2", "#e39b3b", "#7a9a3a", "#a05195", "#d45087"]


def chart(kind: str, title: str, labels: list[str], values: list[float], unit: str, decimals: int = 0) -> str:
    """A chart as a base64 PNG data URI: bar, barh (long labels), pie (shares) or line (a series over
    years); Chinese title, the unit on the value axis, every value labelled as the tables print it."""
    font = cjk_font()
    plt.rcParams["font.family"] = font.get_name()
    plt.rcParams["axes.unicode_minus"] = False
    height = 3.6 if kind != "barh" else max(2.4, 0.42 * len(values) + 1.2)
    fig, ax = plt.subplots(figsize=(6.4, height), dpi=150)
    text = [grouped(v, decimals) for v in values]
    if kind == "pie":
        ax.pie(
            values,
            labels=[f"{label}\n{t}{unit}" for label, t in zip(labels, text, strict=True)],
            colors=PALETTE[: len(values)],
            startangle=90,
            counterclock=False,
            wedgeprops={"linewidth": 1, "edgecolor": "white"},
            textprops={"fontsize": 9},
        )
        ax.axis("equal")
    elif kind == "line":
        ax.plot(labels, values, marker="o", color=PALETTE[0])
        for x, y, t in zip(labels, values, text, strict=True):
            ax.annotate(t, (x, y), ha="center", va="bottom", fontsize=9, xytext=(0, 5), textcoords="offset points")
        ax.set_ylabel(f"单位：{unit}", fontsize=10)
    elif kind == "barh":
        bars = ax.barh(labels[::-1], values[::-1], color=PALETTE[0], height=0.6)
        ax.bar_label(bars, labels=text[::-1], padding=3, fontsize=9)
        ax.set_xlabel(f"单位：{unit}", fontsize=10)
        ax.margins(x=0.15)
    else:
        width = max(4, 40 // max(len(values), 1))  # characters a label may take under its bar before it wraps
        wrapped = ["\n".join(label[i : i + width] for i in range(0, len(label), width)) for label in labels]
        bars = ax.bar(wrapped, values, color=(PALETTE * 2)[: len(values)], width=0.55)
        ax.bar_label(bars, labels=text, padding=3, fontsize=10)
        ax.set_ylabel(f"单位：{unit}", fontsize=10)
        ax.margins(y=0.15)
    ax.set_title(title, fontsize=12)
    if kind != "pie":
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
