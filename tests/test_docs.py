"""The project explains itself (issue 10, item 9): docs/ in Chinese and English, held to the code.

Every expectation is derived from the code, so the docs fail here when they fall behind it:
each word of engine/vocabulary.py's lists beside its code in both languages, a section per gap
kind, every ledger file, column and Chinese header on the import page, the example ledgers (shown
on that page and kept as real files) importing to one store in Chinese and English, as UTF-8,
GB18030 and a workbook, the refusals the page shows being what an import says, every
`gridchain` command a page shows naming a real command and options and running on the example
store, and every relative link reaching its file and heading.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from fastapi.routing import APIRoute
from openpyxl import Workbook
from test_cli import clean_env, installed_gridchain

from engine import limits, vocabulary
from engine.importer import COLUMNS, REQUIRED_COLUMNS
from engine.vocabulary import FILES, GAP_KINDS, HEADERS, Word, WordList, column_of

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).parent.parent
README = CHECKOUT / "README.md"
DOCS = CHECKOUT / "docs"
TREES = {"zh": DOCS / "zh", "en": DOCS / "en"}
PAGES = ("index.md", "concepts.md", "gaps.md", "trace.md", "import.md", "cli.md", "api.md")
LEDGERS = {"zh": DOCS / "examples" / "ledger-zh", "en": DOCS / "examples" / "ledger-en"}
# The day the docs tell their examples on (the example ledger's gaps, trace and overdue issue).
AS_OF = "2026-11-20"
WORD_LISTS: dict[str, WordList] = {
    name: value for name, value in vars(vocabulary).items() if isinstance(value, WordList)
}
WORDS = [(name, word) for name, words in WORD_LISTS.items() for word in words.words]
WORD_IDS = [f"{name}.{word.code}" for name, word in WORDS]
# The questions a page may show that only read the store: the docs' examples run them as written.
READING = {
    "who",
    "trace",
    "gaps",
    "stats",
    "find",
    "covers",
    "overdue",
    "history",
    "report",
    "scorecard",
}
# An import refuses a unit without a parent, so no ledger can show an orphan unit (SPEC §4.2).
NOT_IN_A_LEDGER = {"orphan_unit"}
GLOBAL_OPTIONS = {"--db", "--lang", "--backend"}  # each takes a value, before the command


def pages(lang: str) -> dict[str, str]:
    tree = TREES[lang]
    return {str(p.relative_to(tree)): p.read_text(encoding="utf-8") for p in tree.rglob("*.md")}


def lines(lang: str) -> list[str]:
    return [line for text in pages(lang).values() for line in text.splitlines()]


def page(lang: str, name: str) -> str:
    return (TREES[lang] / name).read_text(encoding="utf-8")


def names_code(line: str, code: str) -> bool:
    """Whether the line names the code as a word of its own (`grid` is not in `grid_head`)."""
    return re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", line) is not None


def fenced(text: str, language: str) -> Iterator[tuple[str, str]]:
    """Each fenced block of `language` with the last line of prose before it."""
    before, opened = "", None  # opened: the language of the block we are in
    body: list[str] = []
    for line in text.splitlines():
        if line.startswith("```"):
            if opened is None:
                opened, body = line[3:].strip(), []
            else:
                if opened == language:
                    yield before, "".join(body)
                opened = None
        elif opened is not None:
            body.append(line + "\n")
        elif line.strip():
            before = line


def all_markdown() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


# ---- the two trees --------------------------------------------------------------------------


def test_chinese_and_english_have_the_same_pages() -> None:
    assert set(pages("zh")) == set(pages("en"))
    assert set(PAGES) <= set(pages("zh"))


def test_the_readme_links_both_languages() -> None:
    text = README.read_text(encoding="utf-8")
    assert "(docs/zh/index.md)" in text and "(docs/en/index.md)" in text


# ---- every word -----------------------------------------------------------------------------


@pytest.mark.parametrize(("list_name", "word"), WORDS, ids=WORD_IDS)
def test_every_word_stands_beside_its_code_in_chinese(list_name: str, word: Word) -> None:
    """A line of the Chinese docs names the code, its Chinese name and every other spelling a
    ledger may use for it."""
    wanted = (word.zh, *word.also)
    assert any(
        names_code(line, word.code) and all(name in line for name in wanted) for line in lines("zh")
    ), f"{list_name}: no line of docs/zh has `{word.code}` with {', '.join(wanted)}"


@pytest.mark.parametrize(("list_name", "word"), WORDS, ids=WORD_IDS)
def test_every_word_stands_beside_its_code_in_english(list_name: str, word: Word) -> None:
    assert any(
        names_code(line, word.code) and word.en.casefold() in line.casefold()
        for line in lines("en")
    ), f"{list_name}: no line of docs/en has `{word.code}` with {word.en!r}"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", GAP_KINDS.words, ids=GAP_KINDS.codes)
def test_every_gap_kind_has_a_section(kind: Word, lang: str) -> None:
    name = kind.zh if lang == "zh" else kind.en
    headings = [line for line in page(lang, "gaps.md").splitlines() if line.startswith("#")]
    assert any(names_code(h, kind.code) and name.casefold() in h.casefold() for h in headings), (
        f"docs/{lang}/gaps.md has no section on {kind.code} ({name})"
    )


# ---- the import format ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_import_page_names_every_file_and_header(lang: str) -> None:
    text = page(lang, "import.md")
    for word in FILES.words:
        assert f"`{word.code}.csv`" in text and f"`{word.zh}.csv`" in text, word.code
    table = text.splitlines()
    for header, column in HEADERS.items():
        assert any(header in line and names_code(line, column) for line in table), header


def section_rows(text: str, kind: str) -> dict[str, list[str]]:
    """The column table of one file's section (its heading names `{kind}.csv`): the cells of
    each row, by column."""
    rows: dict[str, list[str]] = {}
    inside = False
    for line in text.splitlines():
        if line.startswith("#"):
            inside = line.startswith("### ") and f"`{kind}.csv`" in line
        elif inside and line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows[cells[0].strip("`")] = cells
    return rows


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", list(COLUMNS))
def test_the_import_page_lists_each_files_columns(kind: str, lang: str) -> None:
    """Each file's section lists exactly the importer's columns, with a Chinese header that
    reads as that column, and marks as required exactly the required ones."""
    rows = section_rows(page(lang, "import.md"), kind)
    assert list(rows) == list(COLUMNS[kind])
    required_mark = "是" if lang == "zh" else "yes"
    for column, (_, header, required, *_) in rows.items():
        assert column_of(header) == column, f"{kind}: {header} is not {column}"
        assert required.startswith(required_mark) == (column in REQUIRED_COLUMNS[kind]), column


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_import_page_gives_each_files_row_limit(lang: str) -> None:
    """The limits table names the rows each file may hold, as engine/limits.py has them."""
    rows_line = "一个文件或工作表的行数" if lang == "zh" else "rows of one file or sheet"
    [line] = [line for line in page(lang, "import.md").splitlines() if rows_line in line]
    for kind, most in limits.MAX_ROWS.items():
        assert f"{FILES.name(kind, lang)} {most:,}" in line, kind


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_import_page_shows_the_example_ledger_as_it_is(lang: str) -> None:
    """Every file of the example ledger is on the page, each block exactly the file it links."""
    shown: dict[Path, str] = {}
    for before, body in fenced(page(lang, "import.md"), "csv"):
        link = re.search(r"\]\(([^)]+\.csv)\)", before)
        assert link, f"a csv block of docs/{lang}/import.md names no file: {before!r}"
        shown[(TREES[lang] / link.group(1)).resolve()] = body
    files = sorted(LEDGERS[lang].glob("*.csv"))
    assert sorted(shown) == [file.resolve() for file in files]
    for file in files:
        assert shown[file.resolve()] == file.read_bytes().decode("utf-8-sig"), file.name


# ---- the example ledgers import to one store ------------------------------------------------


def gridchain(*args: str, db: Path) -> str:
    result = subprocess.run(
        [installed_gridchain(), "--db", str(db), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=120,
        env=clean_env(),
        cwd=CHECKOUT,
    )
    assert result.returncode == 0, f"gridchain {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


def as_gb18030(ledger: Path, folder: Path) -> Path:
    """The ledger as Excel on a Chinese Windows saves its CSVs: GB18030, without a BOM."""
    folder.mkdir()
    for file in ledger.glob("*.csv"):
        text = file.read_bytes().decode("utf-8-sig")
        (folder / file.name).write_bytes(text.encode("gb18030"))
    return folder


def as_workbook(ledger: Path, path: Path) -> Path:
    """The ledger as one .xlsx workbook, a sheet per file, named as the file (单元, 户, …)."""
    book = Workbook(write_only=True)
    for file in sorted(ledger.glob("*.csv")):
        sheet = book.create_sheet(file.stem)
        for row in csv.reader(io.StringIO(file.read_bytes().decode("utf-8-sig"))):
            sheet.append(row)
    book.save(path)
    return path


# What each store is asked, as of the day the docs tell of.
QUESTIONS = {
    "stats": ["stats", "--json"],
    "gaps": ["gaps", "--json"],
    "gaps of a limit of 2": ["gaps", "--limit-households", "2", "--json"],
    "trace of the late issue": ["trace", "I1", "--json"],
    "who of a building's household": ["who", "H5", "--json"],
}


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A store per way of writing the example ledger: the two folders of docs/examples, and
    the Chinese one as GB18030 CSVs and as a workbook (the encodings the import page names)."""
    folder = tmp_path_factory.mktemp("docs-stores")
    ledgers = {
        **LEDGERS,
        "zh-gb18030": as_gb18030(LEDGERS["zh"], folder / "gb18030"),
        "zh-xlsx": as_workbook(LEDGERS["zh"], folder / "台账.xlsx"),
    }
    made = {}
    for form, ledger in ledgers.items():
        made[form] = folder / f"{form}.db"
        gridchain("import", str(ledger), db=made[form])
    return made


