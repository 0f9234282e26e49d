"""The built-in page: served offline with a strict CSP, a working form before any script."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pytest

pytest.importorskip("starlette", reason="starlette (extra 'web') is not installed")

from fantasy.agent import Agent
from fantasy.testing.models import ScriptedModel, TestModel
from fantasy.web import app


class Elements(HTMLParser):
    """Every start tag with its attributes, and every external reference."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs: str) -> dict[str, str | None]:
        for name, found in self.tags:
            if name == tag and all(found.get(k) == v for k, v in attrs.items()):
                return found
        raise AssertionError(f"no <{tag} {attrs}>")


def client(agent: Agent) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app(agent)), base_url="http://web.test"
    )


@pytest.mark.anyio
async def test_the_html_holds_the_form_before_any_script_runs() -> None:
    async with client(Agent(TestModel())) as http:
        page = await http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = Elements()
    html.feed(page.text)
    form = html.find("form", id="chat")
    assert form["method"] == "post" and form["action"] == "./"
    assert form["data-endpoint"] == "api/chat"
    assert html.find("textarea", name="prompt")["id"] == "prompt"
    assert html.find("button", id="send")["type"] == "submit"
    assert "hidden" in html.find("button", id="stop")  # shown by the script while a run streams


@pytest.mark.anyio
async def test_the_page_loads_nothing_from_elsewhere() -> None:
    async with client(Agent(TestModel())) as http:
        page = await http.get("/")
        script = await http.get("/chat.js")
        style = await http.get("/chat.css")
    csp = page.headers["content-security-policy"]
    assert (
        "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
    )
    assert page.headers["x-content-type-options"] == "nosniff"
    assert script.headers["content-type"].startswith("text/javascript")
    assert style.headers["content-type"].startswith("text/css")
    html = Elements()
    html.feed(page.text)
    for _, attrs in html.tags:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert "//" not in value, f"external reference {value!r}"
    for text in (page.text, script.text, style.text):
        assert "http://" not in text.replace("http://127", "") and "https://" not in text
    # The only HTML the script writes: one block of escaped markdown at a time.
    assert script.text.count("innerHTML") == 1 and ".innerHTML = block;" in script.text


@pytest.mark.anyio
async def test_title_is_escaped() -> None:
    asgi = app(Agent(TestModel()), title="<b>Bot</b>")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://t"
    ) as http:
        page = await http.get("/")
    assert "<title>&lt;b&gt;Bot&lt;/b&gt;</title>" in page.text


@pytest.mark.anyio
async def test_without_scripts_the_form_gets_an_answer_page() -> None:
    async with client(Agent(ScriptedModel(["<script>alert(1)</script> **hi**"]))) as http:
        page = await http.post("/", data={"prompt": "Hello <there>"})
    assert page.status_code == 200
    assert "Hello &lt;there&gt;" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **hi**" in page.text
    assert "<script>" not in page.text


@pytest.mark.anyio
async def test_no_script_fallback_rejects_bad_forms() -> None:
    async with client(Agent(TestModel())) as http:
        empty = await http.post("/", data={"prompt": "  "})
        json_post = await http.post("/", json={"prompt": "x"})
    assert empty.status_code == 422 and "empty" in empty.text
    assert json_post.status_code == 415
