"""Each schedule file's validated notices kept by its bytes: after an edit only the edited file is parsed and checked.

`broadcast.schedule.kept` keeps the whole `Schedule` while nothing changed; one edited file
(a comment in `slots.yaml`, one notice saved by the console) makes the loader read everything
again, and at 1,000 notices most of that is parsing their YAML and checking each notice against
its template. While `kept.loaded` loads, this cache (`<[paths] state>/schedules/notices.pickle`)
answers per file:

- the key is the SHA-256 of the bytes the loader has just read (through the same bounded,
  regular-file read as always) with the file's shown name, the loader's folders and limits,
  and a context digest of everything else a notice's check reads (the settings, the template
  folders, the pronunciation file, this package's code, the installed distributions). Nothing
  is trusted from a file's size or time: an edit that keeps both still changes the key;
- the value is the file's document without its `announcements:` (the other sections are checked
  again on every load, as before) and the notices it gave, with the slot and zone names they
  were checked against. Other names: the file is parsed and checked again;
- only a file whose notices gave no error, no warning and named no other file (no `data:`, no
  recorded `file:`) is kept; an id used twice is still found (every kept id is claimed again);
- an unreadable, foreign or outdated cache is ignored (loaded as if empty), and a renamed or
  deleted file's entry is dropped at the next save.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from broadcast.atomic import write_bytes_atomic
from broadcast.schedule.files import YMap, read_yaml

SCHEMA = 1
FILE = "notices.pickle"          # beside `kept.pickle` under <[paths] state>/schedules/
_ACTIVE: ContextVar[NoticesKept | None] = ContextVar("broadcast_notices_kept", default=None)


class NoticesKept:
    """The cache for one load: what it found, what this load used or made (saved at the end)."""

    def __init__(self, path: Path, context: Callable[[], str]) -> None:
        self.path = path
        self._context_of = context
        self._context: str | None = None
        self._entries: dict[str, dict] | None = None
        self.used: dict[str, dict] = {}
        self._keys: dict[str, str] = {}            # shown name -> key of the bytes read this load
        self._raw: dict[str, bytes] = {}           # shown name -> bytes, for a file served from here
        self._docs: dict[str, Any] = {}            # shown name -> its full document, parsed this load

    @property
    def context(self) -> str:
        if self._context is None:
            self._context = self._context_of()
        return self._context

    def _stored(self) -> dict[str, dict]:
        if self._entries is None:
            self._entries = {}
            try:
                with open(self.path, "rb") as handle:
                    record = pickle.load(handle)
                if (isinstance(record, dict) and record.get("schema") == SCHEMA
                        and isinstance(record.get("entries"), dict)):
                    self._entries = record["entries"]
            except Exception:   # noqa: BLE001 - missing, truncated, foreign: parse as if nothing were kept
                self._entries = {}
        return self._entries

    def recall(self, loader: Any, file: Path, shown: str, raw: bytes) -> Any | None:
        """The kept document of these bytes (without its notices), or None: parse them."""
        where = [str(loader.directory), str(loader.station_root), str(loader.roots.get(shown)), repr(loader.limits)]
        key = hashlib.sha256("\0".join([str(SCHEMA), self.context, shown, *where, ""]).encode() + raw).hexdigest()
        self._keys[shown] = key
        entry = self._stored().get(key)
        if not (isinstance(entry, dict) and isinstance(entry.get("doc"), YMap)):
            return None
        self._raw[shown] = raw
        return entry["doc"]

    def served(self, shown: str) -> bool:
        """Whether the document of `shown` came from here (its notices are not in it)."""
        return shown in self._raw

    def parsed(self, shown: str, doc: Any) -> None:
        self._docs[shown] = doc

    def notices(self, shown: str, names: tuple) -> list | None:
        """The notices kept for the file read as `shown`, when checked against these names."""
        entry = self._stored().get(self._keys.get(shown, ""))
        if shown in self._raw and isinstance(entry, dict) and entry.get("names") == names:
            self.used[self._keys[shown]] = entry
            return list(entry["specs"])
        return None

    def items_again(self, shown: str, loader: Any, single: bool) -> list[tuple[Any, int]]:
        """A file served from here whose names changed: its notices parsed again from its bytes."""
        doc = read_yaml(self._raw.pop(shown).decode("utf-8"), shown, loader.limits)
        self._docs[shown] = doc
        return _items(doc, single)

    def keep(self, shown: str, names: tuple, specs: Sequence[Any], single: bool) -> None:
        doc, key = self._docs.get(shown), self._keys.get(shown)
        if key is None or not isinstance(doc, YMap):
            return
        rest = YMap() if single else YMap((k, v) for k, v in doc.items() if k != "announcements")
        rest.line = doc.line
        rest.key_lines, rest.value_lines = dict(doc.key_lines), dict(doc.value_lines)
        rest.duplicates = list(doc.duplicates)
        if single:
            rest.key_lines, rest.value_lines, rest.duplicates = {}, {}, []
        self.used[key] = {"doc": rest, "names": names, "specs": tuple(specs)}

    def save(self) -> None:
        """Write what this load used or made (a file no longer read is dropped); never fails a load."""
        if self._entries is not None and self.used.keys() == self._entries.keys():
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(self.path, pickle.dumps({"schema": SCHEMA, "entries": self.used},
                                                       protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return


def _items(doc: Any, single: bool) -> list[tuple[Any, int]]:
    if single:
        return [(doc, doc.line)]
    raw = doc.get("announcements") if isinstance(doc, dict) else None
    return list(zip(raw, raw.item_lines, strict=True)) if isinstance(raw, list) else []


def active() -> NoticesKept | None:
    """The cache of the load under way (`kept.loaded`), or None: every file is parsed and checked."""
    return _ACTIVE.get()


@contextmanager
def keeping(path: Path, context: Callable[[], str]) -> Iterator[NoticesKept]:
    """Serve and keep validated notices during the loads inside; saved at the end, even after an error."""
    cache = NoticesKept(path, context)
    token = _ACTIVE.set(cache)
    try:
        yield cache
    finally:
        _ACTIVE.reset(token)
        cache.save()


def read_notices(loader: Any, shown: str, items: list[tuple[Any, int]] | None, slot_names: tuple[str, ...],
                 single: bool, kept: NoticesKept | None) -> list:
    """The valid notices of one file, from `items` (raw mapping, line) or from the cache.

    `items` None: the file's document came from the cache without its notices."""
    names = (tuple(slot_names), tuple(loader.zone_names))
    if kept is not None:
        specs = kept.notices(shown, names)
        if specs is not None:        # checked before; their ids are claimed again against the other files'
            return [s for s in specs if loader.claim_id(s.id, s.path, s.line, f"thông báo '{s.id}'")]
        if items is None:
            items = kept.items_again(shown, loader, single)
    before = (len(loader.errors), len(loader.warnings), len(loader.relay_files), len(loader.data_files))
    specs = [a for raw, line in items or () if (a := loader.read_announcement(raw, shown, line, slot_names)) is not None]
    if kept is not None and before == (len(loader.errors), len(loader.warnings), len(loader.relay_files),
                                       len(loader.data_files)):
        kept.keep(shown, names, specs, single)
    return specs
