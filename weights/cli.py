"""`animate weights list | fetch NAME... | verify [NAME...] | path NAME`."""

from __future__ import annotations

import argparse
import sys

from toolkit.errors import InputError
from toolkit.progress import ProgressBar
from weights import manager
from weights.registry import HUB_MODELS, Checkpoint, HubModel, entry, names

SUMMARY = "list, download, verify and locate model weights (SAM, SVD, Wan, AnimateDiff, LTX-Video)"


def add_weights_command(commands, common: argparse.ArgumentParser) -> None:
    """`animate weights` and its four actions, added to the `animate` subcommands."""
    weights = commands.add_parser("weights", help=SUMMARY, description=SUMMARY, parents=[common])
    weights.set_defaults(mode=None, weights_action=None)
    actions = weights.add_subparsers(dest="weights_action", metavar="ACTION", parser_class=type(weights))
    actions.add_parser("list", help="the known weights: kind, size, licence, commercial use, present or not",
                       parents=[common])
    fetch = actions.add_parser("fetch", help="download weights (resumable) and verify their checksums",
                               parents=[common])
    fetch.add_argument("names", nargs="+", metavar="NAME", help="registry name(s), see `animate weights list`")
    verify = actions.add_parser("verify", help="check downloaded files against their SHA-256 (all when no NAME)",
                                parents=[common])
    verify.add_argument("names", nargs="*", metavar="NAME")
    where = actions.add_parser("path", help="print the local file or folder of NAME", parents=[common])
    where.add_argument("name", metavar="NAME")


def bytes_text(done: int, total: int) -> str:
    return f"{human_size(done)} / {human_size(total) if total else '?'}"


def human_size(size: int | None) -> str:
    if size is None:
        return "?"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} B"


def _row(name: str) -> list[str]:
    item = entry(name)
    if isinstance(item, Checkpoint):
        kind, size = "file", item.size_bytes
    else:
        kind, size = ("pipeline" if item.pipeline else "component"), item.size_bytes
    commercial = ("no" if not item.commercial_use
                  else "conditional" if isinstance(item, HubModel) and item.commercial_terms else "yes")
    present = "yes" if manager.is_present(name) else "partial" if manager.has_any(name) else "no"
    return [name, kind, ("~" if isinstance(item, HubModel) and size else "") + human_size(size), item.licence,
            commercial, present]


def table(rows: list[list[str]], header: list[str]) -> str:
    """A plain text table with left-aligned columns."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *rows]]
    return "\n".join(lines) + "\n"


def run_weights(args: argparse.Namespace, out=None) -> int:
    """Carry out `animate weights ACTION`; returns the exit code (InputError for bad input or failures)."""
    out = out or sys.stdout
    action = args.weights_action
    if action is None:
        raise InputError("animate weights: choose an action: list, fetch NAME, verify [NAME] or path NAME")
    if action == "list":
        out.write(table([_row(n) for n in names()], ["name", "kind", "size", "licence", "commercial", "present"]))
        conditional = [n for n, m in HUB_MODELS.items() if m.commercial_terms]
        for name in conditional:
            out.write(f"  {name}: commercial use {HUB_MODELS[name].commercial_terms}\n")
        return 0
    if action == "path":
        out.write(f"{manager.path(args.name)}\n")
        return 0
    if action == "fetch":
        for name in args.names:
            entry(name)  # unknown names fail before any download starts
        for name in args.names:
            out.write(f"{name}: {manager.fetch(name, progress=ProgressBar(name, bytes_text))}\n")
        return 0
    selected = args.names or [n for n in names() if manager.has_any(n)]
    if not selected:
        out.write("No weights downloaded yet; see `animate weights list`.\n")
        return 0
    problems = []
    for name in selected:
        found = manager.verify(name)
        problems += found
        if not found:
            out.write(f"{name}: ok\n")
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise InputError(problems[0] + more)
    return 0
