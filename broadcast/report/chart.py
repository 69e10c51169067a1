"""The report's chart: airtime by week and by topic, one PNG (matplotlib, Agg, no pyplot state).

matplotlib is imported here and nowhere else, and only when a chart is drawn.
"""

from __future__ import annotations

import io
import textwrap

from broadcast.report.model import OTHER_TOPIC, Report

MAX_TOPICS = 8          # the longest bars; the rest are in the topic table
WIDTH_IN, HEIGHT_IN, DPI = 6.3, 3.0, 150


def airtime_chart(report: Report) -> bytes | None:
    """PNG bytes of two bar charts (minutes per week; minutes per topic); None when nothing aired."""
    if not any(w.minutes for w in report.weeks):
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    by_week, by_topic = figure.subplots(1, 2, width_ratios=(1, 1.25))

    weeks = list(report.weeks)
    by_week.bar(range(len(weeks)), [w.minutes for w in weeks], color="#2f5d8a")
    by_week.set_xticks(range(len(weeks)), [w.label.replace("–", "–\n") for w in weeks], fontsize=6)
    by_week.set_title("Theo tuần", fontsize=9)
    by_week.set_ylabel("phút", fontsize=8)
    by_week.tick_params(axis="y", labelsize=7)

    topics = sorted((t for t in report.topics if t.minutes > 0), key=lambda t: (-t.minutes, t.tag != OTHER_TOPIC))
    topics = topics[:MAX_TOPICS][::-1]
    if topics:
        by_topic.barh(range(len(topics)), [t.minutes for t in topics], color="#b5532e")
        by_topic.set_yticks(range(len(topics)), [textwrap.fill(t.label, 24) for t in topics], fontsize=7)
    else:
        by_topic.text(0.5, 0.5, "Không có tin, bài gắn chủ đề", ha="center", va="center", fontsize=8)
        by_topic.set_yticks([])
    by_topic.set_title("Theo chủ đề", fontsize=9)
    by_topic.set_xlabel("phút", fontsize=8)
    by_topic.tick_params(axis="x", labelsize=7)
    for axes in (by_week, by_topic):
        axes.spines[["top", "right"]].set_visible(False)

    buf = io.BytesIO()
    figure.savefig(buf, format="png", metadata={"Software": None})   # no version stamp: same bytes
    return buf.getvalue()
