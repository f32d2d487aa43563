"""`cpor-bot notify-bulk FILE`: register and notify many claims from CSV or JSON Lines.

Every row is checked first, with the same rules as `POST /api/claims`; if any row is bad, all bad
rows are reported with their line numbers and nothing is stored or sent. A row's claim id and
notification id derive from the partner and the row's content, so running the same file again
after an interruption creates and sends nothing twice.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bot.domain.claims import Claim
from bot.domain.json_input import JsonInputError, read_json
from bot.domain.validation import InvalidRequest, claim_from_request
from bot.partner_api.schema import check
from bot.store import Channel, Conflict, NotFound, Partner, Store

BULK_NAMESPACE = uuid.UUID("0f4e6a52-3b8c-4e1d-9a7f-5c2b1d0e9f84")
LIST_SEPARATORS = (";", " ")
CSV_COLUMNS = (
    "customer_tenant_id",
    "customer_name",
    "solution_area",
    "workloads",
    "contact_name",
    "contact_email",
    "contact_aad_object_id",
    "contact_locale",
    "status",
    "submitted_on",
    "partner_reference",
    "message",
    "locale",
)
CSV_REQUIRED = CSV_COLUMNS[:6]  # customer_tenant_id to contact_email


class BulkError(Exception):
    """The file could not be read as CSV or JSON Lines."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    problems: list[str]


