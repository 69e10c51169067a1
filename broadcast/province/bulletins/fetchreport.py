"""The report up from a commune that takes its days with `broadcast fetch`, without the daemon running.

`report_after_fetch` makes the same signed report the running daemon sends every
`[province] report_every_s` (`reports.Reporter`: as-run rows since the last report, the days
fetched and their builds, clusters, disk), puts it in the queue on disk and sends what waits.
Offline, the report stays queued (`var/tinh-bao-cao/`) and goes with the next fetch or the next
`broadcast run`; the province counts each (commune, seq) once, so a resend never counts twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from broadcast.province.bulletins.inbox import Inbox
from broadcast.province.bulletins.listener import inbox_path, split_source
from broadcast.province.bulletins.reports import reporter_for_station


@dataclass(frozen=True)
class ReportOutcome:
    seq: int            # the report just made
    sent: int           # reports sent now (older queued ones included)
    waiting: int        # reports still queued (the province did not answer)


def report_after_fetch(station: Any, source: str | None = None) -> ReportOutcome | None:
    """Make and send one report; None when the station has no province address."""
    address = source or station.province.source
    if not address:
        return None
    base, name = split_source(address)
    inbox = Inbox(inbox_path(station))
    try:
        reporter = reporter_for_station(station, base, name, inbox)
        document = reporter.make()
        sent = reporter.send_queued()
        return ReportOutcome(document["seq"], sent, len(list(reporter.queue.glob("*.json"))))
    finally:
        inbox.close()
