"""Run every benchmarks/bench_*.py file's main() (``make bench``)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))      # the repository root: import runecon from here


def main() -> int:
    files = sorted(HERE.glob("bench_*.py"))
    if not files:
        print("no benchmarks/bench_*.py files found")
        return 1
    for path in files:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        if not hasattr(mod, "main"):
            print(f"{path.name}: no main(), skipped")
            continue
        print(f"=== {path.name} ===", flush=True)
        mod.main()
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
