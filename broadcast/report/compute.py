"""The report's indicators: `compute_report` aggregates as-run rows into a `Report` (pure, no I/O).

`compute_report(rows, period, generated_on=...)` is a pure aggregation over as-run rows (the dicts
`AsRunLog.rows(start, end)` returns); the writers turn a `Report` into the files the office sends.

Counting rules (DOMAIN.md §4.2, groups A–C):

- **Only the loudspeakers count**: rows whose as-run ``origin`` is ``scheduled`` or ``urgent`` (a log
  without the column is all ``scheduled``). Plays started by hand (``manual``) and rehearsals are
  left out, and the report says how many it left out. A log holding only ``rehearsal`` rows (the one
  ``simulate`` writes) is counted as such, and the report says "BẢN DIỄN TẬP" on its first line.
- **Aired** means status ``played`` or ``late``. A programme ``interrupted`` after it started
  aired in part: its day, its session and its minutes up to the cut count (a programme resumed
  after the cut is one session: sessions are distinct programme ids), and it is counted apart as
  interrupted; ``missed``/``failed``/``skipped`` are listed in the operations section;
  ``playing`` (still on air when the report was made) is ignored. Items count by their own status.
- **Lượt phát** (airings): one per item aired in a programme, however many readings ("Xin nhắc
  lại"); the readings (``repeat``) are counted apart as **số lần đọc**.
- **Số tin / thông báo / kỳ chuyên mục** count distinct items by ``item_kind``: distinct
  ``item_id`` for bản tin, thông báo and khẩn cấp; distinct ``episode`` for chuyên mục (the
  ``item_id`` when a column item has no episode). Furniture (nhạc hiệu, mở đầu, chuyển tiếp,
  lời kết) and relays are not content.
- **Group A**: days on air = distinct dates with at least one programme aired; sessions per
  ``session`` (sáng / trưa / chiều / đột xuất); total minutes = aired programme durations; relay
  minutes = aired items of those programmes with kind ``tiep-am`` or a ``source`` other than
  ``tu-san-xuat`` (split by source); self-produced minutes = total − relay, so the "trong đó" rows add up; urgent =
  airings with priority ``khan-cap`` or kind ``khan-cap``; late, interrupted and not-aired
  (missed + failed) programmes are shown for honesty about reliability.
- **Group B** counts self-produced content (``source`` ``tu-san-xuat``); content from the
  levels above is one separate row. The **topic table** counts aired content of any source by tag.
- **Group C** (CCHC, any source): column episodes = distinct ``episode`` of ``chuyen-muc`` items
  tagged ``cchc``, with their airings and minutes; CCHC items and airings = content tagged
  ``cchc``; online-public-service guidance = airings of items tagged ``dvctt``; procedures
  introduced = distinct ``ten_thu_tuc`` values (text or list; case- and space-insensitive) of
  column episodes (``chuyen-muc``) tagged ``tthc`` or ``cchc``: procedures presented, never the
  results handed out (``thu_tuc`` of a result-return list); citizen-reception / result-return
  notices = airings tagged ``tiep-cong-dan`` or ``tra-ket-qua``.
- **Topics**: each tag under its Vietnamese name (``TOPIC_LABELS``, or the station's
  ``scripts_vi/chu-de.tsv``); a tag without a name goes under "Chủ đề khác", never shown raw.
- **Notices** (printed in the document, section 5): a period not begun or not ended, nothing aired,
  or days of the period the log has no record for (neither airings nor daemon events).
- **Zones**: rows naming a ``zone`` count once per slot for the commune and apart per zone
  (``broadcast.report.zones``): a notice heard in three villages is one airing of the commune.
- **Group D** (records received at the one-stop desk, loudspeaker clusters) is not in the log:
  the documents carry those rows blank for the officer to fill in.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from broadcast.errors import InputError
from broadcast.report.model import (
    AIRED,
    BROADCAST_ORIGINS,
    CONTENT_KINDS,
    NOT_AIRED,
    OTHER_TOPIC,
    PROCEDURE_TAGS,
    RECEPTION_TAGS,
    REHEARSAL,
    RELAY_SOURCES,
    SELF_PRODUCED,
    SESSIONS,
    TOPIC_LABELS,
    CchcEpisode,
    Indicator,
    ProgrammeIssue,
    Report,
    TopicRow,
    WeekRow,
)
from broadcast.report.period import Period
from broadcast.report.rows import (
    _clean,
    _content_key,
    _duration,
    _elapsed,
    _fold,
    _hhmm,
    _int,
    _maybe_json_list,
    _minutes,
    _nfc,
    _origin,
    _repeat,
    _row_date,
    _tags,
)
from broadcast.report.zones import commune_rows, zone_rows


def compute_report(rows: Iterable[Mapping], period: Period, *, generated_on: date,
                   covered_days: Iterable[date] | None = None,
                   topic_labels: Mapping[str, str] | None = None,
                   zone_titles: Mapping[str, str] | None = None) -> Report:
    """Aggregate as-run rows into the indicators of groups A–C (pure; rules in the module docstring).

    `covered_days`: the days the log holds any record for (airings or daemon events); days of the
    period before `generated_on` outside it make a notice that the log covers the period in part.
    `topic_labels`: the station's own names for its tags, over `TOPIC_LABELS`. Rows naming a
    `zone` are counted per zone too (`broadcast.report.zones`; `zone_titles`: name -> title).
    """
    warnings: list[str] = []
    in_period = [r for r in rows if _row_date(r, warnings) in period]
    rehearsal = (not any(_origin(r) in BROADCAST_ORIGINS for r in in_period)
                 and any(_origin(r) == REHEARSAL for r in in_period))
    counted = frozenset({REHEARSAL}) if rehearsal else BROADCAST_ORIGINS
    excluded: dict[str, int] = defaultdict(int)
    for r in in_period:
        if r.get("kind") == "programme" and _origin(r) not in counted:
            excluded[_origin(r)] += 1
    selected = [r for r in in_period if _origin(r) in counted]
    selected.sort(key=lambda r: (str(r.get("date")), str(r.get("scheduled_at") or ""), _int(r.get("id"))))
    zones = zone_rows(selected, zone_titles)
    selected = commune_rows(selected)         # a slot aired in several zones is one for the commune
    programmes = [r for r in selected if r.get("kind") == "programme"]
    items = [r for r in selected if r.get("kind") == "item"]

    aired_progs = [r for r in programmes if r.get("status") in AIRED]
    aired_items = [r for r in items if r.get("status") in AIRED]
    playing = sum(1 for r in programmes if r.get("status") == "playing")
    if playing:
        warnings.append(f"{playing} chương trình còn ở trạng thái 'đang phát' (đang phát, hoặc máy dừng "
                        "giữa chừng): chưa được tính.")

    indicators = _group_a(programmes, aired_progs, aired_items, items, warnings)
    content = [r for r in aired_items if r.get("item_kind") in CONTENT_KINDS]
    indicators += _group_b(content)
    episodes = _cchc_episodes(content)
    procedures = _procedures(aired_items, warnings)
    indicators += _group_c(content, aired_items, episodes, procedures)
    labels = {**TOPIC_LABELS, **(topic_labels or {})}

    resumed = {r.get("programme_id") for r in aired_progs}
    missed = tuple(
        ProgrammeIssue(programme_id=str(r.get("programme_id") or ""), date=_row_date(r, []),
                       session=str(r.get("session") or ""), time=_hhmm(r.get("scheduled_at")),
                       title=_nfc(r.get("title")), status=str(r.get("status")),
                       error="; ".join(filter(None, [_nfc(r.get("error")), "đã phát tiếp sau đó"
                                                     if r.get("status") == "interrupted"
                                                     and r.get("programme_id") in resumed else ""])))
        for r in programmes if r.get("status") in NOT_AIRED)
    days = set(covered_days) if covered_days is not None else {_row_date(r, []) for r in in_period}
    return Report(period=period, indicators=tuple(indicators), topics=_topics(content, labels, warnings),
                  cchc=episodes, procedures=procedures, missed=missed, generated_on=generated_on,
                  warnings=tuple(dict.fromkeys(warnings)),
                  notices=tuple(coverage_notices(period, generated_on, days, bool(aired_progs))),
                  rehearsal=rehearsal, excluded=tuple(sorted(excluded.items())),
                  weeks=_weeks(aired_progs, period), zones=zones)


def coverage_notices(period: Period, today: date, covered: set[date], any_aired: bool) -> list[str]:
    """Why the figures may not tell the whole period: future, empty, or only partly logged."""
    if period.start > today:
        return [f"Kỳ báo cáo chưa bắt đầu (hôm nay là ngày {today:%d/%m/%Y}): chưa có số liệu."]
    notices = []
    last = min(period.end, today)
    if period.end > today:
        notices.append(f"Kỳ báo cáo chưa kết thúc: số liệu chỉ tính đến ngày {today:%d/%m/%Y}.")
    days = [period.start + timedelta(days=n) for n in range((last - period.start).days + 1)]
    gaps = [d for d in days if d not in covered]
    if not any_aired:
        notices.append("Nhật ký phát sóng không có chương trình nào đã phát trong kỳ: các chỉ tiêu bằng 0 "
                       "không có nghĩa là đài hoạt động bình thường; cần kiểm tra máy phát và nhật ký.")
    elif gaps:
        notices.append(f"Nhật ký không có ghi chép nào trong {len(gaps)}/{len(days)} ngày của kỳ "
                       f"({_day_spans(gaps)}): số liệu có thể thiếu.")
    return notices


def _day_spans(days: list[date], limit: int = 6) -> str:
    """[1, 2, 3, 5 Dec] → '01/12–03/12, 05/12' (at most `limit` spans, then '…')."""
    spans: list[list[date]] = []
    for d in days:
        if spans and d - spans[-1][1] == timedelta(days=1):
            spans[-1][1] = d
        else:
            spans.append([d, d])
    text = [f"{a:%d/%m}" if a == b else f"{a:%d/%m}–{b:%d/%m}" for a, b in spans[:limit]]
    return ", ".join(text) + (", …" if len(spans) > limit else "")


def _weeks(aired_progs: list[Mapping], period: Period) -> tuple[WeekRow, ...]:
    seconds: dict[date, float] = defaultdict(float)
    for r in aired_progs:
        day = _row_date(r, [])
        seconds[day - timedelta(days=day.weekday())] += _duration(r)
    out = []
    monday = period.start - timedelta(days=period.start.weekday())
    while monday <= period.end:
        out.append(WeekRow(max(monday, period.start), min(monday + timedelta(days=6), period.end),
                           _minutes(seconds.get(monday, 0.0))))
        monday += timedelta(days=7)
    return tuple(out)


def _group_a(programmes: list[Mapping], aired_progs: list[Mapping], aired_items: list[Mapping],
             items: list[Mapping], warnings: list[str]) -> list[Indicator]:
    # A programme cut on air (interrupted after it started) went out in part: its day, its session
    # and the minutes before the cut count; resumed later, it is still one session (one programme id).
    partial = [r for r in programmes if r.get("status") == "interrupted" and r.get("started_at")]
    on_air = aired_progs + partial
    days = {_row_date(r, []) for r in on_air}
    sessions: dict[str, int] = defaultdict(int)
    for session, _ in dict.fromkeys((str(r.get("session")), str(r.get("programme_id") or r.get("id")))
                                    for r in on_air):
        sessions[session] += 1
    known = {key for key, _ in SESSIONS}
    for other in sorted(set(sessions) - known):
        warnings.append(f"Buổi phát '{other}' không thuộc sáng/trưa/chiều/đột xuất: chỉ tính vào tổng.")
    total_s = sum(_duration(r) for r in aired_progs) + sum(_elapsed(r) for r in partial)
    relay_s: dict[str, float] = defaultdict(float)
    # Relay minutes are a part of the total, so only items of programmes counted in it.
    aired_ids = {r.get("id") for r in on_air}
    for r in aired_items:
        if r.get("parent_id") is not None and r.get("parent_id") not in aired_ids:
            continue
        source = str(r.get("source") or SELF_PRODUCED)
        if r.get("item_kind") == "tiep-am" or source != SELF_PRODUCED:
            relay_s[source if source in dict(RELAY_SOURCES) else "khac"] += _duration(r)
    relay_total = sum(relay_s.values())
    urgent = sum(1 for r in aired_items if r.get("priority") == "khan-cap" or r.get("item_kind") == "khan-cap")
    status_count = defaultdict(int)
    for r in programmes:
        status_count[r.get("status")] += 1

    rows = [
        Indicator("A", "ngay_phat_song", "Số ngày phát sóng", "ngày", len(days)),
        Indicator("A", "buoi_phat", "Số buổi phát", "buổi", sum(sessions.values())),
    ]
    rows += [Indicator("A", f"buoi_{key.replace('-', '_')}", f"– {label}", "buổi",
                       sessions.get(key, 0), 1) for key, label in SESSIONS]
    rows += [
        Indicator("A", "thoi_luong", "Tổng thời lượng phát sóng", "phút", _minutes(total_s)),
        Indicator("A", "thoi_luong_tu_san_xuat", "– Chương trình tự sản xuất", "phút",
                  _minutes(max(0.0, total_s - relay_total)), 1),
        Indicator("A", "thoi_luong_tiep_am", "– Tiếp âm, tiếp sóng", "phút",
                  _minutes(relay_total), 1),
    ]
    rows += [Indicator("A", f"tiep_am_{key}", f"+ {label}", "phút", _minutes(relay_s.get(key, 0.0)), 2)
             for key, label in RELAY_SOURCES]
    if relay_s.get("khac"):
        rows.append(Indicator("A", "tiep_am_khac", "+ Tệp ghi âm, nguồn khác", "phút",
                              _minutes(relay_s["khac"]), 2))
    rows += [
        Indicator("A", "khan_cap", "Số lần phát thông báo khẩn cấp", "lần", urgent),
        Indicator("A", "ct_phat_cham", "Số chương trình phát chậm giờ", "chương trình",
                  status_count["late"]),
        Indicator("A", "ct_gian_doan", "Số chương trình bị gián đoạn", "chương trình",
                  status_count["interrupted"]),
        Indicator("A", "ct_khong_phat", "Số chương trình không phát được (lỡ giờ, lỗi)", "chương trình",
                  status_count["missed"] + status_count["failed"]),
        Indicator("A", "luot_gian_doan", "Số lượt tin, bài, thông báo bị gián đoạn", "lượt",
                  sum(1 for r in items
                      if r.get("status") == "interrupted" and r.get("item_kind") in CONTENT_KINDS)),
    ]
    return rows


def _group_b(content: list[Mapping]) -> list[Indicator]:
    own = [r for r in content if (r.get("source") or SELF_PRODUCED) == SELF_PRODUCED]
    upper = [r for r in content if (r.get("source") or SELF_PRODUCED) != SELF_PRODUCED]
    rows: list[Indicator] = []
    for kind, code, label, unit in (
            ("ban-tin", "tin_bai", "Số tin, bài (bản tin của xã)", "tin, bài"),
            ("thong-bao", "thong_bao", "Số thông báo", "thông báo"),
            ("khan-cap", "thong_bao_khan_cap", "Số thông báo khẩn cấp", "thông báo"),
            ("chuyen-muc", "chuyen_muc", "Số kỳ chuyên mục", "kỳ")):
        of_kind = [r for r in own if r.get("item_kind") == kind]
        rows.append(Indicator("B", code, label, unit, len({_content_key(r) for r in of_kind})))
        rows.append(Indicator("B", f"luot_{code}", "– Số lượt phát", "lượt", len(of_kind), 1))
        rows.append(Indicator("B", f"doc_{code}", "– Số lần đọc (kể cả đọc nhắc lại)", "lần",
                              sum(_repeat(r) for r in of_kind), 1))
    rows.append(Indicator("B", "tong_luot", "Tổng số lượt phát tin, bài, thông báo, chuyên mục", "lượt",
                          len(own)))
    rows.append(Indicator("B", "tong_doc", "– Số lần đọc (kể cả đọc nhắc lại)", "lần",
                          sum(_repeat(r) for r in own), 1))
    rows.append(Indicator("B", "noi_dung_cap_tren", "Tin, bài, thông báo của cấp trên phát trên loa",
                          "tin, bài", len({_content_key(r) for r in upper})))
    rows.append(Indicator("B", "luot_noi_dung_cap_tren", "– Số lượt phát", "lượt", len(upper), 1))
    return rows


def _group_c(content: list[Mapping], aired_items: list[Mapping], episodes: tuple[CchcEpisode, ...],
             procedures: tuple[str, ...]) -> list[Indicator]:
    cchc = [r for r in content if "cchc" in _tags(r)]
    return [
        Indicator("C", "chuyen_muc_cchc", "Số kỳ chuyên mục Cải cách hành chính", "kỳ", len(episodes)),
        Indicator("C", "luot_chuyen_muc_cchc", "– Số lượt phát", "lượt",
                  sum(e.airings for e in episodes), 1),
        Indicator("C", "thoi_luong_chuyen_muc_cchc", "– Thời lượng", "phút",
                  round(sum(e.minutes for e in episodes), 1), 1),
        Indicator("C", "tin_bai_cchc", "Số tin, bài, thông báo về cải cách hành chính", "tin, bài",
                  len({_content_key(r) for r in cchc})),
        Indicator("C", "luot_cchc", "– Số lượt phát", "lượt", len(cchc), 1),
        Indicator("C", "huong_dan_dvctt", "Số lần hướng dẫn sử dụng dịch vụ công trực tuyến", "lần",
                  sum(1 for r in aired_items if "dvctt" in _tags(r))),
        Indicator("C", "thu_tuc", "Số thủ tục hành chính được giới thiệu, công khai trên loa", "thủ tục",
                  len(procedures)),
        Indicator("C", "tiep_cong_dan_tra_ket_qua", "Số lần thông báo lịch tiếp công dân, trả kết quả "
                  "thủ tục hành chính", "lần",
                  sum(1 for r in aired_items if RECEPTION_TAGS & set(_tags(r)))),
    ]


def _cchc_episodes(content: list[Mapping]) -> tuple[CchcEpisode, ...]:
    found: dict[str, dict[str, Any]] = {}
    for r in content:
        if r.get("item_kind") != "chuyen-muc" or "cchc" not in _tags(r):
            continue
        key = _content_key(r)
        ep = found.setdefault(key, {"title": _nfc(r.get("title")), "airings": 0, "seconds": 0.0,
                                    "dates": []})
        ep["airings"] += 1
        ep["seconds"] += _duration(r)
        day = _row_date(r, [])
        if day not in ep["dates"]:
            ep["dates"].append(day)
    return tuple(CchcEpisode(key, v["title"], v["airings"], _minutes(v["seconds"]), tuple(v["dates"]))
                 for key, v in found.items())


def _topics(content: list[Mapping], labels: Mapping[str, str], warnings: list[str]) -> tuple[TopicRow, ...]:
    """One row per named tag; tags without a Vietnamese name go together under 'Chủ đề khác'."""
    keys: dict[str, set[str]] = defaultdict(set)
    airings: dict[str, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    unnamed: set[str] = set()
    for r in content:
        topics = []
        for tag in _tags(r):
            if tag not in labels:
                unnamed.add(tag)
                tag = OTHER_TOPIC
            topics.append(tag)
        for tag in dict.fromkeys(topics):
            keys[tag].add(_content_key(r))
            airings[tag] += 1
            seconds[tag] += _duration(r)
    if unnamed:
        warnings.append(f"Nhãn chủ đề chưa có tên tiếng Việt, tính vào 'Chủ đề khác': {', '.join(sorted(unnamed))}. "
                        f"Đặt tên cho nhãn trong tệp {TOPIC_FILE} của thư mục mẫu (mỗi dòng: nhãn, dấu tab, tên).")
    order = [t for t in labels if t in keys and t != OTHER_TOPIC] + sorted(t for t in keys if t not in labels)
    order += [OTHER_TOPIC] if OTHER_TOPIC in keys else []
    return tuple(TopicRow(t, labels.get(t, TOPIC_LABELS[OTHER_TOPIC]), len(keys[t]), airings[t],
                          _minutes(seconds[t])) for t in order)


TOPIC_FILE = "chu-de.tsv"


def parse_topic_labels(text: str, path: str = TOPIC_FILE) -> dict[str, str]:
    """The station's names for its tags: 'tag<TAB>Tên chủ đề' per line, '#' comments.

    >>> parse_topic_labels("# nhãn\ttên\nkhuyen-nong\tKhuyến nông\n")
    {'khuyen-nong': 'Khuyến nông'}
    """
    labels: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = _nfc(line).strip()
        if not line or line.startswith("#"):
            continue
        tag, sep, name = line.partition("\t")
        if not sep or not tag.strip() or not name.strip():
            raise InputError("dòng tên chủ đề phải có nhãn, dấu tab, rồi tên tiếng Việt", path=path,
                             line=number, hint="ví dụ: khuyen-nong<TAB>Khuyến nông")
        labels[tag.strip()] = name.strip()
    return labels


def _procedures(aired_items: list[Mapping], warnings: list[str]) -> tuple[str, ...]:
    """Procedures presented in CCHC column episodes (`ten_thu_tuc`), never results handed out."""
    names: dict[str, str] = {}
    for r in aired_items:
        if r.get("item_kind") != "chuyen-muc" or not PROCEDURE_TAGS & set(_tags(r)):
            continue
        for name in _procedure_names(r, warnings):
            names.setdefault(_fold(name), name)
    return tuple(names.values())


def _procedure_names(row: Mapping, warnings: list[str]) -> list[str]:
    raw = row.get("values_json")
    if raw in (None, ""):
        return []
    values = raw
    if isinstance(raw, (str, bytes)):
        try:
            values = json.loads(raw)
        except ValueError:
            warnings.append(f"Không đọc được giá trị của mục '{row.get('item_id')}' "
                            f"({row.get('date')}): bỏ qua khi đếm thủ tục.")
            return []
    if not isinstance(values, Mapping):
        return []
    value = _maybe_json_list(values.get("ten_thu_tuc"))
    out = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    return [n for n in (_clean(v) for v in out) if n]
