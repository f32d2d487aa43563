"""docs/deploy.md: its `az` commands are ones Microsoft documents, its links lead somewhere, and what it
promises about DATABASE_URL and rollbacks holds for this code."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from bot.ops.config import ConfigError, Settings
from bot.store import open_store
from tests.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deploy.md"
MIGRATIONS = ROOT / "bot" / "store" / "migrations"
LEARN = "https://learn.microsoft.com/cli/azure/"

# Flags every az command takes (Learn, "Azure CLI global arguments" on each reference page).
GLOBAL_FLAGS = frozenset({"--query", "--output", "--only-show-errors", "--subscription", "--verbose"})

# Every az command the guide may use, the Learn reference page it is checked against, and the flags
# the guide uses with it (each one listed on that page).
AZ_COMMANDS: dict[str, tuple[str, frozenset[str]]] = {
    "login": (LEARN + "reference-index#az-login", frozenset()),
    "account set": (LEARN + "account#az-account-set", frozenset({"--subscription"})),
    "account show": (LEARN + "account#az-account-show", frozenset()),
    "group create": (LEARN + "group#az-group-create", frozenset({"--name", "--location"})),
    "ad app create": (LEARN + "ad/app#az-ad-app-create", frozenset({"--display-name", "--sign-in-audience"})),
    "ad app credential reset": (
        LEARN + "ad/app/credential#az-ad-app-credential-reset",
        frozenset({"--id", "--display-name", "--years"}),
    ),
    "ad sp create": (LEARN + "ad/sp#az-ad-sp-create", frozenset({"--id"})),
    "ad signed-in-user show": (LEARN + "ad/signed-in-user#az-ad-signed-in-user-show", frozenset()),
    "deployment group what-if": (
        LEARN + "deployment/group#az-deployment-group-what-if",
        frozenset({"--resource-group", "--template-file", "--parameters"}),
    ),
    "deployment group create": (
        LEARN + "deployment/group#az-deployment-group-create",
        frozenset({"--name", "--resource-group", "--template-file", "--parameters"}),
    ),
    "deployment group show": (
        LEARN + "deployment/group#az-deployment-group-show",
        frozenset({"--name", "--resource-group"}),
    ),
    "keyvault secret set": (
        LEARN + "keyvault/secret#az-keyvault-secret-set",
        frozenset({"--vault-name", "--name", "--value"}),
    ),
    "webapp restart": (LEARN + "webapp#az-webapp-restart", frozenset({"--resource-group", "--name"})),
    "webapp deploy": (
        LEARN + "webapp#az-webapp-deploy",
        frozenset({"--resource-group", "--name", "--src-path", "--type", "--slot"}),
    ),
    "webapp stop": (LEARN + "webapp#az-webapp-stop", frozenset({"--resource-group", "--name", "--slot"})),
    "webapp start": (LEARN + "webapp#az-webapp-start", frozenset({"--resource-group", "--name", "--slot"})),
    "webapp ssh": (LEARN + "webapp#az-webapp-ssh", frozenset({"--resource-group", "--name"})),
    "webapp log tail": (LEARN + "webapp/log#az-webapp-log-tail", frozenset({"--resource-group", "--name"})),
    "webapp config appsettings set": (
        LEARN + "webapp/config/appsettings#az-webapp-config-appsettings-set",
        frozenset(),
    ),
    "webapp config hostname add": (
        LEARN + "webapp/config/hostname#az-webapp-config-hostname-add",
        frozenset({"--resource-group", "--webapp-name", "--hostname"}),
    ),
    "webapp config ssl create": (
        LEARN + "webapp/config/ssl#az-webapp-config-ssl-create",
        frozenset({"--resource-group", "--name", "--hostname"}),
    ),
    "webapp config ssl bind": (
        LEARN + "webapp/config/ssl#az-webapp-config-ssl-bind",
        frozenset({"--resource-group", "--name", "--certificate-thumbprint", "--ssl-type"}),
    ),
    "webapp deployment slot create": (
        LEARN + "webapp/deployment/slot#az-webapp-deployment-slot-create",
        frozenset({"--resource-group", "--name", "--slot", "--configuration-source"}),
    ),
    "webapp deployment slot swap": (
        LEARN + "webapp/deployment/slot#az-webapp-deployment-slot-swap",
        frozenset({"--resource-group", "--name", "--slot", "--target-slot"}),
    ),
    "bot msteams show": (
        LEARN + "bot/msteams#az-bot-msteams-show",
        frozenset({"--resource-group", "--name"}),
    ),
    "monitor log-analytics workspace show": (
        LEARN + "monitor/log-analytics/workspace#az-monitor-log-analytics-workspace-show",
        frozenset({"--resource-group", "--workspace-name"}),
    ),
    "monitor log-analytics query": (
        LEARN + "monitor/log-analytics#az-monitor-log-analytics-query",
        frozenset({"--workspace", "--analytics-query"}),
    ),
    "postgres flexible-server restore": (
        LEARN + "postgres/flexible-server#az-postgres-flexible-server-restore",
        frozenset({"--resource-group", "--name", "--source-server", "--restore-time"}),
    ),
    "postgres flexible-server firewall-rule create": (
        LEARN + "postgres/flexible-server/firewall-rule#az-postgres-flexible-server-firewall-rule-create",
        frozenset(),
    ),
}

_WORD = re.compile(r"[a-z][a-z0-9-]*")


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def az_invocations(markdown: str) -> list[tuple[str, set[str]]]:
    """(command, flags) for every `az` call in the guide's code blocks and inline code."""
    snippets = re.findall(r"```[a-z]*\n(.*?)```", markdown, re.DOTALL)
    inline = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)
    snippets += re.findall(r"`(az [^`]+)`", inline)
    found: list[tuple[str, set[str]]] = []
    for snippet in snippets:
        joined = re.sub(r"\\\n\s*", " ", snippet)
        for line in joined.splitlines():
            line = line.split(" #", 1)[0]
            for match in re.finditer(r"(?:^|\$\(|&&|;)\s*az\s+([^)|;&]*)", line):
                tokens = match.group(1).split()
                words: list[str] = []
                for token in tokens:
                    if not _WORD.fullmatch(token):
                        break
                    words.append(token)
                flags = {token.split("=", 1)[0] for token in tokens if token.startswith("--")}
                found.append((" ".join(words), flags))
    return found


