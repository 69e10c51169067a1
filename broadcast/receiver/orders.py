"""The receiver's side of the station's orders (a restart): checked, applied once, remembered across restarts.

An order comes in the answer to a heartbeat (`clusters.orders`). It is taken only when the
station's pinned key signed it, it names this cluster, it has not expired, its id was never
applied here and it was issued after the last order applied here; what was applied is saved in
`<folder>/lenh.json` *before* it is acted on, so a restart ordered once restarts once, and every
heartbeat lists the applied ids until the station has seen them. The remote control in the same
answer is taken the same way: signed by the station for this cluster, newer than the last one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from broadcast.atomic import write_text_atomic
from broadcast.clusters import protocol

NAME = "lenh.json"
RESTART = "khoi-dong-lai"
CONTROL = "dieu-khien"
KEEP = 20


@dataclass
class OrderState:
    """The ids applied here (the last few) and when the newest of them was issued."""

    path: Path
    done: list[str] = field(default_factory=list)
    last_issued: str | None = None
    control_issued: str | None = None     # when the station signed the control applied last

    @classmethod
    def load(cls, folder: Path) -> OrderState:
        path = folder / NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(path, [str(i) for i in data.get("done", [])][-KEEP:], data.get("last_issued"),
                       data.get("control_issued"))
        except (OSError, ValueError, TypeError, AttributeError):
            return cls(path)

    def applied(self, document: dict[str, Any]) -> None:
        self.done = [*self.done, str(document["id"])][-KEEP:]
        self.last_issued = str(document["issued_at"])
        self.save()

    def control_taken(self, issued_at: str) -> None:
        self.control_issued = issued_at
        self.save()

    def save(self) -> None:
        write_text_atomic(self.path, json.dumps({"done": self.done, "last_issued": self.last_issued,
                                                 "control_issued": self.control_issued}) + "\n")


def check_order(item: Any, *, cluster: str, station_key: str, state: OrderState,
                now: datetime) -> tuple[dict[str, Any] | None, str | None]:
    """(the order, None) when it is to be applied now; (None, why) when refused; (None, None) when already done."""
    if not isinstance(item, dict) or not isinstance(item.get("document"), str):
        return None, "lệnh của đài sai cấu trúc"
    data = item["document"].encode("utf-8")
    if not protocol.verify_bytes(data, str(item.get("signature", "")), protocol.load_public(station_key)):
        return None, "chữ ký lệnh không phải của đài (đã từ chối)"
    try:
        document = json.loads(data)
        issued = datetime.fromisoformat(str(document["issued_at"]))
        expires = datetime.fromisoformat(str(document["expires_at"]))
        order_id, kind = str(document["id"]), str(document["kind"])
    except (ValueError, KeyError, TypeError):
        return None, "lệnh của đài thiếu mã, loại hoặc hạn"
    if document.get("cluster") != cluster:
        return None, f"lệnh '{order_id}' dành cho cụm loa khác ({document.get('cluster')})"
    if order_id in state.done:
        return None, None                  # applied already: the station has not seen the heartbeat saying so
    if state.last_issued and issued <= datetime.fromisoformat(state.last_issued):
        return None, f"lệnh '{order_id}' cũ hơn lệnh đã làm (bị gửi lại, đã từ chối)"
    if expires <= now:
        return None, f"lệnh '{order_id}' đã hết hạn lúc {expires:%H:%M %d/%m}"
    if kind != RESTART:
        return None, f"loại lệnh '{kind}' không biết"
    return document, None


def check_control(item: Any, *, cluster: str, station_key: str, state: OrderState) -> tuple[dict | None, str | None]:
    """(the control, None) when the station signed it for this cluster after the last one taken; else (None, why)."""
    if not isinstance(item, dict) or not isinstance(item.get("document"), str):
        return None, "điều khiển từ đài không có chữ ký (đã bỏ qua)"
    data = item["document"].encode("utf-8")
    if not protocol.verify_bytes(data, str(item.get("signature", "")), protocol.load_public(station_key)):
        return None, "chữ ký điều khiển không phải của đài (đã từ chối)"
    try:
        document = json.loads(data)
        issued = datetime.fromisoformat(str(document["issued_at"]))
        control = document["control"]
    except (ValueError, KeyError, TypeError):
        return None, "điều khiển từ đài thiếu thời điểm ký"
    if document.get("kind") != CONTROL or document.get("cluster") != cluster or not isinstance(control, dict):
        return None, "điều khiển từ đài không dành cho cụm loa này"
    if state.control_issued and issued <= datetime.fromisoformat(state.control_issued):
        return None, "điều khiển từ đài cũ hơn cái đã nhận (bị gửi lại, đã từ chối)"
    return {**control, "_issued_at": document["issued_at"]}, None
