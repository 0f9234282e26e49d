"""Import direction and size budgets (DESIGN.md section 3), checked on the AST."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "fantasy"
MAX_LINES = 600


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def module_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_core_never_imports_providers() -> None:
    for path in module_files():
        relative = path.relative_to(SRC)
        if relative.parts[0] in ("providers", "testing", "cli"):
            continue
        bad = {n for n in imports_of(path) if n.startswith("fantasy.providers")}
        assert not bad, f"{relative} imports {bad}: use the registry strings instead"


def test_only_cli_imports_testing() -> None:
    for path in module_files():
        relative = path.relative_to(SRC)
        if relative.parts[0] in ("testing", "cli") or relative.name == "_demo_tools.py":
            continue
        bad = {n for n in imports_of(path) if n.startswith("fantasy.testing")}
        assert not bad, f"{relative} imports {bad}"


def test_pure_converters_do_not_touch_http() -> None:
    for path in (SRC / "providers").rglob("*.py"):
        if path.stem not in ("convert", "decode", "schema") and path.parent.name != "chat":
            continue
        if path.stem == "model":
            continue
        bad = {n for n in imports_of(path) if n in ("fantasy._http", "httpx")}
        assert not bad, f"{path.relative_to(SRC)} imports {bad}: conversion must be pure"


def test_wire_modules_stay_private_to_their_package() -> None:
    for path in module_files():
        relative = path.relative_to(SRC)
        for name in imports_of(path):
            if name.endswith("._wire"):
                owner = name.removeprefix("fantasy.").removesuffix("._wire").split(".")
                assert list(relative.parts[: len(owner)]) == owner, f"{relative} imports {name}"


def test_module_size_budget() -> None:
    too_big = {
        str(p.relative_to(SRC)): n
        for p in module_files()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_big, f"modules over {MAX_LINES} lines: {too_big}"


def test_web_adapters_are_pure() -> None:
    # The protocol adapters convert values only: no server, no HTTP client.
    for name in ("_common.py", "vercel.py", "agui.py"):
        bad = {
            n
            for n in imports_of(SRC / "web" / name)
            if n.split(".")[0] in ("starlette", "uvicorn", "httpx", "anyio")
        }
        assert not bad, f"web/{name} imports {bad}: adapters must stay pure"
