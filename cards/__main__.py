"""Command line for the cards: ``python -m cards dump OUTDIR`` writes every card variant as JSON;
``python -m cards preview OUTDIR`` renders each to PNG with the official renderer.

Each subcommand is a function that takes the parsed arguments and returns the exit status; add one
with `_parser` (``subparsers.add_parser(...)`` and ``set_defaults(run=...)``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from cards.elements import HOSTS
from cards.i18n import SUPPORTED_LOCALES
from cards.samples import ALL_KINDS, variants


def _selection(args: argparse.Namespace) -> dict[str, tuple[str, ...]]:
    return {
        "kinds": tuple(args.kind or ALL_KINDS),
        "hosts": tuple(args.host or HOSTS),
        "locales": tuple(args.locale or SUPPORTED_LOCALES),
    }


def _wanted(args: argparse.Namespace, sample: str | None) -> bool:
    """Whether a variant of `sample` is selected (kinds without samples always are)."""
    return not args.sample or sample is None or sample in args.sample


def _dump(args: argparse.Namespace) -> int:
    out: Path = args.outdir
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for variant in variants(**_selection(args)):
        if not _wanted(args, variant.sample):
            continue
        (out / variant.filename).write_text(variant.to_json(), encoding="utf-8")
        count += 1
    print(f"wrote {count} cards to {out}")
    return 0


def _preview(args: argparse.Namespace) -> int:
    from cards.render import RendererError, RendererUnavailable, preview  # I/O: only for this command

    try:
        paths = preview(args.outdir, **_selection(args), samples=tuple(args.sample or ()))
    except (RendererUnavailable, RendererError) as exc:
        print(f"python -m cards preview: {exc}", file=sys.stderr)
        return 1
    print(f"rendered {len(paths)} cards to {args.outdir}")
    return 0


def _add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", action="append", choices=ALL_KINDS, help="only this kind (repeatable)")
    parser.add_argument("--host", action="append", choices=HOSTS, help="only this host (repeatable)")
    parser.add_argument(
        "--locale", action="append", choices=SUPPORTED_LOCALES, help="only this locale (repeatable)"
    )
    parser.add_argument(
        "--sample", action="append", metavar="NAME", help="only this sample, e.g. contoso (repeatable)"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cards", description="The CPOR Adaptive Cards.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    dump = subparsers.add_parser(
        "dump",
        help="write every card variant as JSON",
        description="Write every card variant "
        "(kinds x hosts x locales x samples) to OUTDIR, one file each, named KIND.HOST.LOCALE[.SAMPLE].json.",
    )
    dump.add_argument("outdir", type=Path, metavar="OUTDIR")
    _add_selection(dump)
    dump.set_defaults(run=_dump)

    preview = subparsers.add_parser(
        "preview",
        help="render every card variant to PNG with the official renderer",
        description="Render every card variant with Microsoft's Adaptive Cards renderer in headless "
        "Chromium (Teams light theme for Teams cards, Outlook desktop for Outlook cards) to OUTDIR, "
        "one PNG each. Needs `npm ci` (make test runs it) and Debian's chromium.",
    )
    preview.add_argument("outdir", type=Path, metavar="OUTDIR")
    _add_selection(preview)
    preview.set_defaults(run=_preview)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
