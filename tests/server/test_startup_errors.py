"""Start-up errors name the path or setting at fault, in one line, never a traceback (issue 11,
item 16).

Each case runs the real command line in a subprocess and expects it to stop with a non-zero
status and one line naming the setting (or option) and the path or URL at fault. The tests run as
root in CI, which ignores file permissions, so an unusable folder is made with a regular file
where a folder should be, or a path under /proc.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.harness import free_port

ROOT = Path(__file__).resolve().parents[2]


def _quiz(*args: str, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Run ``quiz ARGS`` (``python -m server.cli``); returns its status and its output lines."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("QUIZ_")}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, (done.stdout + done.stderr).strip().splitlines()


def _one_line(status: int, lines: list[str], *named: str) -> str:
    assert status != 0, lines
    assert len(lines) == 1, "\n".join(lines)
    line = lines[0]
    assert "Traceback" not in line
    for part in named:
        assert part in line, line
    return line


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    """A regular file, where a folder is expected."""
    path = tmp_path / "not-a-folder"
    path.write_text("a file\n")
    return path


def _serve(*options: str, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    return _quiz("serve", "--port", str(free_port()), *options, env=env)


def test_a_data_folder_that_is_a_file(a_file):
    _one_line(*_serve(env={"QUIZ_DATA_DIR": str(a_file)}), "QUIZ_DATA_DIR", str(a_file))


def test_a_data_folder_under_a_file_given_on_the_command_line(a_file):
    folder = a_file / "data"
    _one_line(*_serve("--data-dir", str(folder)), "--data-dir", str(folder))


@pytest.mark.parametrize("folder", ["/proc/self/quiz-data", "/proc/self"])
def test_a_data_folder_that_cannot_be_made_or_written(folder):
    _one_line(*_serve(env={"QUIZ_DATA_DIR": folder}), "QUIZ_DATA_DIR", folder)


def test_an_unreachable_database_url():
    port = free_port()  # nothing listens there
    url = f"postgresql+psycopg://quiz:s3cret@127.0.0.1:{port}/quiz"
    line = _one_line(
        *_serve(env={"QUIZ_DATABASE_URL": url}), "QUIZ_DATABASE_URL", f"127.0.0.1:{port}"
    )
    assert "s3cret" not in line  # the password is never printed


@pytest.mark.parametrize(
    "url", ["not a database url", "nosuchdialect://host/db", "postgresql+nosuchdriver://h/db"]
)
def test_a_database_url_that_cannot_be_used(url):
    _one_line(*_serve(env={"QUIZ_DATABASE_URL": url}), "QUIZ_DATABASE_URL")


def test_a_sqlite_database_url_in_an_impossible_place(a_file):
    path = a_file / "quiz.sqlite3"
    _one_line(
        *_serve(env={"QUIZ_DATABASE_URL": f"sqlite:///{path}"}), "QUIZ_DATABASE_URL", str(path)
    )


def test_db_upgrade_and_demo_say_the_same(a_file):
    _one_line(*_quiz("db", "upgrade", "--data-dir", str(a_file)), "--data-dir", str(a_file))
    _one_line(
        *_quiz("demo", "--port", str(free_port()), "--data-dir", str(a_file)),
        "--data-dir",
        str(a_file),
    )
