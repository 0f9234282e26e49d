"""The built-in chat page in a real browser: Debian's chromium and chromium-driver via selenium.

``.ci/run`` installs both packages where they are missing; these tests skip, saying why,
only when the browser or its driver cannot be found.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("selenium", reason="selenium (extra 'dev') is not installed")
pytest.importorskip("uvicorn", reason="uvicorn (extra 'web') is not installed")

from _web_server import BlockingModel, serve
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

import fantasy
from fantasy import stream
from fantasy._demo_tools import demo_tools
from fantasy.agent import Agent
from fantasy.approval import DEFAULT_DENIAL
from fantasy.messages import ErrorOutput
from fantasy.model import BaseLanguageModel, Call
from fantasy.response import Response
from fantasy.testing.models import ScriptedModel, TestModel, text_response, tool_call_response
from fantasy.usage import FinishReason, Usage
from fantasy.web import app

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WAIT = 30  # seconds; generous for a loaded machine
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1100,850",
)

pytestmark = [
    pytest.mark.skipif(BROWSER is None, reason="chromium not found (apt-get install chromium)"),
    pytest.mark.skipif(
        DRIVER is None, reason="chromedriver not found (apt-get install chromium-driver)"
    ),
    pytest.mark.timeout(180),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    assert BROWSER is not None and DRIVER is not None
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    profile = tempfile.mkdtemp(prefix="fantasy-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    try:
        driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    except WebDriverException as error:
        shutil.rmtree(profile, ignore_errors=True)
        pytest.skip(f"chromium could not start: {error.msg}")
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def until(driver: WebDriver, condition: Callable[[WebDriver], Any], what: str) -> Any:
    # The page replaces a part's element when the part changes (a tool card's state, a
    # text block), so an element found in one poll may be gone by the next: a stale
    # element only means "look again".
    wait = WebDriverWait(
        driver, WAIT, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
    )
    return wait.until(condition, message=what)


def open_page(driver: WebDriver, base: str) -> None:
    driver.get(base + "/")
    until(
        driver,
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"),
        "script ready",
    )


def send(driver: WebDriver, text: str) -> None:
    box = driver.find_element(By.ID, "prompt")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()


def idle(driver: WebDriver) -> bool:
    return driver.find_element(By.TAG_NAME, "body").get_attribute("data-busy") == "false"


# Records every length the last answer's text takes, to prove it arrived in pieces.
WATCH_TEXT = """
window.__lengths = [];
new MutationObserver(() => {
  const texts = document.querySelectorAll('.msg.assistant .text');
  if (texts.length) window.__lengths.push(texts[texts.length - 1].textContent.length);
}).observe(document.getElementById('log'), {subtree: true, childList: true, characterData: true});
"""


def test_send_stream_tools_and_usage(browser: WebDriver) -> None:
    agent = Agent(TestModel(delay=0.02), tools=demo_tools())
    with serve(app(agent)) as base:
        open_page(browser, base)
        browser.execute_script(WATCH_TEXT)
        send(browser, "What's the weather in Florence, and 2 + 3?")
        until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.assistant .usage"), "usage")
        until(browser, idle, "idle after the run")
        answer = browser.find_elements(By.CSS_SELECTOR, ".msg.assistant .text")[-1].text
        assert answer.startswith("weather: ") and "calculator: 5" in answer
        lengths = [n for n in browser.execute_script("return window.__lengths") if n]
        assert len(set(lengths)) >= 3, f"the answer did not stream: {lengths}"
        assert lengths == sorted(lengths)
        tools = {
            card.find_element(By.CLASS_NAME, "name").text: card
            for card in browser.find_elements(By.CSS_SELECTOR, ".tool")
        }
        assert set(tools) == {"weather", "calculator"}
        weather = tools["weather"]
        assert weather.get_attribute("data-state") == "output-available"
        assert '"location":"Florence"' in weather.find_element(By.CLASS_NAME, "args").text
        assert "°C" in weather.find_element(By.CLASS_NAME, "result").text
        assert tools["calculator"].find_element(By.CLASS_NAME, "result").text == "5"
        usage = browser.find_element(By.CSS_SELECTOR, ".msg.assistant .usage").text
        assert usage.startswith("tokens: in ") and "test-model" in usage
        until(browser, idle, "idle after the run")
        shot = os.environ.get("FANTASY_WEB_SCREENSHOT")
        if shot:
            browser.save_screenshot(shot)


def test_markdown_is_rendered_and_html_escaped(browser: WebDriver) -> None:
    answer = (
        "# Title\n\nSome **bold**, *italic* and `code`.\n\n- one\n- two\n\n"
        "```\nprint('<b>')\n```\n<img src=x onerror=alert(1)><script>window.__owned=1</script>"
        " [link](https://example.com) [bad](javascript:alert(1))"
    )
    reasoning = [
        stream.ReasoningStart("r"),
        stream.ReasoningDelta("r", "Deep thoughts."),
        stream.ReasoningEnd("r"),
        *_text_parts(answer),
        stream.Finish(FinishReason.STOP, Usage.of(input_tokens=3, output_tokens=7)),
    ]
    with serve(app(Agent(ScriptedModel([reasoning])))) as base:
        open_page(browser, base)
        send(browser, "format something")
        until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.assistant .usage"), "usage")
        until(browser, idle, "idle after the answer")
        text = browser.find_element(By.CSS_SELECTOR, ".msg.assistant .text")
        assert text.find_element(By.TAG_NAME, "h2").text == "Title"
        assert text.find_element(By.TAG_NAME, "strong").text == "bold"
        assert text.find_element(By.TAG_NAME, "em").text == "italic"
        assert [li.text for li in text.find_elements(By.TAG_NAME, "li")] == ["one", "two"]
        assert "print('<b>')" in text.find_element(By.TAG_NAME, "pre").text
        assert not text.find_elements(By.TAG_NAME, "img")
        assert not text.find_elements(By.TAG_NAME, "script")
        assert browser.execute_script("return window.__owned") is None
        links = text.find_elements(By.TAG_NAME, "a")
        assert [a.get_attribute("href") for a in links] == ["https://example.com/"]
        details = browser.find_element(By.CSS_SELECTOR, "details.reasoning")
        assert details.get_attribute("open") is None  # collapsed
        assert details.find_element(By.TAG_NAME, "summary").text == "Reasoning"


def _text_parts(text: str) -> list[stream.StreamPart]:
    words = text.split(" ")
    deltas = [word + (" " if index < len(words) - 1 else "") for index, word in enumerate(words)]
    return [stream.TextStart("t"), *(stream.TextDelta("t", d) for d in deltas), stream.TextEnd("t")]


def test_stop_cancels_a_long_run(browser: WebDriver) -> None:
    model = BlockingModel(words=1000, delay=0.05)
    with serve(app(Agent(model))) as base:
        open_page(browser, base)
        send(browser, "talk for a long time")
        until(browser, lambda d: "word3" in d.find_element(By.ID, "log").text, "streaming text")
        stop = browser.find_element(By.ID, "stop")
        assert stop.is_displayed()
        stop.click()
        until(browser, idle, "idle after stop")
        assert model.closed.wait(timeout=WAIT), "the run was not cancelled on the server"
        assert browser.find_element(By.ID, "status").text == "stopped"
        assert not browser.find_element(By.ID, "stop").is_displayed()
        frozen = browser.find_element(By.CSS_SELECTOR, ".msg.assistant .text").text
        assert "word" in frozen


def test_a_second_turn_after_a_stop_keeps_a_valid_history(browser: WebDriver) -> None:
    model = BlockingModel(words=1000, delay=0.05, then="second answer")
    with serve(app(Agent(model))) as base:
        open_page(browser, base)
        send(browser, "one")
        until(browser, lambda d: "word2" in d.find_element(By.ID, "log").text, "streaming")
        browser.find_element(By.ID, "stop").click()
        until(browser, idle, "idle after stop")
        send(browser, "two")
        until(browser, lambda d: "second answer" in d.find_element(By.ID, "log").text, "second")
    second = model.calls[1]
    assert [m.role for m in second.prompt] == ["user", "assistant", "user"]
    assert second.prompt[1].text.startswith("Hello word0 ")  # the stopped answer, kept


def test_approve_a_pending_tool(browser: WebDriver) -> None:
    ran: list[str] = []

    @fantasy.tool(needs_approval=True)
    def transfer(to: str, amount: int) -> str:
        """Transfer money.

        Args:
            to: Who gets it.
            amount: How much.
        """
        ran.append(to)
        return f"sent {amount} EUR to {to}"

    model = ScriptedModel(
        [
            tool_call_response("transfer", {"to": "Bob", "amount": 500}, tool_call_id="c1"),
            text_response("Done: the money is on its way."),
        ]
    )
    with serve(app(Agent(model, tools=[transfer]))) as base:
        open_page(browser, base)
        send(browser, "Pay Bob 500 EUR")
        until(
            browser,
            lambda d: d.find_element(By.CSS_SELECTOR, '.tool[data-state="approval-requested"]'),
            "approval buttons",
        )
        until(browser, idle, "idle while waiting for the approval")
        card = browser.find_element(By.CSS_SELECTOR, '.tool[data-state="approval-requested"]')
        assert "needs your approval" in card.text and '"amount":500' in card.text
        assert ran == []
        browser.find_element(By.CSS_SELECTOR, ".tool .approve").click()
        until(
            browser, lambda d: "money is on its way" in d.find_element(By.ID, "log").text, "answer"
        )
        until(browser, idle, "idle after the answer")
        assert ran == ["Bob"]
        card = browser.find_element(By.CSS_SELECTOR, '.tool[data-tool-call-id="c1"]')
        assert card.get_attribute("data-state") == "output-available"
        assert card.find_element(By.CLASS_NAME, "result").text == "sent 500 EUR to Bob"
        assert not browser.find_elements(By.CSS_SELECTOR, ".tool .approve")
        assert len(browser.find_elements(By.CSS_SELECTOR, ".msg.assistant")) == 1  # one turn


def test_deny_a_pending_tool(browser: WebDriver) -> None:
    @fantasy.tool(needs_approval=True)
    def delete_everything() -> str:
        """Delete every file."""
        raise AssertionError("must not run")

    model = ScriptedModel(
        [
            tool_call_response("delete_everything", {}, tool_call_id="d1"),
            text_response("Understood."),
        ]
    )
    with serve(app(Agent(model, tools=[delete_everything]))) as base:
        open_page(browser, base)
        send(browser, "Clean up")
        until(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".tool .deny"), "deny button")
        until(browser, idle, "idle while waiting")
        browser.find_element(By.CSS_SELECTOR, ".tool .deny").click()
        until(browser, lambda d: "Understood." in d.find_element(By.ID, "log").text, "answer")
        until(browser, idle, "idle after the answer")
        card = browser.find_element(By.CSS_SELECTOR, '.tool[data-tool-call-id="d1"]')
        assert card.get_attribute("data-state") == "output-denied"
    result = model.calls[-1].prompt[-1].content[0]
    assert getattr(result, "output", None) == ErrorOutput(error=DEFAULT_DENIAL)


class PausingModel(BaseLanguageModel):
    """Calls ``lookup``; then streams a paragraph, waits for ``resume``, streams on."""

    def __init__(self) -> None:
        super().__init__(provider="test", model_id="pausing")
        self.resume = threading.Event()

    async def generate(self, call: Call) -> Response:
        raise NotImplementedError

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        if not any(message.role == "tool" for message in call.prompt):
            yield stream.ToolCall(tool_call_id="k1", tool_name="lookup", input='{"term": "x"}')
            yield stream.Finish(FinishReason.TOOL_CALLS, Usage.of(input_tokens=1, output_tokens=1))
            return
        yield stream.TextStart("t")
        yield stream.TextDelta("t", FIRST_PARAGRAPH + "\n\nThen")
        if not await asyncio.to_thread(self.resume.wait, WAIT):
            raise TimeoutError("the test never resumed the stream")
        for number in range(40):
            await asyncio.sleep(0.01)
            yield stream.TextDelta("t", f" more{number}")
        yield stream.TextEnd("t")
        yield stream.Finish(FinishReason.STOP, Usage.of(input_tokens=2, output_tokens=40))


FIRST_PARAGRAPH = "The first paragraph stays put."

# Keeps the nodes found now, and selects the first paragraph as a reader would.
SELECT_FIRST = """
window.__card = document.querySelector('.tool');
window.__p = document.querySelector('.msg.assistant .text p');
const range = document.createRange();
range.selectNodeContents(window.__p);
const selection = window.getSelection();
selection.removeAllRanges();
selection.addRange(range);
return selection.toString();
"""
SAME_NODES = """
return [
  window.__card === document.querySelector('.tool') && document.contains(window.__card),
  window.__p === document.querySelector('.msg.assistant .text p') && document.contains(window.__p),
  window.getSelection().toString(),
];
"""


def test_streaming_keeps_tool_cards_and_the_readers_selection(browser: WebDriver) -> None:
    @fantasy.tool
    def lookup(term: str) -> str:
        """Look a term up."""
        return f"{term}: found"

    model = PausingModel()
    with serve(app(Agent(model, tools=[lookup]))) as base:
        open_page(browser, base)
        send(browser, "look it up")
        first = (By.CSS_SELECTOR, ".msg.assistant .text p")
        until(browser, lambda d: d.find_element(*first).text == FIRST_PARAGRAPH, "a paragraph")
        card = browser.find_element(By.CSS_SELECTOR, ".tool")
        assert card.get_attribute("data-state") == "output-available"
        try:
            assert browser.execute_script(SELECT_FIRST) == FIRST_PARAGRAPH
        finally:
            model.resume.set()  # the rest of the answer streams, delta by delta
        until(browser, lambda d: "more39" in d.find_element(By.ID, "log").text, "the whole answer")
        until(browser, idle, "idle after the answer")
        # The card, the paragraph and the selection in it outlived every re-render.
        assert browser.execute_script(SAME_NODES) == [True, True, FIRST_PARAGRAPH]
        assert card.find_element(By.CLASS_NAME, "result").text == "x: found"  # not stale
