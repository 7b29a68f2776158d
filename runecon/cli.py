"""The ``runecon`` command line: ``runecon figures``, ``runecon validate``,
``runecon student`` and ``runecon add-study``."""
from __future__ import annotations

import argparse
import sys


def _use_data(folder) -> None:
    """Point the whole process at another data folder (``--data``)."""
    import os
    from pathlib import Path

    from . import config
    from .errors import InputError

    folder = Path(folder)
    if not (folder / "datapackage.json").exists():
        raise InputError("--data", f"{folder} is not a data package (no datapackage.json); "
                                   "make one with `runecon add-study FOLDER --out MERGED`")
    os.environ["RUNECON_DATA"] = str(folder)
    config.DATA_DIR = folder


def _figures(args) -> int:
    if args.data:
        _use_data(args.data)
    from .viz.figures import build_all

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    only = [n.strip() for n in args.only.split(",")] if args.only else None
    build_all(out=args.out, formats=formats, only=only)
    if only is None or "claims_ledger" in only:
        _write_ledger(args.out)
    return 0


def _write_ledger(out) -> None:
    """The claims ledger beside the figures: claims_ledger.csv and claims_ledger.md."""
    from pathlib import Path

    from .evidence.claims import claims_ledger

    led = claims_ledger()
    out = Path(out)
    led.to_frame().to_csv(out / "claims_ledger.csv", index=False, float_format="%.6g",
                          lineterminator="\n")
    (out / "claims_ledger.md").write_text("# Claims ledger\n\nComputed by "
                                          "`runecon.claims_ledger()`; the rule is in the "
                                          "docstring of `runecon.claims`.\n\n"
                                          + led.to_markdown(), encoding="utf-8")


def _validate(args) -> int:
    from .evidence.data import validate_paths

    return validate_paths(args.paths, table=args.table)


def _student(args) -> int:
    from .viz.book import student

    written = student(src=args.notebooks, out=args.out)
    print(f"{len(written)} student notebooks (solutions removed, outputs cleared) in {args.out}/")
    return 0


def _add_study(args) -> int:
    from .evidence.data import validate_paths
    from .evidence.living import merge_study, write_template

    if args.template:
        for f in write_template(args.template):
            print(f"wrote {f}")
        print(f"fill them in (guide: {args.template}/README.md), then run: "
              f"runecon add-study {args.template} --out MERGED")
        return 0
    if not args.folder or not args.out:
        print("runecon add-study: give --template DIR, or a filled-in FOLDER and --out MERGED",
              file=sys.stderr)
        return 2
    added = merge_study(args.folder, args.out)
    print("appended " + ", ".join(f"{n} row(s) to {t}.csv" for t, n in added.items())
          + f" in {args.out}")
    code = validate_paths([args.out])
    if code == 0:
        print(f"next: runecon figures --data {args.out} --out {args.out}-figures")
    return code


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="runecon", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("figures", help="regenerate the article figures")
    p.add_argument("--out", default="figures", help="output folder (default: figures)")
    p.add_argument("--format", default="pdf,svg,png", help="comma-separated: pdf,svg,png")
    p.add_argument("--only", default=None, help="comma-separated figure names")
    p.add_argument("--data", default=None,
                   help="data folder to use instead of the packaged data (a merged copy)")
    p.set_defaults(func=_figures)

    p = sub.add_parser("validate", help="check data files against the runecon schema")
    p.add_argument("paths", nargs="*", help="CSV files or a data folder (default: the packaged data)")
    p.add_argument("--table", default=None, help="schema to check a single file against")
    p.set_defaults(func=_validate)

    p = sub.add_parser("student", help="write the notebooks without solutions, outputs cleared")
    p.add_argument("--notebooks", default="notebooks", help="source folder (default: notebooks)")
    p.add_argument("--out", default="student", help="output folder (default: student)")
    p.set_defaults(func=_student)

    p = sub.add_parser("add-study", help="add a trial: write a template, or merge and check one")
    p.add_argument("folder", nargs="?", help="a filled-in template folder to merge")
    p.add_argument("--template", metavar="DIR", default=None,
                   help="write the guided CSV template and guide into DIR")
    p.add_argument("--out", metavar="MERGED", default=None,
                   help="new folder: the packaged data with FOLDER's rows appended")
    p.set_defaults(func=_add_study)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