def test_the_guide_uses_only_documented_az_commands_and_flags() -> None:
    invocations = az_invocations(guide())
    assert len(invocations) >= 25, "the az commands in docs/deploy.md were not found"
    for command, flags in invocations:
        assert command in AZ_COMMANDS, f"`az {command}` is not in the allow-list (add it with its Learn page)"
        source, allowed = AZ_COMMANDS[command]
        unknown = flags - allowed - GLOBAL_FLAGS
        assert not unknown, f"`az {command}` with {sorted(unknown)}: check them on {source} and list them"


def test_every_allowed_az_command_is_one_the_guide_uses() -> None:
    used = {command for command, _ in az_invocations(guide())}
    assert used == set(AZ_COMMANDS)


def test_the_extraction_reads_continued_lines_and_substitutions() -> None:
    markdown = (
        "Run `az webapp restart --name x` now.\n"
        "```sh\nID=$(az ad app create --display-name x \\\n  --query appId)  # --not-a-flag\n"
        "az group create --name g --location l && az login\n```\n"
    )
    assert az_invocations(markdown) == [
        ("ad app create", {"--display-name", "--query"}),
        ("group create", {"--name", "--location"}),
        ("login", set()),
        ("webapp restart", {"--name"}),
    ]


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+\s+(.+)$", re.sub(r"```.*?```", "", markdown, flags=re.DOTALL), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_relative_links_lead_to_files_and_headings_that_exist() -> None:
    markdown = guide()
    targets = re.findall(r"\]\(([^)\s]+)\)", re.sub(r"```.*?```", "", markdown, flags=re.DOTALL))
    relative = [target for target in targets if not re.match(r"[a-z]+:", target)]
    assert len(relative) >= 8
    anchors = _anchors(markdown)
    for target in relative:
        path, _, anchor = target.partition("#")
        if path:
            assert (GUIDE.parent / path).exists(), f"docs/deploy.md links to {target}, which does not exist"
        elif anchor:
            assert anchor in anchors, f"docs/deploy.md links to #{anchor}, which is no heading of it"


def test_the_guide_says_it_was_not_deployed_from_ci() -> None:
    assert "have not been deployed from this repository's CI" in guide()


# --- DATABASE_URL, as the guide and the template describe it -------------------------------------------


def _encode_uri_component(text: str) -> str:
    """What Bicep's uriComponent() does (JavaScript's encodeURIComponent)."""
    return quote(text, safe="!~*'()")


