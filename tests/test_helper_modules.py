"""Test helpers stay importable whichever test folders pytest is given, in whichever order.

pytest puts every test folder on sys.path and keeps one module per name: a test module that
imports `conftest`, or two folders with a helper module of the same name, get whichever was
loaded first (`pytest tests/web tests/province` failed to collect that way).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent
IMPORTS_CONFTEST = re.compile(r"^\s*(from\s+conftest\s+import|import\s+conftest\b)", re.MULTILINE)


def test_no_test_module_imports_a_conftest():
    offenders = [str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py") if IMPORTS_CONFTEST.search(p.read_text("utf-8"))]
    assert offenders == [], "import helpers from a uniquely named module (e.g. web_helpers), not from conftest"


def test_helper_module_names_are_unique_across_test_folders():
    folders = defaultdict(list)
    for path in TESTS.rglob("*.py"):
        if path.name not in ("conftest.py", "__init__.py") and not path.name.startswith("test_"):
            folders[path.stem].append(str(path.parent.relative_to(TESTS)))
    assert {name: where for name, where in folders.items() if len(where) > 1} == {}
