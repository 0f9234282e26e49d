"""fantasy.mcp's pure conversions: tool results and sampling requests."""

from __future__ import annotations

import base64
from typing import Any

import pytest

pytest.importorskip("mcp", reason="the 'mcp' extra is not installed (pip install 'fantasy[mcp]')")

import mcp_types as types

from fantasy.errors import InvalidArgumentError
from fantasy.mcp import (
    MCPResponseError,
    MCPServerError,
    MCPServerStdio,
    MCPServerStreamableHTTP,
    tool_response,
)
from fantasy.mcp._sampling import sampling_call, sampling_result
from fantasy.messages import FilePart, TextPart
from fantasy.testing import text_response
from fantasy.usage import FinishReason

PNG = b"\x89PNG\r\n\x1a\nrest"
WAV = b"RIFF....WAVE"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def result(*content: Any, structured: Any = None, error: bool = False) -> types.CallToolResult:
    return types.CallToolResult(
        content=list(content), structured_content=structured, is_error=error
    )


def text(value: str) -> types.TextContent:
    return types.TextContent(type="text", text=value)


def image(data: bytes = PNG) -> types.ImageContent:
    return types.ImageContent(type="image", data=b64(data), mime_type="image/png")


# --- results -------------------------------------------------------------------------------


def test_text_blocks_are_joined_by_lines() -> None:
    response = tool_response(result(text("one"), text("two")))
    assert (response.text, response.error, response.media) == ("one\ntwo", None, None)
    assert response.client_metadata == {}


def test_an_image_stays_media_with_the_text_as_caption() -> None:
    response = tool_response(result(text("a chart"), image()))
    assert (response.media, response.media_type, response.text) == (PNG, "image/png", "a chart")


def test_audio_stays_media() -> None:
    audio = types.AudioContent(type="audio", data=b64(WAV), mime_type="audio/wav")
    response = tool_response(result(audio))
    assert (response.media, response.media_type) == (WAV, "audio/wav")


def test_further_media_are_named_and_kept_in_metadata() -> None:
    second = image(b"\x89PNG second")
    response = tool_response(result(image(), second))
    assert response.media == PNG
    assert response.text == "[1 more media item(s) not shown: image/png]"
    (kept,) = response.client_metadata["mcp"]["omitted"]
    assert kept == {"type": "image", "data": b64(b"\x89PNG second"), "mimeType": "image/png"}


def test_embedded_resources_and_links() -> None:
    notes = types.TextResourceContents(uri="file:///n.txt", mime_type="text/plain", text="notes")
    pdf = types.BlobResourceContents(
        uri="file:///a.pdf", mime_type="application/pdf", blob=b64(b"%PDF")
    )
    blob = types.BlobResourceContents(uri="file:///x.bin", blob=b64(b"\x00\x01\x02"))
    link = types.ResourceLink(type="resource_link", uri="file:///big.csv", name="big.csv")
    response = tool_response(
        result(
            types.EmbeddedResource(type="resource", resource=notes),
            types.EmbeddedResource(type="resource", resource=pdf),
            types.EmbeddedResource(type="resource", resource=blob),
            link,
        )
    )
    assert response.media == b"%PDF"
    assert response.media_type == "application/pdf"
    assert response.text.splitlines() == [
        "notes",
        "[resource file:///x.bin: binary, 3 bytes]",
        "[resource link: file:///big.csv (big.csv)]",
    ]


def test_structured_content_is_kept_and_is_the_text_when_there_is_none() -> None:
    response = tool_response(result(structured={"city": "Rome", "celsius": 21.5}))
    assert response.text == '{"city": "Rome", "celsius": 21.5}'
    assert response.client_metadata == {
        "mcp": {"structured_content": {"city": "Rome", "celsius": 21.5}}
    }
    with_text = tool_response(result(text("21.5 C in Rome"), structured={"celsius": 21.5}))
    assert with_text.text == "21.5 C in Rome"


