import os

# Same thread settings as the Makefile, for anyone who runs pytest directly.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    """Start the longest tests first, so that two workers finish together: the default-mode runs at
    a second seed, slowest notebook first (times measured by make execute), then the rest."""
    import json
    import pathlib

    times_file = pathlib.Path(__file__).resolve().parents[1] / "bench" / "notebook_times.json"
    times = json.loads(times_file.read_text()) if times_file.exists() else {}

    def key(item):
        if item.get_closest_marker("second_seed") is None:
            return (1, 0.0)
        stem = item.callspec.params["path"].stem if hasattr(item, "callspec") else ""
        return (0, -times.get(stem, {}).get("default_s", 0.0))

    items.sort(key=key)  # stable: everything else keeps its order
