"""Nghe lại: the public listening page, its podcast feed and its audio, for villagers, without login.

    GET /nghe-lai                          today's and the last `[web] listen_days` days' programmes
    GET /nghe-lai/podcast.xml              the same as RSS 2.0 (podcast apps)
    GET /nghe-lai/audio/<YYYY-MM-DD>/<f>   a programme's audio (Range requests answered)

GET and HEAD only: nothing here changes anything. What is public is `broadcast.web.replay`'s
choice; a request path reaches a file only as the name of a public programme of a published day
inside the window. Each address gets `[web] listen_rate_per_minute` requests a minute (429 after);
answers carry ETag, Last-Modified and Cache-Control, and a matching If-None-Match gets 304.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.responses import FileResponse, Response

from broadcast.errors import BroadcastError
from broadcast.web.auth import PUBLIC, route
from broadcast.web.files import AUDIO_TYPES, not_found
from broadcast.web.html import public_page
from broadcast.web.podcast import audio_url, enclosure_length, feed_xml
from broadcast.web.replay import (
    AUDIO_NAME,
    DAY_NAME,
    Policy,
    PublicProgramme,
    audio_path,
    policy_for,
    public_programmes,
    served_path,
    window,
)

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
PAGE_MAX_AGE = 300
AUDIO_MAX_AGE = 86400
log = logging.getLogger("broadcast.web")


# -- what is public now ------------------------------------------------------------------------

def _policy(console) -> Policy:
    """The station's Policy, reloaded only when a schedule file or template changes."""
    station = console.station
    folders = (station.path(station.paths.schedules), station.path(station.paths.scripts))
    signature = tuple(sorted((str(p), s.st_mtime_ns, s.st_size, s.st_ino, s.st_ctime_ns)
                             for folder in folders if folder.is_dir() for p in folder.rglob("*")
                             if p.is_file() and (s := p.stat())))
    cache = console.replay_cache
    if cache.get("signature") != signature:
        from broadcast.build.day import load_schedule_for

        try:
            schedule = load_schedule_for(console.toolkit)
        except BroadcastError as exc:          # being edited: nothing whose flag is unknown goes out
            log.warning("nghe lại: không đọc được lịch phát (%s); chỉ đăng phần không có thông báo", exc)
            schedule = None
        cache.update(signature=signature, policy=policy_for(station.web, schedule, console.toolkit.library))
    return cache["policy"]


def _programmes(console) -> list[PublicProgramme]:
    station = console.station
    audio_out = station.path(station.paths.audio_out)
    policy = _policy(console)
    today = console.now().date()
    return [p for day in window(today, station.web.listen_days) for p in public_programmes(audio_out, day, policy)]


def _limited(request) -> Response | None:
    """429 when this address asked too often (the address is the proxy's client with --proxy-headers)."""
    console = request.app.state.console
    address = request.client.host if request.client else "?"
    if console.public_limit.allow(address, console.now()):
        return None
    return Response("Bạn mở trang này quá nhiều lần trong một phút; hãy thử lại sau một phút.\n", status_code=429,
                    media_type="text/plain; charset=utf-8", headers={"retry-after": "60"})


def _closed(request) -> Response | None:
    if not request.app.state.console.station.web.listen_page:
        return not_found("trang nghe lại (đài chưa bật)")
    return _limited(request)


def _validators(request, parts: list[str], modified: float | None, max_age: int) -> tuple[dict[str, str], bool]:
    """(ETag, Last-Modified and Cache-Control headers, whether the client's copy is still good)."""
    tag = '"' + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32] + '"'
    headers = {"etag": tag, "cache-control": f"public, max-age={max_age}"}
    if modified is not None:
        headers["last-modified"] = format_datetime(datetime.fromtimestamp(modified, UTC), usegmt=True)
    sent = request.headers.get("if-none-match")
    if sent is not None:                   # an ETag, when sent, decides (RFC 9110 13.2.2)
        return headers, tag in [t.strip().removeprefix("W/") for t in sent.split(",")] or sent.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since and modified is not None:
        try:
            return headers, int(modified) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            pass
    return headers, False


