"""The WeCom policy bot: ``create_app(settings)`` and the command line.

    python app.py                               demo: SQLite under var/, demo org, emulator
    python app.py serve  --config PATH [--host H] [--port P]
    python app.py worker --config PATH          the scheduler alone
    python app.py jobs list --config PATH
    python app.py jobs run JOB_ID --config PATH [--now 2026-11-27T15:00:00+08:00]
    python app.py menu install --config PATH
    python app.py db upgrade --config PATH
    python app.py org sync --config PATH        read the org from WeCom's address book
    python app.py audit --quarter 2026Q4 --config PATH [--seed N] [--csv FILE] [--now ISO]

The config path may also come from WECOM_BOT_CONFIG; secrets from WECOM_CORP_ID,
WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_AES_KEY and DATABASE_URL.
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
import threading
from datetime import datetime

from flask import Flask, jsonify
from sqlalchemy import func, select, text

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.conversation.router import registry
from bot.runtime import Runtime
from bot.runtime import build_runtime as build_plumbing
from models import OutboxMessage
from models import migrate
import handlers  # noqa: F401  (the composition root: registers every handler, job and config section)

log = logging.getLogger("app")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class NotMigrated(ConfigError):
    pass


def settings_from_environment(config: str | None = None, port: int | None = None,
                              host: str | None = None) -> Settings:
    path = config or os.environ.get("WECOM_BOT_CONFIG")
    if path is None and os.environ.get("WECOM_CORP_ID"):
        raise ConfigError("WECOM_CORP_ID is set but no config file was given: pass --config or set WECOM_BOT_CONFIG")
    settings = load_settings(path)
    if settings.demo:
        # the demo's WeCom is the emulator in this very process: follow where it listens
        from bot.emulator import loopback
        port, host = port or settings.port, host or settings.host
        base = settings.wecom.api_base_url.replace("127.0.0.1:8000/", f"{loopback(host)}:{port}/")
        settings = dataclasses.replace(settings, port=port, host=host,
                                       wecom=dataclasses.replace(settings.wecom, api_base_url=base))
    return settings


def build_runtime(settings: Settings) -> Runtime:
    """The runtime with every handler of ``handlers/`` registered (the composition root)."""
    return build_plumbing(settings, registry)


def prepare_database(settings: Settings) -> None:
    """Demo mode migrates by itself; otherwise refuse to run on an un-migrated database."""
    if settings.demo:
        migrate.upgrade(settings.database_url)
        return
    migrate.ensure_sqlite_dir(settings.database_url)
    current, head = migrate.pending_revisions(settings.database_url)
    if current != head:
        raise NotMigrated(f"database is at revision {current or 'none'} but the code needs {head}: "
                          f"run `python app.py db upgrade --config {settings.source}` first")


def create_app(settings: Settings | None = None, *, start_background: bool = True) -> Flask:
    """The Flask app: webhook, health check and (if enabled) the emulator. Starts the outbox
    dispatcher, and the scheduler when ``scheduler.enabled`` (``start_background=False`` for
    tools that start neither)."""
    if settings is None:  # gunicorn 'app:create_app()'
        settings = settings_from_environment()
        setup_logging(settings.log_level, settings.secrets())
        prepare_database(settings)
    if settings.emulator_enabled:
        from bot.emulator import check_emulator_settings
        check_emulator_settings(settings)  # a real api_base_url would let anyone post as anyone
    runtime = build_runtime(settings)

    from bot.wecom.callback import create_blueprint
    from wechatpy.enterprise.crypto import WeChatCrypto

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app.extensions["runtime"] = runtime
    app.extensions["wecom_crypto"] = WeChatCrypto(settings.wecom.token, settings.wecom.encoding_aes_key,
                                                  settings.wecom.corp_id)
    app.register_blueprint(create_blueprint(settings.wecom.callback_path))

    from handlers.documents.storage import free_space

    @app.get("/healthz")
    def healthz():
        try:
            with runtime.session_factory() as session:
                session.execute(text("SELECT 1"))
                pending = session.scalar(select(func.count()).select_from(OutboxMessage)
                                         .where(OutboxMessage.status.in_(("pending", "sending"))))
        except Exception:
            return jsonify({"status": "error", "database": "unavailable"}), 503
        # A full documents disk would refuse every file sent (P7): the health check says so.
        documents = free_space(settings.section("documents"))
        healthy = documents["ok"]
        return jsonify({"status": "ok" if healthy else "degraded", "database": "ok", "outbox_pending": pending,
                        "documents": documents, "emulator": settings.emulator_enabled,
                        "scheduler": settings.scheduler_enabled}), 200 if healthy else 503

    clock = None
    if settings.emulator_enabled:  # the emulator, and with it the movable demo clock, is never on in production
        from bot.emulator import init_emulator
        from scheduler.demo_clock import DemoClock
        clock = DemoClock(runtime)
        init_emulator(app, runtime, clock)

    if start_background:
        runtime.start_dispatcher()  # every serving process delivers the outbox
        if settings.scheduler_enabled:
            from scheduler import SchedulerService
            app.extensions["scheduler"] = SchedulerService(runtime).start()
            if clock is not None:
                clock.attach(app.extensions["scheduler"])
    return app


def shutdown_app(app: Flask) -> None:
    scheduler = app.extensions.get("scheduler")
    if scheduler:
        scheduler.shutdown()
    app.extensions["runtime"].close()


# ---- command line ---------------------------------------------------------------------------

def cmd_serve(args) -> int:
    settings = settings_from_environment(args.config, args.port, args.host)
    if args.host:
        settings = dataclasses.replace(settings, host=args.host)
    if args.port:
        settings = dataclasses.replace(settings, port=args.port)
    setup_logging(settings.log_level, settings.secrets())
    if settings.emulator_enabled and settings.host not in LOOPBACK:  # the emulator lets anyone post as anyone
        if args.host:  # told so on the command line (`make run HOST=0.0.0.0`): the demo is for the network
            settings = dataclasses.replace(settings, emulator_allow_remote=True)
        elif not settings.emulator_allow_remote:
            print(f"The emulator is on: serving on 127.0.0.1 instead of {settings.host} (pass --host "
                  f"{settings.host} or set [emulator] allow_remote = true to serve it to other machines).", flush=True)
            settings = dataclasses.replace(settings, host="127.0.0.1")
    busy = port_taken(settings.host, settings.port)
    if busy:  # say so before printing a URL that is someone else's, not a traceback after it
        print(PORT_TAKEN.format(port=settings.port, free=busy,
                                how=f"make run PORT={busy}" if settings.demo else f"--port {busy}"),
              file=sys.stderr, flush=True)
        return 1
    prepare_database(settings)
    app = create_app(settings)
    if settings.demo:  # tools run meanwhile deliver to this emulator (bot.demo_server)
        from bot import demo_server
        demo_server.remember(app.extensions["runtime"].session_factory, settings.wecom.api_base_url)
    import waitress

    from bot.emulator import loopback

    base = f"http://{loopback(settings.host)}:{settings.port}"
    if loopback(settings.host) != settings.host:
        print(f"Listening on all interfaces ({settings.host}), port {settings.port}.", flush=True)
    if settings.demo:
        print(f"Demo mode: no config given, using the demo org and the built-in WeCom emulator.", flush=True)
    if settings.emulator_enabled:
        print(f"Emulator: {base}/emulator/  (open it in a browser, pick a person, type 帮助)", flush=True)
    print(f"Callback URL: {base}{settings.wecom.callback_path}   Health: {base}/healthz", flush=True)
    try:
        waitress.serve(app, **waitress_options(settings))
    finally:
        shutdown_app(app)
    return 0


PORT_TAKEN = "端口 {port} 已被占用，请用 {how}"


def port_taken(host: str, port: int) -> int | None:
    """None when ``port`` is free to listen on at ``host``; else a free port to suggest instead (the
    next free one above it). A port in TIME_WAIT counts as free, as for waitress (SO_REUSEADDR)."""
    import socket

    def free(candidate: int) -> bool:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, candidate))
            except OSError:
                return False
        return True

    if free(port):
        return None
    return next((candidate for candidate in range(port + 1, min(port + 200, 65536)) if free(candidate)), port + 11)


def waitress_options(settings: Settings) -> dict:
    """waitress tuned so slow or idle clients cannot starve WeCom's callbacks: many connections
    may stay open (they cost no thread while idle), idle or stalled ones are closed after
    ``server.channel_timeout`` seconds (WeCom itself gives up after 5), and request sizes are capped.
    In production a buffering reverse proxy (nginx, see README) sits in front as well."""
    return dict(host=settings.host, port=settings.port, threads=settings.threads, ident="wecom-bot",
                connection_limit=settings.connection_limit, channel_timeout=settings.channel_timeout,
                cleanup_interval=max(1, min(settings.channel_timeout // 2, 30)),
                max_request_header_size=64 * 1024, max_request_body_size=2 * 1024 * 1024,
                backlog=2048, asyncore_use_poll=True)


def _runtime_for_tool(args) -> Runtime:
    settings = settings_from_environment(args.config)
    setup_logging(settings.log_level, settings.secrets())
    prepare_database(settings)
    runtime = build_runtime(settings)
    if settings.demo:  # deliver to the emulator of the demo that serves now (`make run PORT=…`)
        from bot import demo_server
        url = demo_server.running_api_base_url(runtime.session_factory)
        if url and url != settings.wecom.api_base_url:
            runtime.close()
            runtime = build_runtime(dataclasses.replace(
                settings, wecom=dataclasses.replace(settings.wecom, api_base_url=url)))
    if settings.emulator_enabled:
        # Demo mode: the command line reads the emulator's moved clock (kept in the database), so
        # `jobs run` and `audit` without --now see the same "now" as the chat and its scheduler.
        from scheduler.demo_clock import DemoClock
        DemoClock(runtime)
    return runtime


def _parse_now(raw: str | None, runtime: Runtime) -> datetime | None:
    """``--now`` as an aware time (naive: the configured time zone); None when not given.
    Raises ValueError with the message for stderr."""
    if not raw:
        return None
    try:
        now = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"--now: expected an ISO time such as 2026-11-27T15:00:00+08:00, got {raw!r}") from None
    return now if now.tzinfo else now.replace(tzinfo=runtime.settings.tz)


def cmd_worker(args) -> int:
    from scheduler import SchedulerService

    runtime = _runtime_for_tool(args)
    runtime.start_dispatcher()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # before the banner: a SIGTERM right after it stops cleanly
    service = SchedulerService(runtime).start()
    print("Scheduler running (Ctrl+C to stop).", flush=True)
    try:
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    service.shutdown()
    runtime.close()
    return 0


def cmd_jobs(args) -> int:
    from scheduler import describe_jobs, run_job

    runtime = _runtime_for_tool(args)
    try:
        if args.jobs_command == "list":
            for job_id, schedule, implemented in describe_jobs(runtime):
                print(f"{job_id:30} {schedule:45} implemented: {implemented}")
            return 0
        try:
            now = _parse_now(args.now, runtime)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        try:
            ids = run_job(runtime, args.job_id, now)
        except KeyError:
            print(f"unknown job {args.job_id!r}; `jobs list` shows the job ids", file=sys.stderr)
            return 2
        dispatcher = runtime.start_dispatcher(poll_interval=0.2)
        rows = dispatcher.wait_for(ids, timeout=args.timeout) if ids else []
        print(f"job {args.job_id} ran at {(now or runtime.now()).isoformat()}: {len(rows)} message(s)")
        for row in rows:
            print(f"  [{row.status}] to {row.recipients}: {_summary(row)}")
        if any(r.status not in ("sent", "failed") for r in rows):
            print("  (some messages are still pending: they stay in the outbox and the server delivers them)")
        return 0
    finally:
        runtime.close()


def _summary(row: OutboxMessage) -> str:
    """One printed line per message: user text in it passes ``terminal_line`` (no line of its own)."""
    from bot.text.quoting import terminal_line

    body = row.payload
    kind = body.get("msgtype", row.kind)
    if kind == "file":  # queued with its name (bot.outbox.enqueue_file) or built when delivered
        return f"file: {terminal_line(body['file'].get('filename') or body['file'].get('build', ''))}"
    if kind in ("text", "markdown"):
        content = body[kind]["content"].replace("\n", " ⏎ ")
    elif kind == "template_card":
        content = body["template_card"].get("main_title", {}).get("title", "")
    else:
        content = str(body)
    return f"{kind}: {terminal_line(content, 120)}"


def cmd_menu(args) -> int:
    from bot.conversation.menu import MENU, validate_menu
    from bot.wecom.client import WeComError

    runtime = _runtime_for_tool(args)
    try:
        validate_menu(MENU)
        runtime.client.create_menu(MENU)
    except WeComError as exc:
        print(f"menu install failed: {exc}", file=sys.stderr)
        return 1
    finally:
        runtime.close()
    print("menu installed: " + " / ".join(b["name"] for b in MENU["button"]))
    return 0


def cmd_org(args) -> int:
    """``org sync``: read WeCom's address book, write what changed, hand over, print the org."""
    from bot.conversation.context import JobContext
    from bot.wecom.client import WeComError
    from bot.text.quoting import terminal_line
    from handlers.org.sync import NOT_WECOM, describe_changes, describe_org, sync_from_wecom

    runtime = _runtime_for_tool(args)
    try:
        if runtime.settings.org.source != "wecom":
            print(NOT_WECOM, file=sys.stderr)
            return 2
        try:
            with runtime.session_factory.begin() as session:
                ctx = JobContext(session=session, settings=runtime.settings, org=runtime.org, now=runtime.now(),
                                 origin="org:sync", job_id="org_sync")
                report = sync_from_wecom(ctx)
                session.flush()
                ids = [row.id for row in ctx.queued if isinstance(row, OutboxMessage)]
        except WeComError as exc:
            print(f"org sync failed, nothing changed: {exc}", file=sys.stderr)
            return 1
        calls = sum(report.calls.values())
        print(f"org sync: read WeCom's address book ({report.path} path, {calls} API call(s), "
              f"{report.seconds:.1f} s); {report.rows} row(s) written")
        for line in describe_changes(report) or ["no change"]:
            print(f"  {terminal_line(line)}")
        for note in report.notes:
            print(f"  note: {terminal_line(note)}")
        if report.handovers:
            print(f"  handed over ({len(report.handovers)} line(s) sent to the director):")
            for line in report.handovers:
                print(f"    {terminal_line(line)}")
        for line in describe_org(report.org):  # names are one line (bot.org.directory)
            print(line)
        if ids:
            runtime.start_dispatcher(poll_interval=0.2).wait_for(ids, timeout=30)
        return 0
    finally:
        runtime.close()