def test_is_error_becomes_an_error_result() -> None:
    assert tool_response(result(text("no such city"), error=True)).error == "no such city"
    assert tool_response(result(error=True)).error == "the MCP tool reported an error"
    assert tool_response(result(error=True)).output().type == "error"


def test_bad_base64_is_a_response_error() -> None:
    broken = types.ImageContent(type="image", data="not base64!", mime_type="image/png")
    with pytest.raises(MCPResponseError, match="not valid base64"):
        tool_response(result(broken))


# --- tool definitions -----------------------------------------------------------------------


def test_tool_definitions_are_normalised_and_prefixed() -> None:
    server = MCPServerStdio("unused", prefix="srv", parallel=True)
    schema = {"properties": {"tags": {"type": ["array", "null"]}}}
    listed = types.Tool(name="tag", title="Tagger", input_schema=schema)
    agent_tool = server._agent_tool(listed)
    assert agent_tool.name == "srv_tag"
    assert agent_tool.description == "Tagger"
    assert agent_tool.parallel
    assert agent_tool.input_schema["type"] == "object"
    tags = agent_tool.input_schema["properties"]["tags"]
    assert tags == {"anyOf": [{"type": "array", "items": {}}, {"type": "null"}]}


def test_an_unusable_schema_names_the_tool() -> None:
    server = MCPServerStdio("unused")
    broken = types.Tool(name="bad", input_schema={"type": "object", "properties": 3})
    with pytest.raises(MCPResponseError, match="'bad' has an unusable input schema"):
        server._agent_tool(broken)


# --- sampling ------------------------------------------------------------------------------


def test_sampling_request_becomes_a_call() -> None:
    params = types.CreateMessageRequestParams(
        messages=[
            types.SamplingMessage(role="user", content=text("describe")),
            types.SamplingMessage(role="assistant", content=[text("which one?")]),
            types.SamplingMessage(role="user", content=[text("this"), image()]),
        ],
        system_prompt="Be brief.",
        max_tokens=30,
        temperature=0.2,
        stop_sequences=["END"],
    )
    call = sampling_call(params)
    assert [m.role for m in call.prompt] == ["system", "user", "assistant", "user"]
    assert call.prompt[0].text == "Be brief."
    assert call.prompt[3].content == (
        TextPart(text="this"),
        FilePart(media_type="image/png", data=PNG),
    )
    assert (call.max_output_tokens, call.temperature, call.stop_sequences) == (30, 0.2, ("END",))


def test_sampling_with_tool_content_is_refused() -> None:
    use = types.ToolUseContent(type="tool_use", name="x", id="1", input={})
    params = types.CreateMessageRequestParams(
        messages=[types.SamplingMessage(role="assistant", content=use)], max_tokens=5
    )
    with pytest.raises(InvalidArgumentError, match="tool_use"):
        sampling_call(params)


@pytest.mark.parametrize(
    ("finish", "reason"),
    [
        (FinishReason.STOP, "endTurn"),
        (FinishReason.LENGTH, "maxTokens"),
        (FinishReason.OTHER, "other"),
    ],
)
def test_sampling_result(finish: FinishReason, reason: str) -> None:
    response = text_response("an answer")
    response = type(response)(content=response.content, finish_reason=finish)
    out = sampling_result(response, "m-1")
    assert out.content == text("an answer")
    assert (out.model, out.role, out.stop_reason) == ("m-1", "assistant", reason)


def test_credential_headers_never_show_in_errors() -> None:
    token = "mcp-credential-0123456789"
    server = MCPServerStreamableHTTP(
        f"https://user:pw@mcp.example.com/mcp?key={token}",
        headers={"Authorization": f"Bearer {token}", "X-Session": "s-9876543210"},
    )
    assert server.name == "https://mcp.example.com/mcp"
    error = MCPServerError(f"upstream said {token} and s-9876543210", server=server.name)
    assert token not in str(error)
    assert "s-9876543210" not in str(error)
