"""A sample station with four zones (tests and the zones benchmark share it)."""

from __future__ import annotations

from pathlib import Path

ZONES = """\
zones:
  - name: thon-dong
    title: Thôn Đông
    outputs: [file]
  - name: thon-trung
    title: Thôn Trung
    outputs: [file]
  - name: thon-tay
    title: Thôn Tây
    outputs: [file]
  - name: xom-bai
    title: Xóm Bãi
    outputs: [file]
"""

_NOTICE = """\
  - id: hop-{name}
    template: hop_thon
    title: Họp {title}
    values:
      thon: {short}
      ngay: 09/12/2026
      gio: 19h30
      noi_dung: [bàn kế hoạch bê tông hóa đường nội thôn]
    from: 2026-12-07
    until: 2026-12-08
    status: approved
    zones: [{name}]
"""

TARGETED = {"thon-dong": ("thôn Đông", "Đông"), "thon-trung": ("thôn Trung", "Trung"),
            "thon-tay": ("thôn Tây", "Tây")}


def add_zones(station: Path, *, zones: str = ZONES, targeted: bool = True) -> Path:
    """Declare the four zones in `schedules/vung.yaml`; with `targeted`, one meeting notice for
    each of three of them in `schedules/hop-thon.yaml` (xom-bai hears only the common programme)."""
    (station / "schedules" / "vung.yaml").write_text(zones, encoding="utf-8")
    if targeted:
        notices = "".join(_NOTICE.format(name=n, title=t, short=s) for n, (t, s) in TARGETED.items())
        (station / "schedules" / "hop-thon.yaml").write_text("announcements:\n" + notices, encoding="utf-8")
    return station
