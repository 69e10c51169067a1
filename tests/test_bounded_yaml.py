"""Bounded YAML: file size, expanded nodes, aliases, depth and self-reference are refused early."""

from __future__ import annotations

import pytest
import yaml

from broadcast.station.bounded_yaml import YamlLimitError, YamlLimits, check_document, read_capped


def laughs(levels: int, width: int = 9) -> str:
    """The "billion laughs" document: each level lists `width` aliases of the one below."""
    lines = ['a0: &a0 "lol"']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def composed(text: str):
    return yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def test_billion_laughs_is_refused_before_expansion():
    text = laughs(9)                                # 9**9 values once expanded, ~300 bytes
    with pytest.raises(YamlLimitError, match="quá nhiều") as info:
        check_document(composed(text), YamlLimits(), "schedules/bom.yaml")
    assert info.value.path == "schedules/bom.yaml" and info.value.line is not None


def test_expanded_count_is_exact_at_the_limit():
    # laughs(2, 3): root map (1) + 3 keys + a0 (1) + a1 (1 + 3) + a2 (1 + 3 * 4) = 22 values
    node = composed(laughs(2, 3))
    check_document(node, YamlLimits(max_nodes=22), "x.yaml")
    with pytest.raises(YamlLimitError):
        check_document(node, YamlLimits(max_nodes=21), "x.yaml")


def test_alias_uses_are_counted():
    node = composed(laughs(2, 5))                   # five uses of the list *a1 (scalar *a0 uses are values)
    check_document(node, YamlLimits(max_aliases=5), "x.yaml")
    with pytest.raises(YamlLimitError, match="bí danh"):
        check_document(node, YamlLimits(max_aliases=4), "x.yaml")


def test_self_reference_is_refused():
    with pytest.raises(YamlLimitError, match="vòng lặp") as info:
        check_document(composed("a: &x [1, *x]\n"), YamlLimits(), "x.yaml")
    assert info.value.line == 1


def test_depth_is_capped():
    text = "a:\n" + "".join("  " * i + f"b{i}:\n" for i in range(1, 30)) + "  " * 30 + "c: 1\n"
    check_document(composed(text), YamlLimits(), "x.yaml")
    with pytest.raises(YamlLimitError, match="lồng nhau quá sâu"):
        check_document(composed(text), YamlLimits(max_depth=20), "x.yaml")


def test_plain_documents_pass():
    check_document(composed("slots:\n  - {name: sang, start: '05:30'}\n"), YamlLimits(), "x.yaml")
    check_document(None, YamlLimits(), "x.yaml")


def test_read_capped_reads_no_more_than_the_limit(tmp_path):
    small, big = tmp_path / "a.yaml", tmp_path / "b.yaml"
    small.write_bytes(b"x" * 100)
    big.write_bytes(b"x" * (3 * 1024 * 1024))
    assert read_capped(small, 100, "a.yaml") == b"x" * 100
    with pytest.raises(YamlLimitError, match=r"Tệp quá lớn \(3,0 MB; tối đa 2,0 MB\)") as info:
        read_capped(big, 2 * 1024 * 1024, "schedules/b.yaml")
    assert info.value.path == "schedules/b.yaml" and "schedule_max_kb" in info.value.hint


def test_read_capped_refuses_an_endless_device_without_reading_it():
    from broadcast.station.files import StationFileError

    with pytest.raises(StationFileError, match="thiết bị /dev/zero"):
        read_capped("/dev/zero", 4096, "/dev/zero")


def test_many_plain_values_are_not_blamed_on_aliases():
    node = composed("[" + ", ".join(["1"] * 50) + "]")
    with pytest.raises(YamlLimitError) as info:
        check_document(node, YamlLimits(max_nodes=20), "x.yaml")
    assert "bí danh" not in info.value.message and "yaml_max_nodes" in info.value.hint
