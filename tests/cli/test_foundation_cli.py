"""init, db and sources through the real command, as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import run_cli


def test_init_creates_config_and_database_at_head(tmp_path: Path) -> None:
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "regionwatch.toml").is_file()
    assert (tmp_path / "regionwatch.db").is_file()
    current = run_cli("db", "current", cwd=tmp_path)
    assert current.returncode == 0
    assert "(head)" in current.stdout
    again = run_cli("init", cwd=tmp_path)
    assert again.returncode != 0
    assert again.stderr.strip().splitlines() == [
        "error: regionwatch.toml already exists: not overwritten (edit it, or remove it first)"
    ]


def test_db_upgrade_and_current_on_a_configured_database(tmp_path: Path, empty_db_url: str) -> None:
    env = {"REGIONWATCH_DATABASE_URL": empty_db_url}
    before = run_cli("db", "current", cwd=tmp_path, env=env)  # SQLite: no file yet; PostgreSQL: no tables
    assert before.returncode == 1 and "'regionwatch db upgrade'" in before.stdout + before.stderr
    upgraded = run_cli("db", "upgrade", cwd=tmp_path, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "(head)" in run_cli("db", "current", cwd=tmp_path, env=env).stdout


def test_validate_bad_catalog_names_entry_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[source]]\nid = "x-page"\nkind = "page"\nurl = "https://example.com"\nprovider = "example"\nevery = "often"\n'
    )
    result = run_cli("sources", "validate", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "source 'x-page'" in result.stderr and "key 'every'" in result.stderr
    assert "Traceback" not in result.stderr
    debug = run_cli("--debug", "sources", "validate", str(bad), cwd=tmp_path)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_validate_and_list_bundled_catalog(tmp_path: Path) -> None:
    ok = run_cli("sources", "validate", cwd=tmp_path)
    assert ok.returncode == 0 and ok.stdout.startswith("ok: ")
    listed = run_cli("sources", "list", "--format", "json", cwd=tmp_path)
    rows = json.loads(listed.stdout)
    assert {"provider", "id", "kind", "url"} <= set(rows[0])
    assert [r["provider"] for r in rows] == sorted(r["provider"] for r in rows)


def test_unmigrated_or_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {"REGIONWATCH_DATABASE_URL": "mysql://nobody@localhost/x"}
    result = run_cli("db", "current", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "not supported" in result.stderr


def test_bad_setting_in_environment(tmp_path: Path) -> None:
    result = run_cli("sources", "list", cwd=tmp_path, env={"REGIONWATCH_FETCH__DELAY": "soon"})
    assert result.returncode == 1
    assert "fetch.delay" in result.stderr and "Traceback" not in result.stderr


def test_python_dash_m_and_help(tmp_path: Path) -> None:
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0 and "init" in result.stdout


def test_init_that_fails_half_way_leaves_nothing_and_can_start_over(tmp_path: Path) -> None:
    env = {"REGIONWATCH_DATABASE_URL": "sqlite:////proc/no-such-folder/regionwatch.db"}
    failed = run_cli("init", cwd=tmp_path, env=env)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert failed.stderr.strip().splitlines() == [
        "error: cannot create the database's directory /proc/no-such-folder: No such file or directory "
        "(check database_url)"
    ]
    assert list(tmp_path.iterdir()) == [], "no settings file, no database, no draft"
    again = run_cli("init", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "regionwatch.db",
        "regionwatch.toml",
    ]


def test_init_in_a_folder_it_cannot_write_is_one_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:  # root writes anywhere: run it as nobody, who cannot
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv to drop privileges")
        tmp_path.chmod(0o755)
        prefix = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
        probe = subprocess.run([*prefix, sys.executable, "-c", "import monitor.cli"], capture_output=True, timeout=60)
        if probe.returncode != 0:  # e.g. a checkout under a private folder (mktemp -d makes it 0700)
            pytest.skip("nobody cannot read this checkout to run it: " + probe.stderr.decode()[-200:].strip())
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "monitor", "init"],
        cwd=locked,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("REGIONWATCH_")},
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: cannot write {locked}/regionwatch.toml: Permission denied (run init in a directory you can write to)"
    ]
    assert list(locked.iterdir()) == []


def test_a_command_on_a_missing_database_creates_none(tmp_path: Path) -> None:
    for args in (("db", "current"), ("changes",), ("availability",), ("alerts", "list"), ("held", "list")):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 1, args
        assert result.stderr.strip().splitlines() == [
            "error: no database at regionwatch.db: run 'regionwatch init' (or 'regionwatch db upgrade') first, "
            "or set database_url"
        ], args
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("REGIONWATCH_DIGEST__CRON", "every monday", "digest.cron: 'every monday': Wrong number of fields"),
        ("REGIONWATCH_DIGEST__CRON", "mon 25:00", "digest.cron: 'mon 25:00'"),
        ("REGIONWATCH_TIMEZONE", "Mars/Olympus", "timezone: 'Mars/Olympus' is not a known IANA time zone"),
        ("REGIONWATCH_LOG_LEVEL", "LOUD", "log_level: 'LOUD' is not a log level"),
        ("REGIONWATCH_DIGEST__RECIPIENTS", "a@example.com,,b@example.com", "digest.recipients: an empty recipient"),
        ("REGIONWATCH_DIGEST__RECIPIENTS", "bob", "digest.recipients: 'bob' is not an e-mail address"),
    ],
)
def test_every_setting_is_checked_at_start_up_by_every_command(
    tmp_path: Path, name: str, value: str, says: str
) -> None:
    for args in (("sources", "list"), ("db", "current"), ("digest", "preview")):
        result = run_cli(*args, cwd=tmp_path, env={name: value})
        assert result.returncode == 1, args
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("error: settings: ") and says in line, line
    assert list(tmp_path.iterdir()) == []


def test_the_demo_ignores_regionwatch_variables_and_checks_its_output_first(tmp_path: Path) -> None:
    bad = {"REGIONWATCH_TIMEZONE": "Mars/Olympus", "REGIONWATCH_DETECT__MAX_REMOVED_FRACTION": "0.01"}
    refused = run_cli("demo", "--out", "/proc/no-such-folder/digest.html", cwd=tmp_path, env=bad)
    assert refused.returncode == 1 and "cannot write /proc/no-such-folder/digest.html" in refused.stderr
    assert "Slack received" not in refused.stdout, "refused before the demo ran"
    ran = run_cli("demo", "--out", str(tmp_path / "digest.html"), cwd=tmp_path, env=bad)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "digest.html").is_file()


def test_help_shows_clean_types_and_completion_works(tmp_path: Path) -> None:
    from monitor.cli import COMMANDS

    for name in ("alerts list", "changes", "crawl", "demo", "held accept", "serve"):
        shown = run_cli(*name.split(), "--help", cwd=tmp_path, env={"COLUMNS": "120"})
        assert shown.returncode == 0, shown.stderr
        assert "<bool>" not in shown.stdout and " range>" not in shown.stdout, name
    root = run_cli("--help", cwd=tmp_path, env={"COLUMNS": "120"}).stdout
    assert "--install-completion" in root and "--show-completion" in root
    env = {"_REGIONWATCH_COMPLETE": "complete_bash", "COMP_WORDS": "regionwatch al", "COMP_CWORD": "1"}
    script = Path(sys.executable).parent / "regionwatch"  # the installed entry point: completion keys on its name
    completed = subprocess.run(
        [str(script)], cwd=tmp_path, env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.stdout.split() == [c for c in COMMANDS if c.startswith("al")] == ["alerts"]
