"""A cluster's state from its last heartbeat, and the age of a last contact in words.

One reading for every place that shows it: `broadcast clusters`, the console's Cụm loa and
Trạng thái pages, and the province's count of clusters online. Receivers beat every 30 s
(`receiver/link.py`), so three missed beats make a cluster late and ten minutes offline.
The province dashboard says the age of a commune's last report with the same words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from broadcast.clusters.registry import PENDING, REVOKED

ONLINE_S = 90            # three heartbeats (every 30 s)
LATE_S = 600             # after ten minutes without one: offline
STATE_WORDS = {"online": "Trực tuyến", "late": "Chậm liên lạc", "offline": "Mất kết nối",
               "never": "Chưa liên lạc", "revoked": "Đã thu hồi", "pending": "Chờ ghép"}


def state_of(cluster: Any, now: datetime) -> tuple[str, float | None]:
    """(state, seconds since the last heartbeat): online, late, offline, never, revoked, pending."""
    if cluster.state == REVOKED:
        return "revoked", None
    if cluster.state == PENDING:
        return "pending", None
    if not cluster.last_seen:
        return "never", None
    age = max(0.0, (now - datetime.fromisoformat(cluster.last_seen)).total_seconds())
    return ("online" if age <= ONLINE_S else "late" if age <= LATE_S else "offline"), age


def age_words(seconds: float | None) -> str:
    """'12 giây trước', '3 phút trước', '5 giờ trước', '2 ngày trước'; '' when never.

    A unit is used from one and a half of it on (90 s is '1 phút', 89 s is '89 giây').
    """
    if seconds is None:
        return ""
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{int(seconds)} giây trước"
    if seconds < 5400:
        return f"{int(seconds // 60)} phút trước"
    if seconds < 172800:
        return f"{int(seconds // 3600)} giờ trước"
    return f"{int(seconds // 86400)} ngày trước"
