"""Server time of the console's week page for the sample station: median of 20 requests.

Side by side with the least work giving the same content: loading the schedules and planning
the seven days (what `broadcast plan --days 7` does), so the page's own cost (build state,
HTML) is visible. Runs in-process through the ASGI app (no network), on a scratch copy of the
sample station, with the clock fixed at 2026-12-07 09:00.

    nice -n 10 .venv/bin/python benchmarks/web_week.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

RUNS = 20


def timed(fn) -> list[float]:
    fn()                                             # warm: templates compiled, tune probed
    out = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    from bench import scratch_station  # this folder is on sys.path when run as a script
    from starlette.testclient import TestClient

    from broadcast.build import load_plan
    from broadcast.station.config import load_station
    from broadcast.web import Console, create_app

    with tempfile.TemporaryDirectory() as tmp:
        station = load_station(scratch_station(Path(tmp), ("scripts_vi", "schedules")))
        now = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
        console = Console.for_station(station, now=lambda: now)
        console.accounts.add("can-bo", "bien-tap", "mat-khau-do-dai")
        client = TestClient(create_app(console), base_url="http://127.0.0.1")
        page = client.get("/login").text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        client.post("/login", data={"csrf": csrf, "username": "can-bo", "password": "mat-khau-do-dai"})

        def week_page():
            r = client.get("/tuan?tu=2026-12-07")
            assert r.status_code == 200 and "section class=\"day" in r.text

        def plan_only():
            schedule = console.store.schedule()
            for offset in range(7):
                load_plan(console.toolkit, now.date() + timedelta(days=offset), schedule=schedule)

        page_times = timed(week_page)
        plan_times = timed(plan_only)
    page_ms = statistics.median(page_times) * 1000
    plan_ms = statistics.median(plan_times) * 1000
    print(f"week page (/tuan, sample station, 7 days): median {page_ms:.0f} ms of {RUNS} requests "
          f"(min {min(page_times) * 1000:.0f}, max {max(page_times) * 1000:.0f})")
    print(f"load schedules + plan 7 days (the least work): median {plan_ms:.0f} ms; page/plan = {page_ms / plan_ms:.2f}")


if __name__ == "__main__":
    sys.exit(main())
