"""What a new user hits in the first hour: tools, files, usage, warnings, events, text."""

from __future__ import annotations

import typing
import warnings
from pathlib import Path

import pytest

import fantasy
from fantasy import events, stream
from fantasy.agent_tools import AgentTool
from fantasy.content import TextContent
from fantasy.errors import FantasyWarning, InvalidArgumentError
from fantasy.messages import FilePart
from fantasy.response import Response
from fantasy.tools import FunctionTool
from fantasy.usage import CallWarning, FinishReason, Usage

pytestmark = pytest.mark.anyio


# -- tools -------------------------------------------------------------------------


def test_a_decorated_function_stays_callable_as_the_function() -> None:
    @fantasy.tool
    def weather(city: str, unit: str = "celsius") -> str:
        """Weather in a city."""
        return f"{city}: 21 {unit}"

    assert isinstance(weather, AgentTool)
    assert weather("Rome") == "Rome: 21 celsius"
    assert weather("Oslo", unit="kelvin") == "Oslo: 21 kelvin"
    assert weather.name == "weather"


async def test_a_decorated_async_function_with_settings_stays_callable() -> None:
    @fantasy.tool(name="add_numbers", parallel=True)
    async def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    assert await add(2, 3) == 5
    assert add.name == "add_numbers"
    assert add.parallel


def test_a_schema_tool_is_not_callable_as_a_function() -> None:
    raw = AgentTool("echo", "Echo.", {"type": "object"}, lambda data, ctx: data)
    with pytest.raises(TypeError, match="built from a JSON Schema"):
        raw()


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("get weather", r"characters providers reject \(' '\)"),
        ("weather.now", "characters providers reject"),
        ("météo", "characters providers reject"),
        ("x" * 65, "65 characters long; providers accept at most 64"),
        ("", "a tool needs a name"),
    ],
)
def test_tool_names_providers_reject_raise_at_construction(name: str, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        AgentTool(name, "Does things.", {"type": "object"}, lambda data, ctx: None)
    with pytest.raises(InvalidArgumentError, match=match):
        FunctionTool(name=name)


def test_valid_tool_names_pass() -> None:
    for name in ("get_weather", "get-weather-2", "x" * 64, "A"):
        assert AgentTool(name, "Does things.", {"type": "object"}, lambda d, c: None).name == name


def test_a_tool_without_description_warns_at_the_users_line() -> None:
    def undocumented(x: int) -> int:
        return x

    with pytest.warns(FantasyWarning, match="tool 'undocumented' has no description") as caught:
        fantasy.tool(undocumented)
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fantasy.tool(description="Identity.")(undocumented)


# -- files -------------------------------------------------------------------------


def test_file_part_from_path_guesses_the_media_type(tmp_path: Path) -> None:
    picture = tmp_path / "cat.PNG"
    picture.write_bytes(b"\x89PNG data")
    part = FilePart.from_path(picture)
    assert (part.media_type, part.data, part.filename) == ("image/png", b"\x89PNG data", "cat.PNG")
    for name, media_type in [
        ("a.pdf", "application/pdf"),
        ("a.webp", "image/webp"),
        ("a.md", "text/markdown"),
        ("a.mp3", "audio/mpeg"),
        ("a.jpg", "image/jpeg"),
    ]:
        (tmp_path / name).write_bytes(b"x")
        assert FilePart.from_path(str(tmp_path / name)).media_type == media_type
    given = FilePart.from_path(picture, media_type="image/x-custom", filename="c.png")
    assert (given.media_type, given.filename) == ("image/x-custom", "c.png")


def test_file_part_from_path_without_a_known_extension_asks_for_the_type(
    tmp_path: Path,
) -> None:
    blob = tmp_path / "blob.unknownext"
    blob.write_bytes(b"x")
    with pytest.raises(InvalidArgumentError, match="cannot guess the media type"):
        FilePart.from_path(blob)
    with pytest.raises(FileNotFoundError):
        FilePart.from_path(tmp_path / "missing.png")


def test_file_part_from_url() -> None:
    part = FilePart.from_url("https://example.com/docs/report.pdf?download=1")
    assert (part.media_type, part.url, part.data) == (
        "application/pdf",
        "https://example.com/docs/report.pdf?download=1",
        None,
    )
    assert FilePart.from_url("gs://bucket/a%20b.png").media_type == "image/png"
    inline = FilePart.from_url("data:image/jpeg;base64,AAEC")
    assert (inline.media_type, inline.data, inline.url) == ("image/jpeg", b"\x00\x01\x02", None)
    with pytest.raises(InvalidArgumentError, match="cannot guess"):
        FilePart.from_url("https://example.com/image")
    assert FilePart.from_url("https://x.io/i", media_type="image/gif").media_type == "image/gif"
    with pytest.raises(InvalidArgumentError, match="not a URL"):
        FilePart.from_url("cat.png")
    with pytest.raises(InvalidArgumentError, match="malformed base64"):
        FilePart.from_url("data:image/png;base64,@@@")


# -- usage and warnings ------------------------------------------------------------


def test_usage_prints_as_one_readable_line() -> None:
    usage = Usage.of(
        input_tokens=1200, output_tokens=300, reasoning_tokens=200, cache_read_tokens=1000
    )
    assert (
        str(usage) == "1200 input (1000 cache read), 300 output (200 reasoning), 1500 total tokens"
    )
    assert str(Usage.of(input_tokens=3, output_tokens=4)) == "3 input, 4 output, 7 total tokens"
    both = Usage.of(input_tokens=9, cache_read_tokens=2, cache_creation_tokens=3)
    assert str(both) == "9 input (2 cache read, 3 cache write), 0 output, 9 total tokens"
    assert "\n" not in str(usage)
    assert repr(usage).startswith("Usage(input_tokens=1200")


def test_call_warning_message_is_never_empty() -> None:
    assert CallWarning.unsupported("top_k").message == "unsupported setting 'top_k'"
    assert (
        CallWarning.unsupported("top_k", "not supported by this model").message
        == "unsupported setting 'top_k': not supported by this model"
    )
    assert CallWarning(type="unsupported-tool", setting="web_search").message == (
        "unsupported tool 'web_search'"
    )
    assert CallWarning().message == "warning"
    assert CallWarning(details="something odd").message == "warning: something odd"
    assert CallWarning(message="kept as given").message == "kept as given"
    assert str(CallWarning.unsupported("seed")) == "unsupported setting 'seed'"
    restored = CallWarning.from_dict({"type": "other", "setting": "", "message": "", "details": ""})
    assert restored.message == "warning"


# -- text --------------------------------------------------------------------------


def test_response_text_is_every_text_item_in_order() -> None:
    response = Response(
        content=(TextContent(text="The answer"), TextContent(text=" is 42.")),
        finish_reason=FinishReason.STOP,
    )
    assert response.text == "The answer is 42."


# -- events ------------------------------------------------------------------------


def _members(alias: object) -> set[type]:
    out: set[type] = set()
    for item in typing.get_args(alias):
        out |= _members(item) if typing.get_args(item) else {item}
    return out


def test_one_module_exports_every_agent_event() -> None:
    members = _members(events.AgentEvent)
    assert members >= {events.StepStart, events.StepFinish, events.Retry, stream.TextDelta}
    exported = {getattr(events, name) for name in events.__all__}
    missing = sorted(cls.__name__ for cls in members - exported)
    assert not missing, f"agent events not exported by fantasy.events: {missing}"
    assert fantasy.events is events