def test_a_postgresql_url_built_as_the_template_builds_it_reaches_libpq_as_meant() -> None:
    password = "p@ss:w/rd?#%&=+ é!'()"
    host = "cpor-contoso-pg.postgres.database.azure.com"
    url = f"postgresql://cporadmin:{_encode_uri_component(password)}@{host}/cpor?sslmode=require"
    settings = Settings.from_env({"DATABASE_URL": url})
    # The service hands the URL to psycopg unchanged: libpq reads the query parameters.
    assert settings.database_url == url
    conninfo = psycopg.conninfo.conninfo_to_dict(settings.database_url)
    assert conninfo["sslmode"] == "require"
    assert (conninfo["user"], conninfo["password"], conninfo["host"], conninfo["dbname"]) == (
        "cporadmin",
        password,
        host,
        "cpor",
    )
    shown = settings.database_url_for_logs()
    assert (
        _encode_uri_component(password) not in shown
        and "(password hidden)" in shown
        and "sslmode=require" in shown
    )


def test_other_libpq_parameters_and_the_short_scheme_are_accepted_too() -> None:
    url = "postgres://bot:secret@db.internal/cpor?sslmode=verify-full&connect_timeout=10"
    conninfo = psycopg.conninfo.conninfo_to_dict(Settings.from_env({"DATABASE_URL": url}).database_url)
    assert (conninfo["sslmode"], conninfo["connect_timeout"]) == ("verify-full", "10")
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Settings.from_env({"DATABASE_URL": "host=db.internal dbname=cpor sslmode=require"})


async def test_the_store_hands_the_url_parameters_to_libpq(postgres: PostgresServer) -> None:
    """A parameter after `?` reaches the server: the store's pool connects with DATABASE_URL as it is."""
    name = f"cpor-deploy-{uuid.uuid4().hex[:8]}"
    url = Settings.from_env(
        {"DATABASE_URL": f"{postgres.create_database()}?application_name={name}"}
    ).database_url
    store = await open_store(url)
    try:
        with psycopg.connect(postgres.url("postgres")) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (name,)
            ).fetchone()
        assert row is not None and row[0] >= 1
    finally:
        await store.close()


def test_the_template_builds_the_url_the_guide_describes() -> None:
    template = (ROOT / "infra" / "azure.bicep").read_text(encoding="utf-8")
    assert re.search(
        r"'postgresql://\$\{postgresAdminLogin\}:\$\{uriComponent\(postgresAdminPassword\)\}"
        r"@\$\{[^}]+\}/\$\{[^}]+\}\?sslmode=require'",
        template,
    )
    assert "postgresql://USER:PASSWORD@HOST/DATABASE?sslmode=require" in guide()


# --- rollbacks -------------------------------------------------------------------------------------------


def _statements(sql: str) -> list[str]:
    without_comments = re.sub(r"--[^\n]*", "", sql)
    return [" ".join(part.split()).upper() for part in without_comments.split(";") if part.strip()]


def breaks_rollback(statement: str) -> bool:
    """Whether the previous release could fail on the schema after this statement."""
    if re.search(r"\b(DROP|RENAME|TRUNCATE)\b|\bALTER COLUMN\b", statement):
        return True
    # The previous release inserts rows without the new column: it must be nullable or have a default.
    return "ADD COLUMN" in statement and "NOT NULL" in statement and "DEFAULT" not in statement


def test_migrations_only_add_so_the_previous_release_runs_on_the_newer_schema() -> None:
    files = sorted(MIGRATIONS.glob("*.sql"))
    assert len(files) >= 6
    for path in files:
        for statement in _statements(path.read_text(encoding="utf-8")):
            assert not breaks_rollback(statement), (
                f"{path.name}: {statement[:80]}: the guide promises rollbacks on additive migrations"
            )


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE claims DROP COLUMN status;",
        "ALTER TABLE claims RENAME COLUMN status TO state;",
        "ALTER TABLE claims ALTER COLUMN status TYPE INTEGER;",
        "ALTER TABLE claims ADD COLUMN owner TEXT NOT NULL;",
        "DROP INDEX claims_updated;",
    ],
)
def test_the_additivity_check_catches_what_would_break_a_rollback(sql: str) -> None:
    (statement,) = _statements(sql)
    assert breaks_rollback(statement)


def test_the_additivity_check_lets_additions_through() -> None:
    additions = (
        "CREATE TABLE t (id TEXT PRIMARY KEY); CREATE INDEX t_id ON t (id); "
        "ALTER TABLE t ADD COLUMN n INTEGER NOT NULL DEFAULT 0; ALTER TABLE t ADD COLUMN note TEXT -- a note"
    )
    assert not any(breaks_rollback(statement) for statement in _statements(additions))
