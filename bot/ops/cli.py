"""`cpor-bot`: operator commands (partner keys, the Teams app package, the set-up check)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.delivery.worker import delivery_worker
from bot.domain.formats import NAME_MAX
from bot.ops import doctor, manifest
from bot.ops.bulk import run_bulk
from bot.ops.config import RETENTION_DAYS_MAX, ConfigError, Settings, SetupError, whole_number
from bot.ops.heap import freeze_startup_objects
from bot.ops.logs import configure_logging, report_cannot_start
from bot.ops.retention import preview, purge_once, summary
from bot.partner_api.keys import new_key
from bot.store import Channel, Store, StoreUnavailable, open_store


def _days(text: str) -> int:
    """`--days N`: whole days, at most what RETENTION_DAYS takes, and at least 1 (0 keeps everything)."""
    value = whole_number(text)
    if value is None or not 1 <= value <= RETENTION_DAYS_MAX:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 1 to {RETENTION_DAYS_MAX}, not {text!r}"
        )
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cpor-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    keys = sub.add_parser("keys", help="partner API keys").add_subparsers(dest="action", required=True)
    create = keys.add_parser("create", help="create a key for a partner (the partner is added if new)")
    create.add_argument("--partner", required=True, help="the partner's name, as customers know it")
    create.add_argument("--label", help="a note for yourself, e.g. who holds the key")
    create.add_argument("--json", action="store_true", help="print JSON instead of text")
    keys.add_parser("list", help="list keys (never the secrets)")
    revoke = keys.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id")

    bulk = sub.add_parser("notify-bulk", help="register and notify claims from a CSV or JSON Lines file")
    bulk.add_argument("file", type=Path, help="a .csv (one claim and contact per row) or .jsonl (API bodies)")
    bulk.add_argument("--partner", required=True, help="the partner the claims belong to (it must exist)")
    bulk.add_argument(
        "--channel", choices=("teams", "email", "both"), help="default: Teams if the contact has it"
    )

    purge = sub.add_parser("purge", help="delete now what RETENTION_DAYS no longer keeps")
    purge.add_argument(
        "--days",
        type=_days,
        metavar="N",
        help=f"claims last changed more than N days ago, 1 to {RETENTION_DAYS_MAX} (default: RETENTION_DAYS)",
    )
    purge.add_argument("--dry-run", action="store_true", help="count what would be deleted; delete nothing")

    sub.add_parser("work", help="run only the delivery worker (more workers: more processes, one database)")
    sub.add_parser("manifest", help="build the Teams app package (see: cpor-bot manifest --help)")
    sub.add_parser(
        "doctor", help="check the settings and the services the bot needs (see: cpor-bot doctor --help)"
    )
    return parser


async def _keys(args: argparse.Namespace, store: Store) -> int:
    if args.action == "create":
        name = args.partner.strip()
        if not name or len(name) > NAME_MAX or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            print(f"cpor-bot: --partner must be 1 to {NAME_MAX} characters on one line", file=sys.stderr)
            return 2
        partner = await store.partner_by_name(name)
        if partner is None:
            partner = await store.create_partner(name)
        plain, record = new_key(partner.id, args.label)
        await store.add_partner_key(record)
        if args.json:
            print(json.dumps({"partner_id": partner.id, "key_id": record.id, "key": plain}))
        else:
            print(f"Partner: {partner.name} ({partner.id})")
            print(f"Key id:  {record.id}")
            print(f"Key:     {plain}")
            print("Keep the key now: it is stored only as a hash and cannot be shown again.")
        return 0
    if args.action == "list":
        for key in await store.list_partner_keys():
            partner = await store.get_partner(key.partner_id)
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            print(f"{key.id}  {partner.name if partner else key.partner_id}  {state}  {key.label or ''}")
        return 0
    if await store.revoke_partner_key(args.key_id, dt.datetime.now(dt.UTC)):
        print(f"Revoked {args.key_id}.")
        return 0
    print(f"cpor-bot: no active key {args.key_id!r}", file=sys.stderr)
    return 1


async def _bulk(args: argparse.Namespace, store: Store) -> int:
    partner = await store.partner_by_name(args.partner.strip())
    if partner is None:
        print(f"cpor-bot: no partner {args.partner!r}; create a key for it first", file=sys.stderr)
        return 2
    return await run_bulk(store, partner, args.file, channel=args.channel or Channel.AUTO)


async def _work(settings: Settings, store: Store) -> int:
    """Send what the outbox holds until SIGTERM or SIGINT; then finish the current send and stop."""
    from bot.teams.adapter import create_adapter
    from bot.teams.connector import ConnectorCardSender

    sender = ConnectorCardSender(create_adapter(settings), settings.app_id)
    worker = delivery_worker(settings, store, sender)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, worker.stop)
    freeze_startup_objects()
    if settings.log_format == "json":  # a service's console: every line one JSON object
        logging.getLogger("cpor_bot").info("cpor-bot worker running; stop it with SIGTERM")
    else:
        print("cpor-bot worker running; stop it with SIGTERM", flush=True)
    try:
        await worker.run()
    finally:
        await sender.close()
    return 0


async def _purge(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    """Delete (or, with --dry-run, count) what is older than the retention period, now."""
    days = settings.retention_days if args.days is None else args.days
    if days < 1:
        print(
            "cpor-bot: nothing to purge: RETENTION_DAYS is 0 (kept until you delete it); give --days N",
            file=sys.stderr,
        )
        return 2
    now = dt.datetime.now(dt.UTC)
    counts = await (preview(store, days, now) if args.dry_run else purge_once(store, days, now))
    print(summary(counts, days=days, dry_run=args.dry_run))
    return 0


async def _with_store(args: argparse.Namespace, settings: Settings) -> int:
    store = await open_store(settings.database_url)
    try:
        if args.command == "work":
            return await _work(settings, store)
        if args.command == "purge":
            return await _purge(args, settings, store)
        if args.command == "notify-bulk":
            return await _bulk(args, store)
        return await _keys(args, store)
    finally:
        await store.close()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["manifest"]:
        return manifest.main(argv[1:])
    if argv[:1] == ["doctor"]:
        # Reads the settings itself: a configuration error is one of the lines it reports.
        return doctor.main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"cpor-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    # Files the service creates (the database, its journal, .eml messages) hold customer data.
    os.umask(0o077)
    try:
        return asyncio.run(_with_store(args, settings))
    except (SetupError, StoreUnavailable) as exc:  # DATABASE_URL, LINK_KEY_FILE: one line, no traceback
        report_cannot_start(exc, settings.log_format)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
