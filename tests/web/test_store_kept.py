"""The console's schedule is loaded once per change of its files, not on every page request."""

from __future__ import annotations

import os

import pytest

import broadcast.web.store as store_module
from broadcast.errors import BroadcastError


@pytest.fixture
def loads(monkeypatch):
    calls = []
    real = store_module.load_schedule

    def counting(*args, **kwargs):
        calls.append(kwargs.get("replacing"))
        return real(*args, **kwargs)

    monkeypatch.setattr(store_module, "load_schedule", counting)
    return calls


def _same_size_edit(path, how):
    """Change one byte of `path`, keeping its size and mtime (an edit within one clock tick)."""
    stat, data = path.stat(), path.read_bytes()
    i = next(i for i, b in enumerate(data) if chr(b).isdigit())
    changed = data[:i] + (b"1" if data[i:i + 1] != b"1" else b"2") + data[i + 1:]
    if how == "rename":
        fresh = path.with_name(path.name + ".tmp")
        fresh.write_bytes(changed)
        os.utime(fresh, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        os.replace(fresh, path)
    else:
        path.write_bytes(changed)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_unchanged_files_answer_from_the_last_load(console, loads):
    first = console.store.schedule()
    assert console.store.schedule() is first and console.store.schedule() is first
    assert len(loads) == 1


def test_a_save_being_checked_is_never_kept(console, loads):
    kept = console.store.schedule()
    candidate = console.store.schedule(replacing={"moi.yaml": None})
    assert candidate is not kept and console.store.schedule() is kept
    assert loads == [None, {"moi.yaml": None}]


@pytest.mark.parametrize("folder", ["schedules", "scripts_vi"])
@pytest.mark.parametrize("how", ["rename", "in-place"])
def test_any_edit_of_schedules_or_templates_loads_again(console, loads, folder, how):
    root = console.station.path(getattr(console.station.paths, {"scripts_vi": "scripts"}.get(folder, folder)))
    first = console.store.schedule()
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and any(c.isdigit() for c in p.read_text("utf-8"))]
    _same_size_edit(files[0], how)
    assert console.store.schedule() is not first
    assert len(loads) == 2


def test_a_new_or_removed_file_loads_again(console, loads):
    schedules = console.station.path(console.station.paths.schedules)
    first = console.store.schedule()
    extra = schedules / "them.yaml"
    extra.write_text("# trống\n", encoding="utf-8")
    second = console.store.schedule()
    extra.unlink()
    third = console.store.schedule()
    assert first is not second and second is not third and len(loads) == 3


def test_a_broken_file_is_an_error_every_time(console, loads):
    schedules = console.station.path(console.station.paths.schedules)
    console.store.schedule()
    (schedules / "hong.yaml").write_text("slots: [\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(BroadcastError, match="hong.yaml"):
            console.store.schedule()
    assert len(loads) == 3
