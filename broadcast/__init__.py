"""broadcast: the commune loudspeaker station, from Vietnamese script to speaker."""

import os as _os

__version__ = "0.1.0"

# numpy's OpenBLAS starts a thread for each extra core when numpy is imported, and they spin on
# the CPU for a while (~0.05-0.1 CPU-s per process) though the station makes no BLAS call: its
# numpy work is FFTs and elementwise arithmetic, one thread each. One BLAS thread, set here
# before anything imports numpy: every entry point (the `broadcast` script, `python -m
# broadcast`, the daemon `broadcast run`, the web console) imports this package first.
# A value the user set wins. OMP_NUM_THREADS is left alone: every OpenMP program reads it.
for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_name, "1")
del _name


def rooms(package: str, homes: dict[str, str]):
    """A package's `__getattr__` (PEP 562) that imports each name from its room on first use.

    `homes` maps a name to the submodule it lives in; the value is kept in the package after the
    first use. A package that uses it imports none of its rooms until a name is asked for. No name
may be called as a room is: importing `package.room` sets the package's attribute `room` to the
module, which would then shadow the name."""
    import importlib
    import sys

    shadowed = sorted(set(homes) & set(homes.values()))
    if shadowed:   # importing the room would put the module where the name should be
        raise ImportError(f"{package}: a name and its room share a name: {shadowed}")

    def __getattr__(name: str):
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{homes[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
