"""Matplotlib figures as self-contained, accessible HTML.

Every chart in a document goes through :func:`figure_html`: the figure is
rendered to SVG (crisp in print, small on disk), embedded as a data URI
(documents must work offline), and wrapped in ``<figure>`` with alt text and a
caption naming its period and sources.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from mdm.report.render import Html

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CATEGORY_COLOURS", "PALETTE", "figure_html", "house_style", "new_figure"]

# Colour-blind safe (Okabe-Ito), in the order series are drawn.
# (yellow last: it has too little contrast on white for a line or a label)
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]

# one colour per named category in every chart of a document (kinds of spending,
# onion layers, activity states), so a legend learnt once reads everywhere
CATEGORY_COLOURS = {
    "people": PALETTE[0],
    "programs": PALETTE[1],
    "events": PALETTE[2],
    "tools": PALETTE[3],
    "grants": PALETTE[5],
}

_STYLE: dict[str, Any] = {
    "figure.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    # text stays text (searchable, scalable); a fixed salt keeps element ids, hence
    # the section digest a sign-off records, the same from build to build
    "svg.fonttype": "none",
    "svg.hashsalt": "mdm",
}


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib as mpl
    from cycler import cycler

    # one palette everywhere; matplotlib types rc keys as literals, ours are a plain dict
    with mpl.rc_context(cast("Any", {**_STYLE, "axes.prop_cycle": cycler(color=PALETTE)})):
        yield


def new_figure(width: float = 7.5, height: float = 3.6) -> Figure:
    """A figure in the house style, not attached to pyplot (no global state, no leaks)."""
    from matplotlib.figure import Figure

    with _style():
        fig = Figure(figsize=(width, height), layout="constrained")
        fig.add_subplot()
    return fig


def house_style(fig: Figure) -> Figure:
    """Restyle a figure drawn elsewhere (pyplot, pandas, seaborn) as mdm's charts look.

    Spines, grid, title weight and legend frame follow the house style; series drawn in
    matplotlib's default colours take the palette's colours in the same order, while
    colours the author chose are kept. A figure without a layout engine (``plt.subplots()``)
    is laid out as mdm's own are (constrained), so long tick labels and titles stay inside it.
    """
    from matplotlib import colors

    if fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")

    defaults = [colors.to_hex(f"C{i}") for i in range(10)]
    recolour = {d: PALETTE[i % len(PALETTE)] for i, d in enumerate(defaults)}
    for ax in fig.axes:
        ax.spines[["top", "right"]].set_visible(False)
        if not ax.images:  # a grid over a heatmap hides its cells
            ax.grid(True, alpha=_STYLE["grid.alpha"])
            ax.set_axisbelow(True)
        ax.title.set_fontsize(_STYLE["axes.titlesize"])
        ax.title.set_fontweight(_STYLE["axes.titleweight"])
        for line in ax.get_lines():
            line.set_color(recolour.get(colors.to_hex(line.get_color()), line.get_color()))
        for patch in ax.patches:
            face = colors.to_hex(patch.get_facecolor())
            if face in recolour:
                patch.set_facecolor(recolour[face])
        legend = ax.get_legend()
        if legend is not None and ax.get_legend_handles_labels()[0]:
            ax.legend(frameon=False)  # drawn again: its swatches have the old colours
        elif legend is not None:
            legend.set_frame_on(False)
    return fig


def figure_svg(fig: Figure) -> bytes:
    """``fig`` as SVG bytes, reproducible (no date, fixed ids), text kept as text."""
    buffer = io.BytesIO()
    with _style():
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def figure_html(fig: Figure, *, alt: str, caption: str = "", source: str = "") -> Html:
    """Render ``fig`` as a ``<figure>`` with an embedded SVG, alt text and caption.

    ``caption`` is plain text; ``source`` is trusted HTML appended to it (a link to the appendix).
    """
    if not alt.strip():
        raise ValueError("every chart needs alt text")
    data = base64.b64encode(figure_svg(fig)).decode("ascii")
    width, height = (round(v * 96) for v in fig.get_size_inches())
    text = html.escape(caption) + (" " + source if source else "")
    cap = f"<figcaption>{text.strip()}</figcaption>" if text.strip() else ""
    return Html(
        '<figure class="mdm-chart">'
        f'<img src="data:image/svg+xml;base64,{data}" width="{width}" height="{height}" '
        f'alt="{html.escape(alt, quote=True)}">'
        f"{cap}</figure>"
    )
