"""The commune's report up to the province: what aired, its bulletins, its state; signed, queued, resent.

A report (docs/schemas/report.schema.json) is made every `[province] report_every_s`:

    {"type": "report", "commune": "xa-001", "seq": 7, "made_at": ISO, "public_key": "<base64>",
     "heartbeat": ISO | null, "disk_free_mb": 51234, "engines": ["espeak"],
     "planned": [{"date": "2026-12-07", "programmes": 2, "minutes": 31.5}],
     "airings": [{"row": 812, "kind": "programme", "programme_id": ..., "date": ..., "slot": ...,
                  "title": ..., "status": "played", "origin": "scheduled", "priority": ...,
                  "scheduled_at": ..., "started_at": ..., "ended_at": ..., "duration_s": 912.4}],
     "bulletins": [{"id": "bao-so-9", "seq": 12, "level": "khan-cap", "state": "dang-lap-lai",
                    "received_at": ..., "first_aired_at": ..., "delay_s": 3.2, "airings": 2}],
     "clusters": {"online": 3, "total": 4},
     "days": [{"date": "2026-12-07", "built_at": ISO, "fetched_at": ISO}]}

`clusters` counts the paired loudspeaker clusters (`var/cum-loa/clusters.sqlite`, read only) and
those heard from in the last `CLUSTER_ONLINE_S`; it is left out when the station has none. `days`
are the province's days this commune took with `broadcast fetch` or `broadcast run`
(`province.fetch.fetched_days`): which build, and when it came.

It carries the as-run rows added since the last report (at most `MAX_ROWS`; the rest go in the
next), plus rows still 'playing' last time, so a finished programme is sent again with its end.
Each report is signed with the commune's own Ed25519 key (`var/tinh-bao-cao.key`, made on first
use; the province keeps the first key a commune name shows, trust on first use) and written to
`var/tinh-bao-cao/<seq>.json` before it is sent: offline, reports wait there and go in order
when the province answers. A lock file in the queue lets `broadcast fetch` and a running daemon
report from one station without taking the same number. The province counts a (commune, seq) once, and an as-run row once
by its row number, so a resend never counts twice.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from broadcast.atomic import write_text_atomic
from broadcast.clusters.health import ONLINE_S
from broadcast.province.bulletins.envelope import seal
from broadcast.province.bulletins.inbox import Inbox

MAX_ROWS = 500
CLUSTER_ONLINE_S = ONLINE_S     # three missed heartbeats, as `broadcast clusters list` counts
QUEUE = "tinh-bao-cao"
KEY_NAME = "tinh-bao-cao.key"
_COLUMNS = ("id", "kind", "programme_id", "date", "slot", "title", "status", "origin", "priority",
            "scheduled_at", "started_at", "ended_at", "duration_s")


class Reporter:
    """Makes, queues and sends one commune's reports."""

    def __init__(self, *, name: str, base_url: str, state_dir: Path, inbox: Inbox, asrun: Path,
                 audio_out: Path, now: Callable[[], datetime], engines: list[str], timeout_s: float = 30.0) -> None:
        from broadcast.province.signing import generate_key, load_private_key

        self.name, self.base_url, self.inbox, self.asrun = name, base_url.rstrip("/"), inbox, Path(asrun)
        self.audio_out, self.now, self.engines, self.timeout_s = Path(audio_out), now, engines, timeout_s
        self.queue = Path(state_dir) / QUEUE
        self.queue.mkdir(parents=True, exist_ok=True)
        key_path = Path(state_dir) / KEY_NAME
        if not key_path.exists():
            generate_key(key_path)
        self.key = load_private_key(key_path)
        self.state_dir = Path(state_dir)

    # -- making

    def make(self) -> dict[str, Any]:
        """The next report, written to the queue (the as-run position moves on only once it is on disk)."""
        with self._locked():
            return self._make()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.queue / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _make(self) -> dict[str, Any]:
        from broadcast.province.signing import public_key_text

        now = self.now()
        seq = int(self.inbox.get_meta("report_seq") or 0) + 1
        last_row = int(self.inbox.get_meta("report_row") or 0)
        open_rows = json.loads(self.inbox.get_meta("report_open") or "[]")
        rows, heartbeat = self._asrun(last_row, open_rows)
        document = {"type": "report", "commune": self.name, "seq": seq, "made_at": now.isoformat(timespec="seconds"),
                    "public_key": public_key_text(self.key.public_key()), "heartbeat": heartbeat,
                    "disk_free_mb": shutil.disk_usage(self.state_dir).free // (1 << 20),
                    "engines": list(self.engines), "planned": self._planned(now.date()),
                    "airings": rows, "bulletins": self._bulletins(), "days": self._days()}
        clusters = self._clusters(now)
        if clusters is not None:
            document["clusters"] = clusters
        write_text_atomic(self.queue / f"{seq:08d}.json", json.dumps(seal(document, self.key), ensure_ascii=False))
        self.inbox.set_meta("report_seq", str(seq))
        if rows:
            self.inbox.set_meta("report_row", str(max([last_row, *(r["row"] for r in rows)])))
        self.inbox.set_meta("report_open", json.dumps([r["row"] for r in rows if r["status"] == "playing"]))
        return document

    def send_queued(self) -> int:
        """Send what waits, oldest first; stop at the first failure (kept for next time). Returns sent."""
        with self._locked():
            return self._send_queued()

    def _send_queued(self) -> int:
        sent = 0
        for path in sorted(self.queue.glob("*.json")):
            request = urllib.request.Request(f"{self.base_url}/api/reports", data=path.read_bytes(),
                                             headers={"Content-Type": "application/json"}, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:   # noqa: S310
                    response.read(1 << 16)
            except urllib.error.HTTPError as exc:
                # 404/405: a day server without `--db` takes no reports yet; kept for when it does
                if 400 <= exc.code < 500 and exc.code not in (404, 405, 408, 429):
                    path.rename(path.with_suffix(".tu-choi"))     # refused for good: kept aside, not resent
                    continue
                break
            except OSError:
                break
            path.unlink()
            sent += 1
        return sent

    def send_due(self) -> int:
        self.make()
        return self.send_queued()

    # -- inside

    def _asrun(self, last_row: int, open_rows: list[int]) -> tuple[list[dict[str, Any]], str | None]:
        if not self.asrun.exists():
            return [], None
        db = sqlite3.connect(f"file:{self.asrun}?mode=ro", uri=True, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            marks = ",".join("?" * len(open_rows))
            where = f"id > ? OR id IN ({marks})" if open_rows else "id > ?"
            found = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM airings WHERE {where} ORDER BY id LIMIT ?",
                               (last_row, *open_rows, MAX_ROWS)).fetchall()
            beat = db.execute("SELECT max(at) FROM events WHERE kind IN ('heartbeat', 'start')").fetchone()[0]
        except sqlite3.Error:
            return [], None
        finally:
            db.close()
        rows = [{"row" if k == "id" else k: row[k] for k in _COLUMNS} for row in found]
        return rows, beat

    def _days(self) -> list[dict[str, Any]]:
        from broadcast.province.fetch import fetched_days

        return fetched_days(self.state_dir)[-31:]

    def _clusters(self, now: datetime) -> dict[str, int] | None:
        path = self.state_dir / "cum-loa" / "clusters.sqlite"
        if not path.is_file():
            return None
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
            try:
                seen = [r[0] for r in db.execute("SELECT last_seen FROM clusters WHERE state = 'hoat-dong'")]
            finally:
                db.close()
        except sqlite3.Error:
            return None
        online = 0
        for stamp in seen:
            try:
                moment = datetime.fromisoformat(stamp) if stamp else None
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is not None and (now - moment).total_seconds() <= CLUSTER_ONLINE_S:
                online += 1
        return {"online": online, "total": len(seen)}

    def _planned(self, day: date) -> list[dict[str, Any]]:
        try:
            manifest = json.loads((self.audio_out / day.isoformat() / "manifest.json").read_text(encoding="utf-8"))
            programmes = manifest["programmes"]
            minutes = sum(float(p.get("duration_s") or 0) for p in programmes) / 60
        except (OSError, ValueError, KeyError, TypeError):
            return []
        return [{"date": day.isoformat(), "programmes": len(programmes), "minutes": round(minutes, 2)}]

    def _bulletins(self) -> list[dict[str, Any]]:
        out = []
        airings: dict[str, list[dict[str, Any]]] = {}
        for airing in self.inbox.airings():
            airings.setdefault(airing["bulletin"], []).append(airing)
        for row in self.inbox.all():
            if row["state"] == "khong-lien-quan":
                continue
            mine = airings.get(row["id"], [])
            out.append({"id": row["id"], "seq": row["seq"], "level": row["level"], "state": row["state"],
                        "received_at": row["received_at"], "first_aired_at": mine[0]["at"] if mine else None,
                        "delay_s": mine[0]["delay_s"] if mine else None, "airings": len(mine)})
        return out[-200:]


def reporter_for_station(station: Any, base_url: str, name: str, inbox: Inbox) -> Reporter:
    from broadcast.play.state import state_paths

    log_path, _ = state_paths(station)
    return Reporter(name=name, base_url=base_url,
                    state_dir=station.path(station.paths.state), inbox=inbox, asrun=log_path,
                    audio_out=station.path(station.paths.audio_out), now=lambda: datetime.now(station.tz),
                    engines=list(station.speech.engines), timeout_s=float(station.province.timeout_s))
