"""Which optional part of the install (`pip install "broadcast[PART]"`) brings a missing library."""

from __future__ import annotations

# top-level module -> the extra of pyproject.toml that installs it
EXTRA_OF = {
    "jinja2": "station", "gtts": "station", "pydub": "station", "espeakng_loader": "station",
    "apscheduler": "station", "yaml": "station", "holidays": "station", "icalendar": "station",
    "edge_tts": "station", "onnxruntime": "station", "numpy": "station",
    "starlette": "web", "uvicorn": "web", "multipart": "web", "python_multipart": "web",
    "itsdangerous": "web", "argon2": "web",
    "docx": "report", "openpyxl": "report", "matplotlib": "report",
    "distributed": "province", "dask": "province", "defusedxml": "province",
}


def missing_extra_message(exc: ModuleNotFoundError) -> str | None:
    """One Vietnamese line naming the extra to install, or None when the module is not an extra's."""
    top = (exc.name or "").split(".")[0]
    extra = EXTRA_OF.get(top)
    if extra is None:
        return None
    return (f"lệnh này cần phần '{extra}' của broadcast, chưa cài trên máy này (thiếu thư viện {top}). "
            f"(Sửa: cài thêm bằng lệnh: pip install \"broadcast[{extra}]\"; máy của đài cài đủ bằng "
            "'make install' hoặc pip install \"broadcast[all]\")")
