"""The daemon retries the preferred voice with backoff and says in its log which programmes are in the fallback voice."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from broadcast.daemon import Daemon, FakeBuilder, PlayoutSettings, StationCore
from broadcast.log.asrun import AsRunLog
from broadcast.play import SystemClock
from broadcast.play.outputs import FileOutput

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class FallbackBuilder(FakeBuilder):
    """FakeBuilder whose programmes are marked as built in the fallback voice while `down` is True."""

    down = True

    def __call__(self, day):
        folder = super().__call__(day)
        path = folder / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        for p in manifest["programmes"]:
            p.update(fallback=self.down, preferred_engine="edge", engine="espeak" if self.down else "edge",
                     engine_notes=["edge: không có mạng (gaierror)"] if self.down else [])
        path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        return folder


def test_fallback_programmes_are_logged_and_rebuilt_until_the_preferred_voice_is_back(tmp_path):
    clock = SystemClock(TZ)
    tomorrow = clock.now().date() + timedelta(days=1)
    builder = FallbackBuilder(tmp_path / "audio_out", {"khuya": ("23:59", 10.0)})
    with AsRunLog(tmp_path / "asrun.sqlite") as log:
        settings = PlayoutSettings(preferred_deadline_h=2.0)
        core = StationCore(log=log, output=FileOutput(tmp_path / "out", clock=clock), clock=clock,
                           audio_out=tmp_path / "audio_out", settings=settings, check=lambda p: None)
        daemon = Daemon(core, settings=settings)
        daemon.start()
        daemon.builder = builder
        try:
            daemon._build([tomorrow], "dựng trước")
            job = daemon.scheduler.get_job(f"preferred-voice:{tomorrow}")
            assert job is not None and job.args == ([tomorrow], "thử lại máy đọc ưu tiên")
            assert job.next_run_time <= datetime.combine(tomorrow, time(21, 59), TZ)   # 2 h before 23:59
            daemon._build([tomorrow], "thử lại máy đọc ưu tiên")       # still down: one more attempt, backed off
            assert daemon._preferred_attempts[tomorrow] == 2
            builder.down = False
            daemon._build([tomorrow], "thử lại máy đọc ưu tiên")       # back: no more retries
            assert daemon.scheduler.get_job(f"preferred-voice:{tomorrow}") is None
            assert tomorrow not in daemon._preferred_attempts
        finally:
            daemon.stop("thử xong")
        # from the day the test began: midnight (17:00 UTC) may pass while it runs
        messages = [e["message"] for e in log.events(tomorrow - timedelta(days=1), clock.now().date())]
    fallback = [m for m in messages if "sẽ phát bằng giọng dự phòng (espeak)" in m]
    assert len(fallback) == 2 and "edge lỗi (không có mạng (gaierror))" in fallback[0]
    assert sum("để thử lại máy đọc ưu tiên" in m for m in messages) == 2
