"""The ``w2s`` command line: ``w2s sweep`` runs the protocol, ``w2s results`` tabulates a results folder,
``w2s vision`` runs Table 3, ``w2s chess`` the chess puzzles (Figs. 3b/e, 4, 15, 19-20), ``w2s sandbox`` the
offline demo, ``w2s compare`` every weak-to-strong method on the same runs, ``w2s preflight`` checks that a
preset's tasks and models load before a long run. Each family of subcommands is a module of this package
(``sweep``, ``compare``, ``sandbox``, ``vision``, ``chess``, ``checks``); what they share is in ``common``, the
sweep presets in ``presets``. The library is imported inside the functions that use it, each import with why:
torch, pandas, and even the task and model registries (~30 ms) would slow ``w2s --help``.

Bad input ends with one line on stderr naming the bad value and the valid choices, exit status 2, before
anything is written.
"""

from __future__ import annotations

import argparse
import sys

from w2s_lib.cli import checks, chess, compare, sandbox, sweep, vision
from w2s_lib.cli.common import Parser, UsageError

COMMANDS = {
    "sweep": sweep.cmd_sweep,
    "results": sweep.cmd_results,
    "sandbox": sandbox.cmd_sandbox,
    "compare": compare.cmd_compare,
    "vision": vision.cmd_vision,
    "chess": chess.cmd_chess,
    "preflight": checks.cmd_preflight,
    "plan": checks.cmd_plan,
    "list": checks.cmd_list,
}


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="w2s", description="Weak-to-strong generalization (Burns et al. 2023), reproduced.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in (sweep, compare, sandbox, vision, chess, checks):  # the order of `w2s --help`
        module.add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        a = build_parser().parse_args(argv)
        return COMMANDS[a.command](a)
    except UsageError as e:
        print(f"w2s: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("w2s: interrupted; finished runs are kept, rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