@pytest.fixture(scope="module")
def answers(stores: dict[str, Path]) -> dict[str, dict[str, object]]:
    return {
        form: {
            name: json.loads(gridchain(*question, "--as-of", AS_OF, db=store))
            for name, question in QUESTIONS.items()
        }
        for form, store in stores.items()
    }


@pytest.mark.parametrize("form", ["zh", "zh-gb18030", "zh-xlsx"])
def test_the_chinese_ledger_makes_the_english_ledgers_store(
    answers: dict[str, dict[str, object]], form: str
) -> None:
    """Chinese file names, headers and values, in UTF-8 with a BOM, in GB18030 or in a
    workbook, store what the English twin stores: every answer alike."""
    for name in QUESTIONS:
        assert answers[form][name] == answers["en"][name], name


# How import.md breaks the example's Chinese ledger to show what a refused import says: the
# assignments' line 8 with an unknown role, line 21 with an unknown person and a bad date; then
# the households' file renamed.
WRONG_VALUES = {
    "A07,P05,G1,网格长,2024-01-01,": "A07,P05,G1,组长,2024-01-01,",
    "A20,P13,H6,网格员,2024-01-01,": "A20,P31,H6,网格员,2024-13-01,",
}


def refusal(folder: Path, lang: str) -> str:
    """What `gridchain import` says of the ledger in `folder`, in `lang`; nothing stored."""
    result = subprocess.run(
        [installed_gridchain(), "--db", str(folder.parent / "refused.db"), "import", str(folder)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        env=clean_env(GRIDCHAIN_LANG=lang),
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    return result.stderr


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_import_page_shows_what_a_refused_import_says(tmp_path: Path, lang: str) -> None:
    """The page's refusals are what the command line prints, in the page's language."""
    folder = tmp_path / "ledger"
    shutil.copytree(LEDGERS["zh"], folder)
    assignments = folder / "包抓.csv"
    text = assignments.read_bytes().decode("utf-8-sig")
    for right, wrong in WRONG_VALUES.items():
        assert right in text
        text = text.replace(right, wrong)
    assignments.write_bytes(text.encode("utf-8-sig"))
    wrong_values = refusal(folder, lang)
    shutil.rmtree(folder)
    shutil.copytree(LEDGERS["zh"], folder)
    (folder / "户.csv").rename(folder / "住户.csv")
    shown = [
        body
        for _, body in fenced(page(lang, "import.md"), "text")
        if body.startswith(("错误", "error"))
    ]
    assert shown == [wrong_values, refusal(folder, lang)]


def documented_gaps(lang: str) -> list[dict[str, object]]:
    """The gaps the gaps page shows as JSON lines, one object per line."""
    found = []
    for _, body in fenced(page(lang, "gaps.md"), "json"):
        found += [json.loads(line) for line in body.splitlines() if line.startswith("{")]
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_gaps_page_shows_the_example_ledgers_gaps(stores: dict[str, Path], lang: str) -> None:
    """The gaps the page tells of are those the example ledger has on AS_OF (and, with a limit
    of 2 households, its overloaded grid member): one of every kind a ledger can show."""
    shown = documented_gaps(lang)
    found = json.loads(gridchain("gaps", "--as-of", AS_OF, "--json", db=stores[lang]))["gaps"]
    overloaded = json.loads(
        gridchain(
            "gaps",
            "--kind",
            "overloaded_member",
            "--limit-households",
            "2",
            "--as-of",
            AS_OF,
            "--json",
            db=stores[lang],
        )
    )["gaps"]
    actual = found + overloaded
    assert len(shown) == len(actual)
    # Answers may gain keys (SPEC §6): the page is held to the keys it shows.
    assert [
        {key: gap[key] for key in told} for gap, told in zip(actual, shown, strict=True)
    ] == shown
    assert {gap["kind"] for gap in shown} == set(GAP_KINDS.codes) - NOT_IN_A_LEDGER


# ---- the commands the pages show ------------------------------------------------------------


def commands() -> list[tuple[str, list[str]]]:
    """Each `gridchain` command of a ```bash block of docs/, as its words (environment settings
    before it dropped), with where it is."""
    found = []
    for path in sorted(DOCS.rglob("*.md")):
        for _, body in fenced(path.read_text(encoding="utf-8"), "bash"):
            for line in body.replace("\\\n", " ").splitlines():
                words = shlex.split(line, comments=True)
                while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
                    words = words[1:]
                if words and words[0] == "gridchain":
                    found.append((f"{path.relative_to(CHECKOUT)}: {line.strip()}", words))
    return found


COMMANDS = commands()


@cache
def help_of(*command: str) -> str:
    """The command's --help, in English: argparse's own headings are read below."""
    result = subprocess.run(
        [installed_gridchain(), *command, "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        env=clean_env(GRIDCHAIN_LANG="en"),
        timeout=60,
    )
    return result.stdout


def subcommands(*command: str) -> set[str]:
    """The commands `gridchain [command] --help` lists under its positional arguments."""
    listed = re.search(r"positional arguments:\n(.*?)\n\n", help_of(*command), re.S)
    assert listed, help_of(*command)
    return set(re.findall(r"^    (\w+)", listed.group(1), re.M))


def options_before(words: list[str]) -> list[str]:
    """The global options before the command (`--lang en`), but the store: the test picks it."""
    before, rest = [], words[1:]
    while rest and rest[0] in GLOBAL_OPTIONS:
        before += rest[:2] if rest[0] != "--db" else []
        rest = rest[2:]
    return before


def command_words(words: list[str]) -> tuple[list[str], list[str]]:
    """The command's name (with its issue step) and the words after it; global options go."""
    rest = words[1:]
    while rest and rest[0] in GLOBAL_OPTIONS:
        rest = rest[2:]
    name = rest[:2] if rest[:1] == ["issue"] else rest[:1]
    return name, rest[len(name) :]


def test_the_pages_show_commands() -> None:
    assert len(COMMANDS) > 30
    assert {tuple(command_words(words)[0][:1]) for _, words in COMMANDS} >= {
        ("who",),
        ("trace",),
        ("gaps",),
        ("import",),
        ("issue",),
    }


@pytest.mark.parametrize(("where", "words"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_every_command_a_page_shows_exists(where: str, words: list[str]) -> None:
    """Its command is one `gridchain --help` lists (an issue step one `gridchain issue --help`
    lists), and each of its options one its own --help shows."""
    name, rest = command_words(words)
    assert name and name[0] in subcommands(), where
    if name[0] == "issue":
        assert len(name) == 2 and name[1] in subcommands("issue"), where
    shown = help_of(*name)
    for option in (word for word in rest if word.startswith("--")):
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", shown), f"{where}: {option}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_cli_page_has_a_section_per_command(lang: str) -> None:
    """Every command `gridchain --help` lists has its own section on the command-line page,
    and every step of the issue loop its line there."""
    text = page(lang, "cli.md")
    headings = {line.split()[1] for line in text.splitlines() if line.startswith("### ")}
    assert subcommands() <= headings
    assert all(f"gridchain issue {step} " in text for step in subcommands("issue"))


def variables_read() -> set[str]:
    """Every GRIDCHAIN_ variable the engine or the API reads: each is named in their source."""
    sources = [*(CHECKOUT / "engine").rglob("*.py"), *(CHECKOUT / "api").rglob("*.py")]
    return {
        name
        for source in sources
        for name in re.findall(r"[\"'](GRIDCHAIN_[A-Z_]+)[\"']", source.read_text(encoding="utf-8"))
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_cli_page_names_every_setting(lang: str) -> None:
    """Each variable stands in the command-line page's table of settings."""
    rows = [line for line in page(lang, "cli.md").splitlines() if line.startswith("| `")]
    read = variables_read()
    assert len(read) > 10
    assert {name for name in read if not any(f"`{name}`" in row for row in rows)} == set()


def app_routes() -> set[str]:
    """Every route of the HTTP app, `METHOD /path`: those of its OpenAPI document, and the
    pages' own it leaves out of it (login, logout, the language switch, /docs and /redoc)."""
    from api.app import create_app
    from api.auth import KeyRing
    from api.routes import docs, language, session
    from engine.backends.memory import MemoryBackend

    with TemporaryDirectory() as folder:
        backend = MemoryBackend(Path(folder) / "gridchain.db")
        try:
            schema = create_app(backend, KeyRing([])).openapi()
        finally:
            backend.close()
    routes = {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}
    for module in (docs, language, session):
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            routes |= {f"{method} {route.path}" for method in route.methods}
    return routes


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_api_page_names_every_route(lang: str) -> None:
    """Each route stands on the API page as `METHOD /path`, with the path's own parameter
    names (those Swagger shows), and the page names no route the app lacks."""
    text = page(lang, "api.md")
    shown = set(re.findall(r"`((?:GET|POST|PUT|PATCH|DELETE) /[^`?\s]*)", text))
    routes = app_routes()
    assert routes - shown == set(), f"docs/{lang}/api.md lacks these routes"
    assert shown - routes == set(), f"docs/{lang}/api.md names routes the app lacks"


def only_reads(words: list[str]) -> bool:
    """A question, or an import's dry run: what the example store can answer and keep as it is."""
    name, _ = command_words(words)
    return (bool(name) and name[0] in READING) or "--dry-run" in words


READ_ONLY = [(where, words) for where, words in COMMANDS if only_reads(words)]


# ~30 short gridchain processes, one per example the pages show.
@pytest.mark.parametrize(("where", "words"), READ_ONLY, ids=[w for w, _ in READ_ONLY])
def test_every_question_a_page_shows_runs_on_the_example(
    stores: dict[str, Path], where: str, words: list[str], tmp_path: Path
) -> None:
    """The pages' questions, as written, on the store of the example ledger (the one their
    first command builds), from the checkout (where their paths lie); a file one writes
    (`--out`) goes to a scratch folder instead, and must be there after."""
    name, rest = command_words(words)
    written = None
    if "--out" in rest:
        at = rest.index("--out") + 1
        written = tmp_path / Path(rest[at]).name
        rest = [*rest[:at], str(written), *rest[at + 1 :]]
    gridchain(*options_before(words), *name, *rest, db=stores["zh"])
    assert written is None or written.stat().st_size > 0, where


# ---- links ----------------------------------------------------------------------------------


def anchor_of(heading: str) -> str:
    """The anchor a Markdown heading gets (GitHub's rule): lower case, punctuation dropped,
    spaces as hyphens; Chinese kept."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found, inside = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = not inside
        elif not inside and line.startswith("#"):
            found.add(anchor_of(line.lstrip("#")))
    return found


LINKS = [
    (path, target)
    for path in all_markdown()
    for target in re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", path.read_text(encoding="utf-8"))
    if not re.match(r"[a-z]+:", target)
]


def test_the_pages_link_each_other() -> None:
    assert len(LINKS) > 50


@pytest.mark.parametrize(
    ("source", "target"), LINKS, ids=[f"{p.relative_to(CHECKOUT)}->{t}" for p, t in LINKS]
)
def test_every_relative_link_resolves(source: Path, target: str) -> None:
    file, _, anchor = target.partition("#")
    found = (source.parent / file).resolve() if file else source
    assert found.is_file(), f"{source.relative_to(CHECKOUT)}: {target} is no file"
    if anchor:
        assert anchor in anchors(found), f"{source.relative_to(CHECKOUT)}: no heading #{anchor}"
