"""What a commune does with a province bulletin, by its level, and its repeats: `Commune.receive` and `tick`.

- **khẩn cấp**: on air at once through the daemon's urgent spool (the `air` callable), then
  again every `repeat_every_minutes` until it expires, is cancelled or is replaced; every airing
  after the first begins with "Bản tin phát hành lúc ...". Not valid yet: it waits for its start.
  No daemon running: it stays 'chờ đến giờ phát' and the next tick tries again.
- **ưu tiên**: an announcement file `schedules/thong-bao/tinh-<id>.yaml` (priority uu-tien,
  status approved, or pending when `[province] approve_bulletins`) the schedule loader reads,
  so it is in the next programmes built; a free text is spoken once into `recordings/tinh/`.
- **thông thường**: waits in the inbox ('chờ xếp lịch'); `schedule` writes the same kind of
  file with the officer's slots and days; `dismiss` drops it. Nothing airs by itself.

Cancellation and replacement end a bulletin (its file removed, its repeats stopped); a bulletin
received after it expired is stored as 'hết hạn' and never aired. Every side effect goes through
callables given at construction (`air`, `speak`, `fetch_recording`), so the same logic runs
under the daemon's listener, `broadcast inbox --sync` and the tests with a fake clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from broadcast.atomic import write_text_atomic
from broadcast.errors import InputError
from broadcast.province.bulletins.document import (
    LEVEL_PRIORITY,
    concerns,
    issue_sentence,
    moment,
    repeat_minutes,
)
from broadcast.province.bulletins.envelope import BulletinRefused, open_envelope
from broadcast.province.bulletins.inbox import Inbox

PREFIX = "tinh-"               # generated announcement files and recordings start with it
Air = Callable[[Mapping[str, Any], str | None], bool]          # (document, issue-time sentence) -> handed over?
Speak = Callable[[str, Path], Path]                            # (text, path without suffix) -> written file
FetchRecording = Callable[[Mapping[str, Any], Path], Path]     # (document, path without suffix) -> file


@dataclass
class Commune:
    """One commune's side of the link: checks, stores and acts on what the province sends."""

    inbox: Inbox
    public_key: Any
    name: str                                   # its name on the province server (the source URL's last part)
    root: Path                                  # the station folder
    now: Callable[[], datetime]
    air: Air
    speak: Speak | None = None
    fetch_recording: FetchRecording | None = None
    tags: Sequence[str] = ()
    approve: bool = False                       # ưu tiên waits for the commune's approval
    schedules: str = "schedules"
    check: Callable[[str, bytes], None] | None = None    # (file name, content): InputError if the schedule refuses it
    events: list[str] = field(default_factory=list)

    # -- receiving

    def receive(self, envelope: Any) -> str:
        """Check and act on one signed document; returns what happened ('refused', 'cancelled', a state...)."""
        now = self.now()
        try:
            document = open_envelope(envelope, self.public_key)
            self.inbox.check_order(document["seq"])
        except BulletinRefused as refusal:
            self.inbox.refuse(now, refusal)
            self.events.append(f"Từ chối bản tin: {refusal}")
            return "refused"
        self.inbox.accept_seq(document["seq"])
        if document["type"] == "cancel":
            found = self.inbox.get(document["cancels"])
            if found and found["state"] not in ("da-huy", "da-thay", "het-han"):
                self._end(found, "da-huy", f"tỉnh hủy lúc {document['issued']}")
                self.events.append(f"Tỉnh hủy bản tin {found['id']}: {found['title']}")
            return "cancelled"
        if not concerns(document, self.name, self.tags):
            return "not-for-us"
        if document.get("replaces"):
            old = self.inbox.get(document["replaces"])
            if old and old["state"] not in ("da-huy", "da-thay", "het-han"):
                self._end(old, "da-thay", f"thay bằng {document['id']}")
        if now >= moment(document["expires"]):
            self.inbox.store(document, "het-han", now, "đến nơi khi đã hết hạn: không phát")
            return "het-han"
        level = document["level"]
        if level == "khan-cap":
            self.inbox.store(document, "cho-phat", now)
            self._air_urgent(self.inbox.get(document["id"]), now)
        elif level == "uu-tien":
            self.inbox.store(document, "cho-xep-lich", now)
            try:
                self.schedule(document["id"])
            except InputError as exc:           # the commune lacks the template...: the officer sees why
                self.inbox.set_state(document["id"], "cho-xep-lich", note=f"chưa tự xếp lịch được: {exc}")
                self.events.append(f"Bản tin ưu tiên {document['id']} chưa vào lịch: {exc}")
        else:
            self.inbox.store(document, "cho-xep-lich", now)
        return self.inbox.get(document["id"])["state"]

    def tick(self) -> None:
        """Expire what ran out; air khẩn cấp bulletins whose start came and repeats that are due."""
        now = self.now()
        for row in self.inbox.active():
            document = row["document"]
            if now >= moment(document["expires"]):
                self._end(row, "het-han", "hết hạn")
            elif document["level"] == "khan-cap":
                self._air_urgent(row, now)

    # -- the officer

    def schedule(self, bulletin_id: str, *, slots: Iterable[str] = (), days: Iterable[str] = ()) -> Path:
        """Write the bulletin's announcement file (ưu tiên at once, thông thường when the officer says)."""
        row = self.inbox.get(bulletin_id)
        if row is None:
            raise InputError(f"hộp thư không có bản tin '{bulletin_id}'", hint="xem danh sách bằng 'broadcast inbox'")
        if row["state"] not in ("cho-xep-lich", "da-len-lich"):
            raise InputError(f"bản tin '{bulletin_id}' đang ở trạng thái '{row['state_name']}': không xếp lịch được")
        document = row["document"]
        entry = self._announcement(document, list(slots), list(days))
        path = self.root / self.schedules / "thong-bao" / f"{PREFIX}{bulletin_id}.yaml"
        text = _yaml(entry)
        if self.check is not None:
            self.check(path.name, text.encode("utf-8"))
        write_text_atomic(path, text)
        self.inbox.set_state(bulletin_id, "da-len-lich", schedule_file=str(path.relative_to(self.root)))
        return path

    def dismiss(self, bulletin_id: str) -> None:
        row = self.inbox.get(bulletin_id)
        if row is None:
            raise InputError(f"hộp thư không có bản tin '{bulletin_id}'")
        self._end(row, "da-bo", "cán bộ xã bỏ qua")

    # -- inside

    def _air_urgent(self, row: Mapping[str, Any], now: datetime) -> None:
        document = row["document"]
        if now < moment(document["valid_from"]):
            return
        last = self.inbox.last_airing(document["id"])
        if last is not None and now < last + timedelta(minutes=repeat_minutes(document)):
            return
        sentence = issue_sentence(moment(document["issued"])) if last is not None else None
        if not self.air(document, sentence):
            self.inbox.set_state(document["id"], row["state"], note="chưa có trình phát (broadcast run) nhận")
            return
        start = max(moment(document["issued"]), moment(document["valid_from"]))
        delay = (now - start).total_seconds() if last is None else None
        self.inbox.aired(document["id"], now, "dau-tien" if last is None else "lap-lai", delay)
        self.inbox.set_state(document["id"], "dang-lap-lai", note="")
        self.events.append(f"Phát bản tin khẩn {document['id']}{' (lặp lại)' if last else ''}")

    def _end(self, row: Mapping[str, Any], state: str, note: str) -> None:
        if row.get("schedule_file"):
            (self.root / row["schedule_file"]).unlink(missing_ok=True)
        self.inbox.set_state(row["id"], state, note=note, schedule_file=None)

    def _announcement(self, document: Mapping[str, Any], slots: list[str], days: list[str]) -> dict[str, Any]:
        tz = self.now().tzinfo
        start = moment(document["valid_from"]).astimezone(tz)
        last = (moment(document["expires"]) - timedelta(seconds=1)).astimezone(tz)
        entry: dict[str, Any] = {"id": f"{PREFIX}{document['id']}", "title": document["title"]}
        content = document["content"]
        base = self.root / "recordings" / "tinh" / document["id"]
        if "template" in content:
            entry["template"] = content["template"]
            entry["values"] = content.get("values", {})
        elif "text" in content:
            if self.speak is None:
                    raise InputError("không có máy đọc để chuẩn bị bản tin chữ")
            entry["file"] = str(self.speak(content["text"], base).relative_to(self.root))
        else:
            if self.fetch_recording is None:
                    raise InputError("không tải được tệp ghi âm của bản tin")
            entry["file"] = str(self.fetch_recording(document, base).relative_to(self.root))
        entry.update({"from": start.date().isoformat(), "until": last.date().isoformat(),
                      "priority": LEVEL_PRIORITY[document["level"]].value,
                      "status": "pending" if self.approve and document["level"] == "uu-tien" else "approved",
                      "tags": ["tinh"],
                      # the console's review fields: a pending bulletin shows in Duyệt like a notice
                      "author": "Tỉnh", "submitted_at": self.now().isoformat(timespec="seconds"), "version": 1})
        if slots:
            entry["slots"] = slots
        if days:
            entry["days"] = days
        return entry


def _yaml(entry: Mapping[str, Any]) -> str:
    lines = ["# Bản tin của tỉnh, do 'broadcast' ghi tự động: sửa bằng 'broadcast inbox', không sửa tay."]
    for key, value in entry.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")     # JSON is valid YAML flow style
    return "\n".join(lines) + "\n"