def read_rows(path: Path) -> list[Row]:
    """Rows from a .jsonl/.ndjson (one claim object per line) or .csv file (columns CSV_COLUMNS;
    `workloads` separated by ';' or spaces; one contact per row)."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".json", ".csv"):
        raise BulkError(f"{path.name}: use a .csv or .jsonl file")
    text = _utf8(path.read_bytes())
    if suffix == ".csv":
        return list(_csv_rows(text))
    return list(_json_lines(text))


def _utf8(data: bytes) -> str:
    """The file's text (a byte-order mark allowed); a byte that is not UTF-8 is named by its line."""
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BulkError(
            f"line {line} is not UTF-8 ({exc.reason}: byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


def _json_lines(text: str) -> Iterator[Row]:
    # Lines end at "\n" (and "\r\n") only: JSON takes U+2028, U+0085 and the like inside a string,
    # where str.splitlines() would cut the row in two.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            body = read_json(line)
        except JsonInputError as exc:
            where = f"{exc.where}: " if exc.where else ""
            body = {"__error__": f"{where}{exc.detail}"}
        yield Row(number, body if isinstance(body, dict) else {"__error__": "not a JSON object"})


def _csv_rows(text: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, [])
        missing = [c for c in CSV_REQUIRED if c not in header]
        if missing:
            raise BulkError(f"the CSV header lacks: {', '.join(missing)}")
        repeated = sorted({c for c in header if header.count(c) > 1})
        if repeated:
            raise BulkError(
                f"the CSV header names more than once: {', '.join(c or '(empty)' for c in repeated)}"
            )
        unknown = [c or "(empty)" for c in header if c not in CSV_COLUMNS]
        end = reader.line_num
        for fields in reader:
            # A row's first line: a quoted value can hold line breaks, and the reader counts to its last.
            line, end = end + 1, reader.line_num
            if not fields:  # a blank line
                continue
            if unknown:
                yield Row(line, {"__error__": f"unknown column(s): {', '.join(unknown)}"})
            elif len(fields) != len(header):
                # Never cut to fit: a message with an unquoted comma would go out cut short.
                hint = " (a value holding a comma goes in double quotes)" if len(fields) > len(header) else ""
                yield Row(line, {"__error__": f"{len(fields)} values, the header has {len(header)}{hint}"})
            else:
                yield Row(line, _csv_body(dict(zip(header, fields, strict=True))))
    except csv.Error as exc:  # e.g. a value longer than the csv module's field limit
        raise BulkError(f"line {reader.line_num}: {exc}") from None


def _csv_body(record: dict[str, str]) -> dict[str, Any]:
    values = {k: v.strip() for k, v in record.items()}
    contact = {"name": values.pop("contact_name", ""), "email": values.pop("contact_email", "")}
    for source, target in (("contact_aad_object_id", "aad_object_id"), ("contact_locale", "locale")):
        if values.get(source):
            contact[target] = values.pop(source)
        values.pop(source, None)
    raw = values.pop("workloads", "")
    for sep in LIST_SEPARATORS:
        raw = raw.replace(sep, ",")
    body: dict[str, Any] = {k: v for k, v in values.items() if v}
    body["workloads"] = [w for w in raw.split(",") if w]
    body["contacts"] = [contact]
    return body


def validate(rows: list[Row], partner_id: str, now: dt.datetime) -> tuple[list[Claim], list[BadRow]]:
    claims: list[Claim] = []
    bad: list[BadRow] = []
    for row in rows:
        if "__error__" in row.body:
            bad.append(BadRow(row.line, [str(row.body["__error__"])]))
            continue
        try:
            check(row.body, "ClaimCreate")
            claim = claim_from_request(row.body, partner_id=partner_id, now=now)
        except InvalidRequest as problem:
            bad.append(
                BadRow(row.line, [f"{e.field}: {e.detail}" for e in problem.errors] or [problem.detail])
            )
            continue
        claims.append(_stable_ids(claim, row.body))
    return claims, bad


def _stable_ids(claim: Claim, body: dict[str, Any]) -> Claim:
    """Ids derived from the partner and the row, so a re-run finds what the first run stored."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    claim_id = str(uuid.uuid5(BULK_NAMESPACE, f"{claim.partner_id}:{digest}"))
    contacts = tuple(
        replace(c, id=str(uuid.uuid5(BULK_NAMESPACE, f"{claim_id}:contact:{i}")))
        for i, c in enumerate(claim.contacts)
    )
    return replace(claim, id=claim_id, contacts=contacts)


async def run_bulk(
    store: Store,
    partner: Partner,
    path: Path,
    *,
    channel: str = Channel.AUTO,
    console: Console | None = None,
) -> int:
    """Check, then store and notify every row; print a summary. Returns the exit status."""
    console = console or Console()
    now = dt.datetime.now(dt.UTC)
    try:
        rows = read_rows(path)
    except (BulkError, OSError) as exc:
        console.print(f"[red]Cannot read {path}:[/red] {exc}")
        return 2
    claims, bad = validate(rows, partner.id, now)
    if bad:
        table = Table(title=f"{len(bad)} bad row(s) in {path.name}: nothing was sent")
        table.add_column("line", justify="right")
        table.add_column("problem")
        for row in bad:
            table.add_row(str(row.line), "; ".join(row.problems))
        console.print(table)
        return 1
    outcome: Counter[str] = Counter()
    deliveries: Counter[str] = Counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"Notifying {len(claims)} claim(s)", total=len(claims))
        for claim in claims:
            try:
                await store.create_claim(claim)
                outcome["created"] += 1
            except Conflict:
                outcome["already there"] += 1
            try:
                # No allowance, on purpose: the operator runs this on the service's own machine, with
                # the database at hand, for a partner it names; NOTIFY_* keeps partner keys (the API)
                # and linked Teams chats (the claim form) from mass mailing, not the operator.
                for delivery in await store.create_notification(claim, f"bulk:{claim.id}", now, channel):
                    deliveries[f"{delivery.channel} {delivery.status}"] += 1
                outcome["notified"] += 1
            except Conflict:
                outcome["already notified"] += 1
            except NotFound:  # it was already there, and a retention purge deleted it just now
                outcome["deleted meanwhile"] += 1
            progress.advance(task)
    summary = Table(title=f"{path.name}: {len(claims)} row(s)")
    summary.add_column("what")
    summary.add_column("count", justify="right")
    for key in ("created", "already there", "notified", "already notified"):
        summary.add_row(key, str(outcome[key]))
    if outcome["deleted meanwhile"]:
        summary.add_row("deleted meanwhile (not notified)", str(outcome["deleted meanwhile"]))
    for key, count in sorted(deliveries.items()):
        summary.add_row(f"deliveries {key}", str(count))
    console.print(summary)
    console.print("The running service sends the queued deliveries; contacts without the app wait for it.")
    return 0
