"""A copy of the sample station with N extra active notices, for planning at scale.

The notices are spread over files of 200 (each under the 1 MB YAML limit) in
`schedules/nhieu-NNN.yaml`: most are `thong_bao_chung` with their own text (each renders
differently), the rest the other notice templates with their example values; two are khẩn
cấp, a tenth ưu tiên, every one approved and active on the sample day and the days around it.

    .venv/bin/python benchmarks/many_notices.py /tmp/st1000 1000
"""

from __future__ import annotations

import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DAY = date(2026, 12, 7)
PER_FILE = 200


def notice_templates(root: Path = ROOT) -> list[tuple[str, dict]]:
    """(template, example values) of every notice template that has an example."""
    out = []
    for path in sorted((root / "scripts_vi").glob("*.j2")):
        example = root / "scripts_vi" / "examples" / f"{path.stem}.yaml"
        head = path.read_text(encoding="utf-8").split("---#}", 1)[0]
        if "kind: thong-bao" in head and example.is_file():
            out.append((path.stem, yaml.safe_load(example.read_text(encoding="utf-8"))))
    return out


def notices(n: int, around: date = SAMPLE_DAY, root: Path = ROOT) -> list[dict]:
    templates = notice_templates(root)
    out = []
    for i in range(n):
        entry = {"id": f"nhieu-{i:05d}", "status": "approved",
                 "from": (around - timedelta(days=3 + i % 5)).isoformat(),
                 "until": (around + timedelta(days=10 + i % 7)).isoformat()}
        if i % 4:
            entry.update(template="thong_bao_chung", title=f"Thông báo chung số {i + 1}",
                         values={"noi_dung": f"Ủy ban nhân dân xã mời đại diện các hộ thuộc danh sách số {i + 1} "
                                             f"đến hội trường thôn {1 + i % 9} để nhận giấy tờ đã giải quyết xong."})
        else:
            template, values = templates[(i // 4) % len(templates)]
            entry.update(template=template, title=f"Thông báo số {i + 1} ({template})", values=values)
        if i < 2:
            entry["priority"] = "khan-cap"
        elif i % 10 == 0:
            entry["priority"] = "uu-tien"
        out.append(entry)
    return out


def make_station(target: Path, n: int, root: Path = ROOT) -> Path:
    """`target` made a station: the sample's config, templates, schedules and assets, plus n notices."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("broadcast.toml", "pronunciations.tsv"):
        shutil.copy2(root / name, target / name)
    for name in ("scripts_vi", "schedules", "assets"):
        if (root / name).is_dir():
            shutil.copytree(root / name, target / name, dirs_exist_ok=True)
    folder = target / "schedules"
    entries = notices(n, root=root)
    for start in range(0, n, PER_FILE):
        text = yaml.safe_dump({"announcements": entries[start:start + PER_FILE]}, allow_unicode=True,
                              sort_keys=False)
        (folder / f"nhieu-{start // PER_FILE:03d}.yaml").write_text(text, encoding="utf-8")
    return target


if __name__ == "__main__":
    print(make_station(Path(sys.argv[1]), int(sys.argv[2])))
