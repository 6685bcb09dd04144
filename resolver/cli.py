"""The ``pullsim`` command: a thin layer over the library; no logic of its own.

Exit codes: 0 yes (resolved), 1 no (no match, the engine fails the pull), 2 bad input or usage,
3 registry or network error. Errors are one line, ``pullsim: error: ...``, never a traceback.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: the warm path (resolver.warm) must not import typing
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from types import SimpleNamespace
    from typing import Any, NoReturn

    from resolver.engines.base import Engine
    from resolver.lookup import SourceOptions
    from resolver.platform import Platform
    from resolver.warm import Question

EXIT_YES, EXIT_NO, EXIT_USAGE, EXIT_NETWORK = 0, 1, 2, 3
OUTPUTS = ("table", "json", "markdown", "html")
REF_HELP = ("an image: a registry reference (nginx, ghcr.io/org/app:1.2, "
            "docker://HOST:PORT/repo:tag, NAME@sha256:…), oci:DIR[:REF], oci-archive:FILE[:REF], "
            "docker-archive:FILE[:REF], or file:PATH (a manifest or index JSON; a bare path too)")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", choices=OUTPUTS, default="table",
                   help="output format (default: table)")


def _source_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("sources")
    g.add_argument("--insecure", action="store_true",
                   help="allow plain HTTP and unverified TLS (loopback registries never need it)")
    g.add_argument("--creds", metavar="USER:PASS",
                   help="registry credentials (else Docker/containers auth files and helpers)")
    g.add_argument("--offline", action="store_true", help="answer only from the cache")
    g.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    g.add_argument("--max-age", type=float, metavar="SECONDS",
                   help="trust a cached tag this long without asking the registry again")


def _options(args: argparse.Namespace | SimpleNamespace) -> SourceOptions:
    from resolver.lookup import SourceOptions

    return SourceOptions(insecure=args.insecure, creds=args.creds, offline=args.offline,
                         no_cache=args.no_cache, max_age=args.max_age)


def _parser_class() -> type[argparse.ArgumentParser]:
    import argparse  # here, not at the top: the warm path has no time for it

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            self.exit(EXIT_USAGE, f"pullsim: error: {message}\n")

    return _Parser


def build_parser() -> argparse.ArgumentParser:
    _Parser = _parser_class()
    parser = _Parser(prog="pullsim", description=(
        "Which image does this host pull from this tag, and will it run? "
        "Container engines' platform selection, reproduced."))
    parser.add_argument("--version", action="version", version="%(prog)s 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("resolve", help="what one engine pulls for one host")
    r.add_argument("reference", help=REF_HELP)
    r.add_argument("--host", default="detect",
                   help="the machine: 'detect' (this one, the default) or a platform at finest "
                        "grain, e.g. linux/arm/v7, linux/amd64/v3, windows(10.0.20348)/amd64")
    r.add_argument("--platform", help="the request a user passes to the engine "
                                      "(docker pull --platform), parsed by that engine")
    r.add_argument("--engine", "-e", default="containerd",
                   help="engine profile, e.g. containerd@1.6 (see `pullsim engines`)")
    _common(r)
    _source_flags(r)

    s = sub.add_parser("simulate", help="what several engines pull, and where they disagree")
    s.add_argument("reference", nargs="+", help=REF_HELP + " (several allowed)")
    s.add_argument("--platform", action="append", default=None,
                   help="a request to ask every engine (repeatable); default: none, each "
                        "engine detects the host")
    s.add_argument("--engines", default="containerd",
                   help="comma-separated engine profiles (see `pullsim engines`)")
    s.add_argument("--host", default="detect", help="'detect' or a platform (see resolve)")
    _common(s)
    _source_flags(s)

    x = sub.add_parser("explain", help="every step one engine takes for one host, in order")
    for action in r._actions:  # the same arguments as resolve
        if action.dest not in ("help",) and action.option_strings != ["--output", "-o"]:
            x._add_action(action)
    _common(x)

    i = sub.add_parser("inspect", help="the list as it is served: platforms, digests, "
                                       "attestations")
    i.add_argument("reference", help=REF_HELP)
    _common(i)
    _source_flags(i)

    e = sub.add_parser("engines", help="the engine profiles with their versions and sources")
    _common(e)

    h = sub.add_parser("host", help="this machine, and what each engine reports for it")
    h.add_argument("--engine", "-e", action="append",
                   help="only this engine (repeatable); default: every profile")
    h.add_argument("--host", default="detect", help="'detect' or a platform (see resolve)")
    _common(h)

    c = sub.add_parser("cache", help="the cache: where it is and what it holds, or clear it")
    cache_sub = c.add_subparsers(dest="cache_command", required=True, parser_class=_Parser)
    ci = cache_sub.add_parser("info", help="the cache directory, its size and entry counts")
    _common(ci)
    cache_sub.add_parser("clear", help="remove everything the cache holds")
    return parser


def _host(text: str) -> Platform:
    from resolver.platform import parse_platform

    if text == "detect":
        from resolver.host import detect_host

        return detect_host()
    return parse_platform(text)


def cmd_resolve(args: argparse.Namespace | SimpleNamespace) -> int:
    from resolver import report
    from resolver.configcheck import check_config
    from resolver.engines import get_engine
    from resolver.lookup import open_reference, select_opened
    from resolver.platform import format_all

    engine = get_engine(args.engine)
    host = _host(args.host)
    platform = engine.parse_platform(args.platform, host) if args.platform else None
    options = _options(args)
    opened = open_reference(args.reference, options)
    sel = select_opened(engine, opened, host, platform, args.reference)
    check = check_config(sel, opened)
    data = {"reference": str(opened.reference), "host": format_all(host), **sel.to_json(),
            "config": check.to_json()}
    pairs = [("reference", data["reference"]), ("engine", sel.engine),
             ("host", data["host"]), ("platform", data["platform"]),
             ("outcome", sel.outcome), ("digest", sel.digest),
             ("selected platform", data["selected_platform"])]
    if sel.message:
        pairs.append(("message", sel.message))
    if sel.warnings:
        pairs.append(("warnings", list(sel.warnings)))
    if check.config_platform is not None:
        pairs.append(("config says", format_all(check.config_platform)))
    if check.findings:
        pairs.append(("findings", [f.text for f in check.findings]))
    # every output format, so that the warm path can print any of them again
    texts = {"json": report.render_json(data) + "\n"}
    texts.update({o: report.render_pairs(pairs, o) + "\n" for o in OUTPUTS if o != "json"})
    sys.stdout.write(texts[args.output])
    code = EXIT_YES if sel.ok else EXIT_NO
    if opened.reference.image is not None and opened.reference.transport == "docker" and \
            not options.no_cache:
        from resolver.cache import remember_answer

        remember_answer(args.reference, str(opened.reference.image), args.engine, args.host,
                        args.platform, opened.document.digest, code, texts)
    return code


def cmd_explain(args: argparse.Namespace) -> int:
    from resolver import report
    from resolver.engines import get_engine
    from resolver.lookup import open_reference, select_opened
    from resolver.platform import format_all

    engine = get_engine(args.engine)
    host = _host(args.host)
    platform = engine.parse_platform(args.platform, host) if args.platform else None
    opened = open_reference(args.reference, _options(args))
    sel = select_opened(engine, opened, host, platform, args.reference)
    if args.output == "json":
        print(report.render_json({"reference": str(opened.reference), "host": format_all(host),
                                  **sel.to_json()}))
        return EXIT_YES if sel.ok else EXIT_NO
    print(f"{sel.engine} on {format_all(host)}, {opened.reference}:")
    for n, step in enumerate(sel.trace, 1):
        print(f"{n:3}. {step.text}")
    for warning in sel.warnings:
        print(f"  warning: {warning}")
    verdict = {"selected": f"pulls {sel.digest}", "single-manifest": f"pulls {sel.digest}",
               "no-match": f"fails: {sel.message}", "failed": f"fails: {sel.message}"}
    print(f"=> {sel.outcome}: {verdict[sel.outcome]}")
    return EXIT_YES if sel.ok else EXIT_NO


def cmd_inspect(args: argparse.Namespace) -> int:
    from resolver import report
    from resolver.inspect import inspect
    from resolver.lookup import open_reference

    result = inspect(open_reference(args.reference, _options(args)))
    if args.output == "json":
        print(report.render_json(result.to_json()))
        return EXIT_YES
    print(f"{result.media_type} {result.digest}")
    rows = []
    for r in result.rows:
        platform = r.platform or "(none)"
        if r.kind == "attestation":
            platform = f"attestation for {r.attests_platform or r.attests or '?'}"
        elif r.config_platform and r.config_platform != r.platform:
            platform += f" (config: {r.config_platform})"
        rows.append((r.position, r.kind, platform, r.digest, r.size, r.media_type, r.note))
    print(report.render_rows(rows, ("#", "kind", "platform", "digest", "size", "media type",
                                    "note"), args.output))
    return EXIT_YES


def cmd_engines(args: argparse.Namespace) -> int:
    from resolver import report
    from resolver.engines import list_engines

    profiles = list_engines()
    if args.output == "json":
        print(report.render_json([p.to_json() for p in profiles]))
    elif args.output == "table":  # a terminal's width: the rules per release are in -o json
        rows: list[tuple[str, ...]] = [(p.name, _wrap(p.versions, 36), _wrap(p.source))
                                       for p in profiles]
        print(report.render_rows(rows, ("engine", "versions", "upstream source"), "table"))
    else:
        rows = [(p.name, p.versions, "\n".join(p.rules), p.summary, p.source)
                for p in profiles]
        print(report.render_rows(rows, ("engine", "versions", "rules by release", "pull path",
                                        "upstream source"), args.output))
    return EXIT_YES


def _wrap(text: str, width: int = 70) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def cmd_host(args: argparse.Namespace) -> int:
    from resolver import report
    from resolver.engines import get_engine, list_engines
    from resolver.platform import format_all

    host = _host(args.host)
    names = args.engine or [p.name for p in list_engines()]
    engines: list[Engine] = [get_engine(n) for n in names]
    rows = [(e.name, format_all(e.detected_platform(host))) for e in engines]
    if args.output == "json":
        print(report.render_json({"host": format_all(host), "engines": [
            {"engine": n, "reports": r} for n, r in rows]}))
    else:
        print(f"host: {format_all(host)}")
        print(report.render_rows(rows, ("engine", "reports"), args.output))
    return EXIT_YES


def cmd_simulate(args: argparse.Namespace) -> int:
    from resolver import report
    from resolver.engines import get_engine
    from resolver.lookup import open_reference
    from resolver.platform import format_all
    from resolver.simulate import simulate

    engines = [get_engine(n) for n in args.engines.split(",") if n.strip()]
    if not engines:
        from resolver.errors import UnknownEngine

        raise UnknownEngine("--engines names no engine")
    host = _host(args.host)
    requests = args.platform or [None]
    rows = []
    for ref in args.reference:
        rows += simulate(open_reference(ref, _options(args)), engines, host, requests, typed=ref)
    if args.output == "json":
        print(report.render_json([r.to_json() for r in rows]))
    else:
        table: list[tuple[str, ...]] = []
        said: set[str] = set()
        for r in rows:
            sel = r.selection
            chosen = sel.message if not sel.ok else (
                f"{format_all(sel.selected_platform) if sel.selected_platform else '-'} "
                f"{sel.digest}")
            note = ""
            if not r.agree:  # the reason once per group of rows
                note = "differs" if r.reason in said else "DIFFERS: " + r.reason
                said.add(r.reason)
            table.append((r.request_text or f"(host {format_all(host)})", sel.engine,
                          sel.outcome, chosen, note))
        if len(args.reference) > 1:
            table = [(r.reference, *t) for r, t in zip(rows, table, strict=True)]
        headers: tuple[str, ...] = ("request", "engine", "outcome", "pulls", "disagreement")
        if len(args.reference) > 1:
            headers = ("reference", *headers)
        print(report.render_rows(table, headers, args.output))
    return EXIT_YES if all(r.selection.ok for r in rows) else EXIT_NO


def cmd_cache(args: argparse.Namespace) -> int:
    from resolver import cache, report

    if args.cache_command == "clear":
        root = cache.cache_dir()
        print(f"cleared {root} ({_size(cache.clear(root))})")
        return EXIT_YES
    found = cache.info()
    if args.output == "json":
        print(report.render_json(found))
        return EXIT_YES
    http = found["http_cache"]
    state = "" if http["ok"] else ", unreadable: rebuilt on next use"
    waiting = found["pending"]["entries"]
    pairs = [
        ("directory", found["directory"]),
        ("http cache", f"{http['path']} ({_size(http['bytes'])}, {http['responses']} "
                       f"responses{state})"),
        ("http cache, waiting", f"{waiting} responses" + (
            " (written into the http cache by the next run that goes to a registry)"
            if waiting else "")),
        ("documents", f"{found['blobs']['entries']} ({_size(found['blobs']['bytes'])})"),
        ("tags", found["tags"]["entries"]),
        ("references", found["refs"]["entries"]),
        ("answers", found["answers"]["entries"]),
        ("total", _size(found["bytes"])),
    ]
    print(report.render_pairs(pairs, args.output))
    return EXIT_YES


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / (1024 * 1024):.1f} MiB"


COMMANDS = {"resolve": cmd_resolve, "explain": cmd_explain, "simulate": cmd_simulate,
            "inspect": cmd_inspect,
            "engines": cmd_engines, "host": cmd_host, "cache": cmd_cache}

# resolve's options as read without argparse: option -> (argparse's dest, takes a value)
_QUICK_OPTIONS = {"--host": ("host", True), "--platform": ("platform", True),
                  "--engine": ("engine", True), "-e": ("engine", True),
                  "--output": ("output", True), "-o": ("output", True),
                  "--max-age": ("max_age", True), "--creds": ("creds", True),
                  "--offline": ("offline", False), "--insecure": ("insecure", False),
                  "--no-cache": ("no_cache", False)}
_RESOLVE_DEFAULTS: dict[str, Any] = {
    "host": "detect", "platform": None, "engine": "containerd", "output": "table",
    "max_age": None, "creds": None, "offline": False, "insecure": False, "no_cache": False}


def _quick_reading(argv: Sequence[str]) -> dict[str, Any] | None:
    """``pullsim resolve REF [options]`` read without argparse, as argparse reads it (its
    namespace as a dict): neither the warm path nor a cold answer has time to import and build
    argparse's parser. None for anything else, or anything unusual, which argparse then reads."""
    if not argv or argv[0] != "resolve":
        return None
    fields: dict[str, Any] = {}
    references: list[str] = []
    rest = iter(argv[1:])
    for arg in rest:
        if not arg.startswith("-"):
            references.append(arg)
            continue
        option, eq, value = arg.partition("=")
        known = _QUICK_OPTIONS.get(option)
        if known is None or (eq and not known[1]):
            return None  # --help, --, abbreviations, -eVALUE, --flag=x: argparse's job
        field, takes_value = known
        if takes_value and not eq:
            value = next(rest, "")
        if takes_value and (not value or value.startswith("-")):
            return None
        fields[field] = value if takes_value else True
    if len(references) != 1 or fields.get("output", "table") not in OUTPUTS:
        return None
    if "max_age" in fields:
        try:
            fields["max_age"] = float(fields["max_age"])
        except ValueError:
            return None
    return {"command": "resolve", "reference": references[0], **_RESOLVE_DEFAULTS, **fields}