def cmd_db(args) -> int:
    settings = settings_from_environment(args.config)
    setup_logging(settings.log_level, settings.secrets())
    migrate.upgrade(settings.database_url)
    current, head = migrate.pending_revisions(settings.database_url)
    print(f"database at revision {current} (head {head})")
    return 0


def cmd_audit(args) -> int:
    """P16: print the quarterly compliance audit (read only; ``--seed`` redraws a sample)."""
    from bot.conversation.context import JobContext
    from handlers.compliance.audit import run_audit
    from handlers.compliance.audit_report import report_csv, report_text
    from handlers.compliance.quarters import parse_quarter

    runtime = _runtime_for_tool(args)
    try:
        try:
            quarter = parse_quarter(args.quarter, runtime.settings.tz)
        except ValueError:
            print(f"--quarter: expected a quarter such as 2026Q4, got {args.quarter!r}", file=sys.stderr)
            return 2
        try:
            now = _parse_now(args.now, runtime) or runtime.now()  # the clock `jobs run` uses
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        with runtime.session_factory() as session:
            ctx = JobContext(session=session, settings=runtime.settings, org=runtime.org,
                             now=now.astimezone(runtime.settings.tz),
                             origin="cli:audit", job_id="audit")
            report = run_audit(ctx, quarter, args.seed)
            print(report_text(ctx, report))
            if args.csv:
                with open(args.csv, "wb") as out:
                    out.write(report_csv(ctx, report))
                print(f"\nCSV written to {args.csv}")
            session.rollback()  # the audit only reads
        return 0
    finally:
        runtime.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="app.py", description="WeCom policy bot")
    sub = parser.add_subparsers(dest="command")

    def with_config(p):
        p.add_argument("--config", help="config file (default: $WECOM_BOT_CONFIG, else demo mode)")
        return p

    serve = with_config(sub.add_parser("serve", help="serve the webhook (and scheduler, emulator)"))
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    with_config(sub.add_parser("worker", help="run the scheduler alone"))
    jobs = sub.add_parser("jobs", help="list or run scheduled jobs")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    with_config(jobs_sub.add_parser("list"))
    run = with_config(jobs_sub.add_parser("run"))
    run.add_argument("job_id")
    run.add_argument("--now", help="the clock for this run, e.g. 2026-11-27T15:00:00+08:00 "
                                   "(default: now; in demo mode the emulator's moved clock)")
    run.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for delivery")
    menu = sub.add_parser("menu", help="the app's custom menu")
    menu_sub = menu.add_subparsers(dest="menu_command", required=True)
    with_config(menu_sub.add_parser("install"))
    org = sub.add_parser("org", help="the org from WeCom's address book")
    org_sub = org.add_subparsers(dest="org_command", required=True)
    with_config(org_sub.add_parser("sync", help="read WeCom's address book, print what changed"))
    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    with_config(db_sub.add_parser("upgrade"))
    audit = with_config(sub.add_parser("audit", help="print the quarterly compliance audit (P16)"))
    audit.add_argument("--quarter", required=True, help="the quarter, e.g. 2026Q4")
    audit.add_argument("--seed", type=int, help="the sampling seed printed by an earlier audit, to draw the same sample")
    audit.add_argument("--csv", help="also write the whole report as CSV to this file")
    audit.add_argument("--now", help="judge the quarter as of this time, e.g. 2026-10-08T09:00:00+08:00 "
                                     "(default: now; in demo mode the emulator's moved clock)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "serve")  # plain `python app.py [--config …]` serves
    args = build_parser().parse_args(argv)
    commands = {"serve": cmd_serve, "worker": cmd_worker, "jobs": cmd_jobs, "menu": cmd_menu, "db": cmd_db,
                "org": cmd_org,
                "audit": cmd_audit}
    try:
        return commands[args.command](args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