def _newest(programmes: list[PublicProgramme]) -> float | None:
    times = [p.source.stat().st_mtime for p in programmes if p.source.is_file()]
    return max(times) if times else None


def _base(request) -> str:
    """Absolute links: the configured public address, else the address this request came to (Host checked)."""
    configured = request.app.state.console.station.web.public_url
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


# -- the pages -----------------------------------------------------------------------------------

def _day_label(day: date, today: date) -> str:
    named = {0: "Hôm nay", 1: "Hôm qua"}.get((today - day).days)
    full = f"{WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}"
    return f"{named}, {full}" if named else full


def listen_page(request, form):
    if (closed := _closed(request)) is not None:
        return closed
    console = request.app.state.console
    programmes = _programmes(console)
    web = console.station.web
    headers, fresh = _validators(request, ["page", *(p.digest for p in programmes), str(web.listen_days)],
                                 _newest(programmes), PAGE_MAX_AGE)
    if fresh:
        return Response(status_code=304, headers=headers)
    today = console.now().date()
    days = [{"id": d.isoformat(), "label": _day_label(d, today),
             "programmes": [p for p in programmes if p.day == d]} for d in window(today, web.listen_days)]
    return public_page("listen.html", {
        "station_title": console.station.station_title, "days": days, "base": _base(request),
        "audio_url": audio_url, "feed": "/nghe-lai/podcast.xml", "days_back": web.listen_days,
    }, headers=headers)


def podcast(request, form):
    if (closed := _closed(request)) is not None:
        return closed
    console = request.app.state.console
    station = console.station
    programmes = sorted(_programmes(console), key=lambda p: p.start, reverse=True)
    base = _base(request)
    pairs = []
    for p in programmes:
        pairs.append((p, enclosure_length(p, served_path(p, station.root), station.audio.bitrate)))
    headers, fresh = _validators(request, ["feed", base, *(f"{p.digest}:{n}" for p, n in pairs)],
                                 _newest(programmes), PAGE_MAX_AGE)
    if fresh:
        return Response(status_code=304, headers=headers)
    built = max((p.start for p in programmes), default=console.now())
    body = feed_xml(base=base, station_title=station.station_title, programmes=pairs, built=built)
    return Response(body, media_type="application/rss+xml; charset=utf-8", headers=headers)


def listen_audio(request, form):
    if (closed := _closed(request)) is not None:
        return closed
    console = request.app.state.console
    station = console.station
    day_text, name = request.path_params["day"], request.path_params["name"]
    if not DAY_NAME.fullmatch(day_text) or not AUDIO_NAME.fullmatch(name):
        return not_found("bản nghe lại này")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return not_found("bản nghe lại này")
    if day not in window(console.now().date(), station.web.listen_days):
        return not_found("bản nghe lại này")
    audio_out = station.path(station.paths.audio_out)
    found = [p for p in public_programmes(audio_out, day, _policy(console)) if p.file == name]
    if not found:
        return not_found("bản nghe lại này")
    programme = found[0]
    served = audio_path(programme, station.root, station.audio.bitrate)
    headers, fresh = _validators(request, ["audio", programme.digest], served.stat().st_mtime, AUDIO_MAX_AGE)
    if fresh:
        return Response(status_code=304, headers=headers)
    return FileResponse(served, media_type=AUDIO_TYPES.get(served.suffix, "application/octet-stream"),
                        headers=headers)


ROUTES = [
    route("/nghe-lai", listen_page, roles=PUBLIC),
    route("/nghe-lai/podcast.xml", podcast, roles=PUBLIC),
    route("/nghe-lai/audio/{day}/{name}", listen_audio, roles=PUBLIC),
]
