"""The `papersync` command: argument parsing, output and exit codes, nothing more.

Exit codes: 0 all good · 1 anything else · 2 usage or config error · 3 partial result
(unresolved mentions, a failed source or failed items).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from papersync import __version__, commands, registry, report
from papersync.config import CONFIG_NAME, Config, load
from papersync.errors import PapersyncError
from papersync.model import Match
from papersync.sources.catalog import FORMATS

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.ERROR,
        format="papersync: %(message)s",
        force=True,
    )
    if not hasattr(args, "run"):
        _parser().print_help()
        return EXIT_USAGE
    try:
        needed = args.config is not None or getattr(args, "needs_config", True)
        config = load(args.config or Path(CONFIG_NAME), required=needed)
        result: int = args.run(args, config)
        return result
    except PapersyncError as exc:
        print(f"papersync: {_one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # the disk itself failed (full, gone, read-only) mid-run
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"papersync: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("papersync: interrupted; everything already fetched is cached", file=sys.stderr)
        return 130


def _one_line(message: str) -> str:
    return " ".join(message.split())


Run = Callable[[argparse.Namespace, Config], int]
AddCommand = Callable[..., Any]
"""`(name, help, run, *, needs_config=True)` → the new subcommand's parser."""


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=None,
        help=f"the config file (default: {CONFIG_NAME} in the current folder)",
    )
    parser = _Parser(
        prog="papersync",
        description="Keep a Markdown paper-reading log in sync with BibTeX, Zotero and Obsidian.",
    )
    parser.add_argument("--version", action="version", version=f"papersync {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_: str, run: Run, *, needs_config: bool = True) -> Any:
        p = sub.add_parser(name, parents=[common], help=help_, description=help_)
        p.set_defaults(run=run, needs_config=needs_config)
        return p

    _reading_commands(command, common)
    _writing_commands(command, common)
    return parser


def _reading_commands(command: AddCommand, common: argparse.ArgumentParser) -> None:
    """scan, catalog import, resolve, review: what papersync sees and decides."""
    p = command(
        "scan", "list the mentions of papers found in reading logs", _scan, needs_config=False
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="reading logs (default: config notes)")
    p.add_argument("--json", action="store_true", help="print a JSON array of mentions")

    p = command(
        "catalog",
        "manage the local catalog used for offline resolution",
        _no_action,
        needs_config=False,
    )
    csub = p.add_subparsers(title="actions", metavar="ACTION", parser_class=_Parser)
    ip = csub.add_parser("import", parents=[common], help="add records to the local catalog")
    ip.set_defaults(run=_catalog_import, needs_config=False)
    ip.add_argument("file", type=Path, help="the file to import")
    ip.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="the file's format (default: from its extension and first line)",
    )

    p = command("resolve", "decide a paper for each distinct mention", _resolve)
    p.add_argument("notes", nargs="*", metavar="NOTES", help="note files (default: config notes)")
    _network_flags(p)
    p.add_argument("--json", action="store_true", help="print a JSON array of decisions")

    p = command("review", "settle ambiguous and unresolved mentions by hand", _review)
    p.add_argument("--accept-best", action="store_true", help="take every top candidate")
    p.add_argument(
        "--mark-not-a-paper",
        action="append",
        default=[],
        metavar="TEXT",
        help="mark the mention shown as TEXT (raw line, title or `[alias] title` as `scan` "
        "shows it) as not a paper (repeatable)",
    )


def _writing_commands(command: AddCommand, common: argparse.ArgumentParser) -> None:
    """export, zotero push, sync, and the helpers around them: status, doctor, init."""
    p = command("export", "write one target from the lock file", _export)
    p.add_argument("target", choices=registry.FILE_TARGETS)
    p.add_argument("--out", type=Path, help="where to write (default: from the config)")
    p.add_argument("--include-ambiguous", action="store_true", help="export uncertain matches too")
    p.add_argument(
        "--include-unresolved", action="store_true", help="vault: a note for unresolved mentions"
    )

    p = command("zotero", "sync matched papers into Zotero", _no_action)
    zsub = p.add_subparsers(title="actions", metavar="ACTION", parser_class=_Parser)
    zp = zsub.add_parser("push", parents=[common], help="push matched papers to Zotero")
    zp.set_defaults(run=_zotero_push)
    zp.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")

    p = command("sync", "parse, resolve and export every configured target", _sync)
    _network_flags(p)
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    p.add_argument("--quiet", action="store_true", help="print only the final report")
    p.add_argument("--json", action="store_true", help="print the report as a JSON object")
    p.add_argument("--verbose", action="store_true", help="print every file and item written")

    command("status", "counts from the lock file, without running anything", _status)
    command("doctor", "check the config, the sources and Zotero", _doctor, needs_config=False)
    p = command(
        "init", f"write a {CONFIG_NAME} for the logs in a folder", _init, needs_config=False
    )
    p.add_argument("folder", nargs="?", type=Path, default=Path("."), help="the notes folder")


def _network_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--offline", action="store_true", help="use only the lock file and catalog")
    p.add_argument("--refresh", action="store_true", help="ask the sources again, bypass caches")


def _no_action(args: argparse.Namespace, config: Config) -> int:
    print(f"papersync: choose an action; see `papersync {sys.argv[1]} --help`", file=sys.stderr)
    return EXIT_USAGE


def _scan(args: argparse.Namespace, config: Config) -> int:
    read = commands.scan(config, args.paths)
    if args.json:
        print(
            json.dumps(
                [report.mention_json(m) for m in read.mentions], ensure_ascii=False, indent=2
            )
        )
    else:
        _print_rows(
            ["where", "date", "kind", "title"], [report.mention_row(m) for m in read.mentions]
        )
        print(f"{len(read.mentions)} mentions of {len(read.groups())} distinct papers")
    for problem in read.problems:
        print(f"papersync: {problem}", file=sys.stderr)
    return EXIT_PARTIAL if read.problems else EXIT_OK