def _quick_question(argv: Sequence[str]) -> Question | None:
    """What the warm path is asked (:func:`_quick_reading`); None also for ``--no-cache``."""
    fields = _quick_reading(argv)
    return _question(fields) if fields is not None else None


def _question(fields: dict[str, Any]) -> Question | None:
    if fields["no_cache"]:
        return None
    from resolver.warm import Question

    return Question(fields["reference"], engine=fields["engine"], host=fields["host"],
                    platform=fields["platform"], output=fields["output"],
                    offline=fields["offline"], max_age=fields["max_age"])


def launch() -> NoReturn:
    """The ``pullsim`` command (``scripts/pullsim``, ``python -m resolver``): :func:`main`, then
    exit without the interpreter's final garbage collection. Everything is written, closed and
    flushed by then; what the collection would free is the memory of the modules (requests,
    urllib3, the engines), and walking it costs a cold answer about 50 ms here
    (benchmarks/README.md). ``gc.freeze`` moves it all out of the collector's sight."""
    import gc

    code = main()
    gc.freeze()
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    import gc

    # No cycle collection while a command runs: a run allocates mostly what lives until it ends
    # (modules, classes, one answer), and the collector's passes over all of it while the
    # imports run cost a cold answer about 4% (benchmarks/README.md) and free next to nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(arguments)
    finally:
        if collecting:
            gc.enable()


def _run(arguments: list[str]) -> int:
    try:
        quick = _quick_reading(arguments)
        question = _question(quick) if quick is not None else None
        if question is not None:
            from resolver.warm import main_answer

            code = main_answer(question)
            if code is not None:
                return code
    except BrokenPipeError:
        return EXIT_YES
    if quick is not None:
        from types import SimpleNamespace

        return _execute(cmd_resolve, SimpleNamespace(**quick))
    args = build_parser().parse_args(arguments)
    return _execute(COMMANDS[args.command], args)


def _execute(command: Callable[[Any], int], args: Any) -> int:
    """Run a command: its errors become one line on stderr and the exit code."""
    from resolver.errors import PullsimError

    try:
        return command(args)
    except PullsimError as err:
        print(f"pullsim: error: {_one_line(str(err))}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("pullsim: error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_YES


def _one_line(text: str) -> str:
    return " ".join(text.split("\n"))


if __name__ == "__main__":
    sys.exit(main())
