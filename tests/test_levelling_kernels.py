"""The levelling's numpy kernels give the values of their plain definitions, to the bit."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from fresh_python import last_line

from broadcast.audio import limiter, loudness


def sliding_min(values: np.ndarray, before: int, after: int) -> np.ndarray:
    padded = np.concatenate((np.ones(before), values, np.ones(after)))
    return np.array([padded[k:k + before + after + 1].min() for k in range(len(values))])


@pytest.mark.parametrize("before, after", [(0, 0), (1, 1), (2, 6), (3, 17), (5, 5), (0, 9), (12, 0)])
@pytest.mark.parametrize("n", [1, 7, 100, 1001])
def test_the_running_minimum_is_the_minimum_of_each_window(before, after, n):
    values = np.random.default_rng(n + before).random(n) * 1.5
    np.testing.assert_array_equal(limiter._running_min(values, before, after), sliding_min(values, before, after))


@pytest.mark.parametrize("cells", [1, 2, 35 * 4096 // 35, 1000])
def test_cell_max_is_the_row_maximum(cells):
    values = np.abs(np.random.default_rng(cells).normal(0, 0.2, cells * 35)).astype(np.float32)
    np.testing.assert_array_equal(loudness.cell_max(values, 35), values.reshape(cells, 35).max(axis=1))
    assert loudness.cell_max(values[:0], 35).shape == (0,)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 29, 30, 31, 1000, 4321])
@pytest.mark.parametrize("qs", [(10, 95), (0, 100), (50,), (33.3, 66.6, 99.9)])
def test_percentiles_are_numpys_to_the_bit(n, qs):
    rng = np.random.default_rng(n)
    for values in (rng.normal(-20, 5, n), rng.integers(-30, -10, n).astype(float), np.sort(rng.random(n))):
        expected = np.percentile(values, qs)
        assert loudness.percentiles(values, qs) == [float(v) for v in expected]


def test_loudness_range_does_not_load_numpy_ma():
    """`np.percentile` imported numpy.ma (13 ms of a build) to take two numbers."""
    code = ("import sys, numpy as np\n"
            "from broadcast.audio import loudness\n"
            "p = loudness.Programme(22050)\n"
            "p.add(0, np.random.default_rng(1).random(600) * 0.01)\n"
            "assert p.loudness_range() > 0\n"
            "print('numpy.ma' in sys.modules)\n")
    assert last_line(code) == "False"


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc settings")
def test_levelling_starts_no_process_to_find_the_c_library():
    """`ctypes.util.find_library("c")` ran `ldconfig -p` in a child at every build's start."""
    code = ("import subprocess\n"
            "started = []\n"
            "real = subprocess.Popen.__init__\n"
            "def spy(self, *a, **k):\n"
            "    started.append(a[0] if a else k.get('args'))\n"
            "    return real(self, *a, **k)\n"
            "subprocess.Popen.__init__ = spy\n"
            "from broadcast.audio import clips\n"
            "assert clips._TRIM, 'malloc_trim not found'\n"
            "print(started)\n")
    assert last_line(code) == "[]"
