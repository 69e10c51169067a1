"""The spoken texts the planner timed, kept by what they were read from: the next plan reads, not renders.

The planner times each notice that could air by its spoken text (`plan.estimate`: rendered, then
normalized; the normalizer's work grows with the number of notices and is most of what `plan`
spends on them). `broadcast plan` keeps those texts in `<[paths] state>/readings.json` under
`broadcast.publish.freshness.texts_digest`: the station's settings, the template folders (and the
province's), the pronunciation file, this package's files and the installed distributions. A
text is found by its template and values (the item's zones' titles among them), so another day's
plan reads the notices it already timed and renders only what is new (the opening, whose date
and table of contents change). Any edit to a template, a setting or a pronunciation is another
digest: everything is read again. Kept only if the digest was the same before and after the
plan; the `KEPT` most recently used texts are kept. `plan` and a build's `plan_day` use them
through `broadcast.plan.estimate.kept_readings`, which saves only when planning finished.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

from broadcast.atomic import write_text_atomic
from broadcast.model import Priority
from broadcast.publish import freshness

SCHEMA = 1
FILE = "readings.json"         # under [paths] state
KEPT = 8192


def text_key(template: str, values: Mapping[str, Any]) -> str:
    """The key `Toolkit.prepare` keeps a text under: the template and its values."""
    return json.dumps([template, values], sort_keys=True, default=repr, ensure_ascii=False)


class Readings:
    """Spoken texts by template and values, valid while the texts digest stays the same."""

    def __init__(self, station: Any) -> None:
        self.station = station
        self.path = station.path(station.paths.state) / FILE
        self.digest = freshness.texts_digest(station)
        self.texts: OrderedDict[str, str] = OrderedDict()
        self.headers: dict[str, dict] = {}
        self.added = False
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
            if (record.get("schema") == SCHEMA and record.get("digest") == self.digest
                    and isinstance(record.get("texts"), dict)
                    and all(isinstance(v, str) for v in record["texts"].values())):
                self.texts.update(record["texts"])
                headers = record.get("headers", {})
                if isinstance(headers, dict) and all(_header_ok(h) for h in headers.values()):
                    self.headers.update(headers)
        except (OSError, ValueError, AttributeError):
            pass

    def library(self, library: Any) -> TemplateHeaders:
        """What the planner asks a template library (`get(name)`: its title and priority), from here."""
        return TemplateHeaders(self, library)

    def spoken(self, key: str, make: Callable[[], str]) -> str:
        """The text kept under `key`, else `make()` (kept when it returns)."""
        found = self.texts.get(key)
        if found is None:
            found = self.texts[key] = make()
            self.added = True
        self.texts.move_to_end(key)
        return found

    def save(self) -> None:
        """Write the texts back, if any is new and nothing they depend on moved meanwhile."""
        if not self.added or freshness.texts_digest(self.station) != self.digest:
            return
        texts = dict(list(self.texts.items())[-KEPT:])
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, json.dumps({"schema": SCHEMA, "digest": self.digest, "texts": texts,
                                                     "headers": self.headers}, ensure_ascii=False))
        except OSError:        # a read-only state folder: planned all the same
            return


_HEADER = ("title", "kind", "tags", "priority", "repeat")   # what the planner reads of a template


def _header_ok(header: Any) -> bool:
    return (isinstance(header, dict) and tuple(header) == _HEADER
            and all(header[k] is None or isinstance(header[k], str) for k in ("title", "kind", "priority"))
            and isinstance(header["tags"], list) and all(isinstance(t, str) for t in header["tags"])
            and (header["repeat"] is None or type(header["repeat"]) is int))


class TemplateHeaders:
    """A template library as the planner uses it: `get(name)` with what the template declares
    (title, kind, tags, priority, repeat), kept in the readings under the same digest (every
    template's bytes among it), so a plan that renders nothing new compiles no template and
    imports no Jinja2. A template the library refuses is asked again every time (its error is
    never kept)."""

    def __init__(self, readings: Readings, library: Any) -> None:
        self.readings = readings
        self.real = library

    def get(self, name: str) -> SimpleNamespace:
        found = self.readings.headers.get(name)
        if found is None:
            info = self.real.get(name)
            priority = getattr(info, "priority", None)
            found = {"title": info.title, "kind": info.kind, "tags": list(info.tags or ()),
                     "priority": None if priority is None else str(getattr(priority, "value", priority)),
                     "repeat": info.repeat}
            if not _header_ok(found):
                return info                     # something unusual: asked of the library every time
            self.readings.headers[name] = found
            self.readings.added = True
        return SimpleNamespace(name=name, title=found["title"], kind=found["kind"], tags=tuple(found["tags"]),
                               priority=None if found["priority"] is None else Priority.parse(found["priority"]),
                               repeat=found["repeat"])
