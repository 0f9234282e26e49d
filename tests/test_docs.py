"""The documentation's examples run, offline, and its links resolve.

Every fenced ```python block of README.md and docs/*.md is a test:

* A block runs on its own, in a fresh module namespace, from a temporary working
  directory, with every provider API key removed from the environment (examples that
  go live when a key is set take their offline path). Tracebacks point at the line of
  the Markdown file.
* A block that defines ``test_*`` functions is a pytest module: it runs in an inner
  pytest session (with fantasy's pytest plugin, warnings as errors) and must pass.
* ``<!-- no-test -->`` on the line before the opening fence skips a block (for the few
  that need a live key or a cloud account).
* Blocks are lint clean (ruff: sorted imports, no unused names, 100 columns).

Relative Markdown links (``[text](guide.md#errors)``) must name an existing file and,
when they carry one, an existing heading anchor.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

import fantasy.provider

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIP_MARK = "<!-- no-test -->"

# Variables that would make an example talk to a real provider.
LIVE_ENVIRONMENT = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENAI_BASE_URL",
    "OPENAI_COMPAT_BASE_URL",
    "OPENAI_COMPAT_API_KEY",
    "FANTASY_MODEL",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "OPENROUTER_API_KEY",
    "AI_GATEWAY_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AWS_BEARER_TOKEN_BEDROCK",
    "GOOGLE_CLOUD_PROJECT",
    "FANTASY_RECORD",
)

_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w+-]*)\s*$")
_TEST_FUNCTION = re.compile(r"^(async\s+)?def test_\w+\(", re.MULTILINE)
_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown file."""

    path: Path
    line: int  # 1-based line of the first code line
    language: str
    code: str
    skipped: bool

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def _previous_text(lines: list[str], index: int) -> str:
    for previous in reversed(lines[:index]):
        if previous.strip():
            return previous.strip()
    return ""


def blocks_of(path: Path) -> list[Block]:
    """The fenced code blocks of ``path``, in file order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None or not opening["lang"]:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if end == len(lines):
            raise AssertionError(f"{path}:{index + 1}: unclosed code fence")
        code = textwrap.dedent("\n".join(lines[index + 1 : end]))
        skipped = _previous_text(lines, index) == SKIP_MARK
        found.append(Block(path, index + 2, opening["lang"], code, skipped))
        index = end + 1
    return found


def python_blocks() -> list[Block]:
    return [b for path in DOCS for b in blocks_of(path) if b.language == "python"]


PYTHON_BLOCKS = python_blocks()


def test_docs_exist_and_hold_examples() -> None:
    names = {path.name for path in DOCS}
    for required in (
        "index.md",
        "guide.md",
        "providers.md",
        "testing.md",
        "architecture.md",
    ):
        assert required in names, f"docs/{required} is missing"
    runnable = [b for b in PYTHON_BLOCKS if not b.skipped]
    assert len(runnable) >= 40, "the docs should show (and test) plenty of examples"
    assert len(runnable) > 4 * (len(PYTHON_BLOCKS) - len(runnable)), "too many skipped blocks"


def _run_module(block: Block) -> None:
    # Pad so that line numbers in tracebacks are those of the Markdown file.
    source = "\n" * (block.line - 1) + block.code
    code = compile(source, str(block.path), "exec")
    name = f"docs_example_{abs(hash(block.name))}"
    module = types.ModuleType(name)
    sys.modules[name] = module  # pydantic and dataclasses look their module up
    try:
        exec(code, module.__dict__)
    finally:
        sys.modules.pop(name, None)


def _run_pytest_module(block: Block, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_docs_example=block.code)
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "error", "-q")
    outcomes = result.parseoutcomes()
    assert result.ret == 0, f"{block.name} failed:\n{result.stdout.str()}"
    assert outcomes.get("passed", 0) >= 1, f"{block.name} ran no test"


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[b.name for b in PYTHON_BLOCKS])
def test_python_block_runs(
    block: Block,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    if block.skipped:
        pytest.skip(f"marked {SKIP_MARK} (needs a live provider)")
    for variable in LIVE_ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)
    # Examples may register providers: keep the registry as other tests expect it.
    monkeypatch.setattr(fantasy.provider, "PROVIDERS", dict(fantasy.provider.PROVIDERS))
    if _TEST_FUNCTION.search(block.code):
        _run_pytest_module(block, request.getfixturevalue("pytester"))
        return
    monkeypatch.chdir(tmp_path)
    _run_module(block)


def test_python_blocks_are_lint_clean(tmp_path: Path) -> None:
    """Examples follow the project's style: sorted imports, no unused names, 100 columns."""
    pytest.importorskip("ruff", reason="the dev extra provides ruff for linting doc examples")
    for number, block in enumerate(PYTHON_BLOCKS):
        (tmp_path / f"block_{number}.py").write_text(block.code + "\n", encoding="utf-8")
    rules = "E,F,W,I,B,UP,SIM"
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache"),
            *("--select", rules, "--line-length", "100", "--target-version", "py311"),
            *("--config", "lint.isort.known-first-party = ['fantasy']"),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    names = "\n".join(f"block_{n}.py = {b.name}" for n, b in enumerate(PYTHON_BLOCKS))
    assert completed.returncode == 0, f"{completed.stdout}\n{names}"


# --- links ------------------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    anchors: set[str] = set()
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            anchors.add(slug(line.lstrip("#")))
    return anchors


def _links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # not inside code
    return [m["target"] for m in _LINK.finditer(text)]


@pytest.mark.parametrize("path", DOCS, ids=[str(p.relative_to(ROOT)) for p in DOCS])
def test_relative_links_resolve(path: Path) -> None:
    for target in _links(path):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        assert linked.exists(), f"{path.name}: broken link {target!r}"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors_of(linked), f"{path.name}: no anchor {target!r}"


def test_slug_follows_github() -> None:
    assert slug("Errors and retries") == "errors-and-retries"
    assert slug("`@tool`: typed tools") == "tool-typed-tools"
    assert slug("Prompt caching (Anthropic)") == "prompt-caching-anthropic"
    assert slug("ToolResponse: media, stop_turn") == "toolresponse-media-stop_turn"
