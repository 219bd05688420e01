"""Every command the README shows runs as written on the demo store (issue 10, item 9).

Each command line of the README's ```bash blocks (backslash continuations joined, `#` comments
stripped) runs in order, through bash, in one scratch folder holding `./gridchain.db`, with this
environment's console scripts first on PATH, as a user who followed the README would run it.
The few it cannot run are skipped by a written rule with the reason (`SETUP`, `ACTIVATE`,
`NEEDS_DOCKER`, `curl` missing); the rest must exit 0.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from serving import STARTUP_SECONDS, free_port
from test_cli import clean_env, installed_gridchain

CHECKOUT = Path(__file__).parent.parent
README = CHECKOUT / "README.md"
# The README's commands run in the checkout (its first one installs `.`); the scratch folder
# stands in for it, since they read nothing of it (their keys are made by `gridchain keygen`).
# The demo (and every import of its data set) takes ~10 s on a quiet machine.
COMMAND_SECONDS = 300

# The README's first two commands install gridchain and run the suite: the environment running
# this test is that install, and this test is part of that suite, so neither is re-run. The
# store the first one builds is built once per module instead, by the same demo, which also
# writes its data set to ledgers/ for the README's `gridchain import ledgers/`.
INSTALL_AND_DEMO = "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/gridchain demo"
INSTALL_AND_TEST = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"
SETUP = {
    INSTALL_AND_DEMO: "set-up: this environment is that install; the module builds the demo store",
    INSTALL_AND_TEST: "set-up: runs the test suite this test is part of",
}
LEDGERS = "ledgers"
BUILD_STORE = f"gridchain demo --export {LEDGERS}/"
# A shell builtin that only puts .venv/bin first on PATH: every command here runs that way.
ACTIVATE = "source .venv/bin/activate"
NEEDS_DOCKER = {"Run on Neo4j": "needs Docker (docker compose) and a Neo4j server"}
# The README's server listens on :8000; a free port instead keeps two runs on one machine apart.
WRITTEN_PORT = re.compile(r"\b8000\b")
# The prose of the transferred official: the county re-exports its ledgers without one row.
REEXPORT = re.compile(r"re-exports\s+its\s+ledgers\s+without\s+the\s+row\s+`([^`]+)`")


@dataclass(frozen=True)
class Command:
    line: int  # where it starts in README.md
    text: str
    section: str  # the `## ` heading it is under
    prose: str  # the text before its block, for the block's first command only


def strip_comment(line: str) -> str:
    """The line without its `#` comment: a `#` outside quotes that starts a word."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()


def readme_commands(text: str) -> list[Command]:
    commands: list[Command] = []
    section, block_prose, language = "", "", None
    prose: list[str] = []
    pending: tuple[int, str] | None = None  # a command continued on the next line
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            language = line[3:].strip() if language is None else None
            if language == "bash":
                block_prose = "\n".join(prose)
            prose = []
        elif language == "bash":
            start, before = pending or (number, "")
            joined = before + strip_comment(line)
            pending = None
            if joined.endswith("\\"):
                pending = (start, joined[:-1])
            elif joined.strip():
                commands.append(Command(start, joined.strip(), section, block_prose))
                block_prose = ""
        elif language is None:
            if line.startswith("## "):
                section = line[3:].strip()
            prose.append(line)
    return commands


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def skip_reason(command: Command) -> str | None:
    if command.text in SETUP:
        return SETUP[command.text]
    if command.text == ACTIVATE:
        return "every command here runs with this environment's bin first on PATH"
    if command.section in NEEDS_DOCKER:
        return f"{command.section}: {NEEDS_DOCKER[command.section]}"
    if command.text.startswith("curl ") and shutil.which("curl") is None:
        return "curl is not installed"
    return None


@dataclass
class Scratch:
    """The user's folder: the demo store, its ledgers, and the server the README starts."""

    folder: Path
    env: dict[str, str]
    port: int
    server: subprocess.Popen[bytes] | None = None

    def shell(self, text: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", text],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
            timeout=COMMAND_SECONDS,
        )

    def serve(self, text: str) -> None:
        """Start the README's `gridchain serve` in the background, and wait for it to answer."""
        log = self.folder.parent / "serve.log"
        with log.open("ab") as out:
            self.server = subprocess.Popen(
                ["bash", "-c", text],
                cwd=self.folder,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.server.poll() is None, f"{text} exited: {log.read_text()}"
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).is_success:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail(f"{text} did not answer in {STARTUP_SECONDS} s: {log.read_text()}")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=15)

    def drop_row(self, row: str) -> None:
        """What the prose says the county did: its ledgers re-exported without `row`."""
        found = 0
        for path in (self.folder / LEDGERS).glob("*.csv"):
            lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)
            kept = [line for line in lines if line.rstrip("\r\n") != row]
            found += len(lines) - len(kept)
            path.write_bytes("".join(kept).encode("utf-8"))
        assert found == 1, f"the row `{row}` is not one row of {LEDGERS}/"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    base = tmp_path_factory.mktemp("readme")
    folder = base / "checkout"
    folder.mkdir()
    # curl exits 0 on an HTTP error unless told to fail; its config file tells it, so the
    # README's curl lines run unchanged and still fail on a 401 or 404.
    (base / ".curlrc").write_text("fail\nsilent\nshow-error\n", encoding="utf-8")
    bin_dir = str(Path(installed_gridchain()).parent)
    env = clean_env(
        PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]), CURL_HOME=str(base)
    )
    state = Scratch(folder, env, free_port())
    built = state.shell(BUILD_STORE)
    assert built.returncode == 0, built.stdout + built.stderr
    yield state
    state.stop()


# ~1 minute in all: the demo store, and the README's own demo and imports of its data set.
@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS, ids=[f"line{c.line}" for c in COMMANDS])
def test_readme_command_runs_as_written(command: Command, scratch: Scratch) -> None:
    reason = skip_reason(command)
    if reason is not None:
        pytest.skip(reason)
    if row := REEXPORT.search(command.prose):
        scratch.drop_row(row.group(1))
    text = WRITTEN_PORT.sub(str(scratch.port), command.text)
    if text.startswith("gridchain serve "):
        scratch.serve(text)
        return
    result = scratch.shell(text)
    assert result.returncode == 0, (
        f"README line {command.line}: {command.text}\n{result.stdout}\n{result.stderr}"
    )


def test_the_readme_shows_its_commands() -> None:
    """The parser found the blocks: the set-up, the tour, the issue loop and the Neo4j run."""
    assert [c.text for c in COMMANDS[:2]] == list(SETUP)
    sections = {c.section for c in COMMANDS}
    assert {"A short tour", "The issue loop", "Run on Neo4j"} <= sections


def test_continued_lines_are_one_command_and_comments_go() -> None:
    text = "\n".join(
        [
            "## Section",
            "Some prose.",
            "```bash",
            "gridchain who H1 \\",
            "  --json        # a comment",
            "",
            "echo '# kept' \"#kept\" a#b  # gone",
            "```",
            "```",
            "not bash",
            "```",
        ]
    )
    assert readme_commands(text) == [
        Command(4, "gridchain who H1   --json", "Section", "## Section\nSome prose."),
        Command(7, "echo '# kept' \"#kept\" a#b", "Section", ""),
    ]