def _catalog_import(args: argparse.Namespace, config: Config) -> int:
    imported = commands.catalog_import(config, args.file, args.format)
    if imported.rebuilt:
        print(f"papersync: {imported.rebuilt}", file=sys.stderr)
    for problem in imported.problems:
        print(
            f"papersync: {args.file}:{_one_line(str(problem)).removeprefix('line ')}",
            file=sys.stderr,
        )
    print(
        f"{args.file}: {imported.imported} imported, {imported.updated} updated, "
        f"{imported.skipped} skipped"
    )
    return EXIT_PARTIAL if imported.skipped else EXIT_OK


def _resolve(args: argparse.Namespace, config: Config) -> int:
    run = commands.resolve(config, args.notes, offline=args.offline, refresh=args.refresh)
    matches = run.resolution.matches
    if args.json:
        print(
            json.dumps(
                [report.match_json(matches[k]) for k in sorted(matches)],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        _print_rows(
            ["status", "score", "mention", "paper"],
            [report.match_row(m) for _, m in sorted(matches.items())],
        )
    _print_problems(run.problems, run.resolution.failures)
    print(report.summary(run.statuses), file=sys.stderr if args.json else sys.stdout)
    return EXIT_PARTIAL if run.problems or run.resolution.failures else EXIT_OK


def _review(args: argparse.Namespace, config: Config) -> int:
    decided = commands.review(
        config,
        accept_best=args.accept_best,
        not_papers=args.mark_not_a_paper,
        ask=None if args.accept_best or args.mark_not_a_paper else _ask,
    )
    print(f"{decided} decision(s) recorded in the lock file")
    return EXIT_OK


def _ask(match: Match, where: str) -> str:
    print(f"\n{where}  {match.mention.date or ''}\n  {match.mention.raw}")
    for i, c in enumerate(match.candidates, 1):
        print(f"  [{i}] {c.score:.2f}  {c.paper.title} ({c.paper.year or '?'}) {c.paper.key}")
    prompt = "number, arXiv id or DOI, n = not a paper, Enter = skip, q = quit: "
    try:
        return input(prompt).strip()
    except EOFError:
        return "q"


def _export(args: argparse.Namespace, config: Config) -> int:
    outcome = commands.export(
        config,
        args.target,
        out=args.out,
        include_ambiguous=args.include_ambiguous,
        include_unresolved=args.include_unresolved,
    )
    for path in outcome.written:
        print(f"wrote {path}")
    print(report.outcome_line(args.target, outcome))
    for problem in outcome.problems:
        print(f"papersync: {problem}", file=sys.stderr)
    return EXIT_PARTIAL if outcome.problems else EXIT_OK


def _zotero_push(args: argparse.Namespace, config: Config) -> int:
    push = commands.zotero_push(config, dry_run=args.dry_run)
    print(report.describe_push(push.outcome, push.plan))
    for problem in push.outcome.problems:
        print(f"papersync: {problem}", file=sys.stderr)
    failed = push.outcome.problems or push.outcome.counts.get("failed")
    return EXIT_PARTIAL if failed else EXIT_OK


def _sync(args: argparse.Namespace, config: Config) -> int:
    console = Console(highlight=False, stderr=args.json)
    quiet = args.quiet or args.json
    say = (lambda line: None) if quiet else _plain(console)
    bar = console.is_terminal and not quiet
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not bar,
    ) as progress:
        current: list[tuple[TaskID, str]] = []

        def stage(description: str) -> None:
            """A new step gets a new line; news of the same step (`resolving: 40/199 …`, after
            every request) updates its line in place."""
            if not bar:
                if args.verbose:
                    print(description)
                return
            step = description.split(":", 1)[0]
            if current and current[0][1] == step:
                progress.update(current[0][0], description=description)
                return
            for task, _ in current:
                progress.update(task, completed=1)
            current[:] = [(progress.add_task(description, total=1), step)]

        done = commands.sync(
            config,
            offline=args.offline,
            refresh=args.refresh,
            dry_run=args.dry_run,
            say=say,
            verbose=args.verbose,
            stage=stage,
        )
    if args.json:
        print(json.dumps(report.report_json(done), ensure_ascii=False, indent=2))
    else:
        print(report.describe(done))
    return EXIT_PARTIAL if done.partial else EXIT_OK


def _plain(console: Console) -> Callable[[str], None]:
    """Lines for the person: through rich on a terminal (it keeps the bar tidy), else print."""
    if console.is_terminal:
        return lambda line: console.print(line, markup=False)
    return print


def _status(args: argparse.Namespace, config: Config) -> int:
    print(report.describe_status(commands.status(config)))
    return EXIT_OK


def _doctor(args: argparse.Namespace, config: Config) -> int:
    checks = commands.doctor(config)
    for ok, line in checks:
        print(f"{'ok ' if ok else 'FAIL'}  {line}")
    return EXIT_OK if all(ok for ok, _ in checks) else EXIT_ERROR


def _init(args: argparse.Namespace, config: Config) -> int:
    started = commands.init(args.folder)
    print(report.describe_init(started))
    return EXIT_OK


def _print_rows(header: list[str], rows: list[list[str]]) -> None:
    for line in report.table(header, rows):
        print(line)


def _print_problems(problems: Sequence[str], failures: dict[str, str] | Any) -> None:
    for problem in problems:
        print(f"papersync: {problem}", file=sys.stderr)
    for source, line in sorted(failures.items()):
        print(f"papersync: {source}: {line}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
