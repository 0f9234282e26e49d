"""MCP tool results -> fantasy tool responses (pure).

* Text blocks, text resources and resource links become the text the model reads,
  one block per line; when a result has no text but structured content, the
  structured content's JSON is the text.
* The first image or audio block (or binary resource with a media type) becomes the
  response's media; media stays media. A fantasy tool result carries one media item,
  so further media items are named in the text and kept whole (base64, as the server
  sent them) in ``client_metadata["mcp"]["omitted"]``, never dropped.
* ``isError`` results become error results with their text.
* Structured content is kept in ``client_metadata["mcp"]["structured_content"]``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types

from fantasy.agent_tools import ToolResponse
from fantasy.mcp._errors import MCPResponseError

__all__ = ["tool_response"]

_MEDIA_PREFIXES = ("image/", "audio/", "application/pdf")


@dataclass(slots=True)
class _Collected:
    texts: list[str] = field(default_factory=list)
    media: list[tuple[bytes, str, dict[str, Any]]] = field(default_factory=list)


def _decode(data: str, what: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as error:
        raise MCPResponseError(f"{what} is not valid base64") from error


def _blob(resource: types.BlobResourceContents, block: dict[str, Any], out: _Collected) -> None:
    media_type = resource.mime_type or ""
    if media_type.startswith(_MEDIA_PREFIXES):
        out.media.append((_decode(resource.blob, f"resource {resource.uri}"), media_type, block))
    else:
        size = len(_decode(resource.blob, f"resource {resource.uri}"))
        kind = media_type or "binary"
        out.texts.append(f"[resource {resource.uri}: {kind}, {size} bytes]")


def _collect(block: types.ContentBlock, out: _Collected) -> None:
    raw = block.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(block, types.TextContent):
        out.texts.append(block.text)
    elif isinstance(block, types.ImageContent | types.AudioContent):
        out.media.append((_decode(block.data, f"{block.type} content"), block.mime_type, raw))
    elif isinstance(block, types.EmbeddedResource):
        resource = block.resource
        if isinstance(resource, types.TextResourceContents):
            out.texts.append(resource.text)
        else:
            _blob(resource, raw, out)
    else:  # a resource link: the model gets its address
        name = f" ({block.name})" if block.name else ""
        out.texts.append(f"[resource link: {block.uri}{name}]")


def tool_response(result: types.CallToolResult) -> ToolResponse:
    """The fantasy form of an MCP ``tools/call`` result (see the module docstring)."""
    out = _Collected()
    for block in result.content:
        _collect(block, out)
    meta: dict[str, Any] = {}
    if result.structured_content is not None:
        meta["structured_content"] = result.structured_content
        if not out.texts and not out.media:
            out.texts.append(json.dumps(result.structured_content, ensure_ascii=False))
    if len(out.media) > 1:
        extra = out.media[1:]
        meta["omitted"] = [raw for _, _, raw in extra]
        kinds = ", ".join(media_type for _, media_type, _ in extra)
        out.texts.append(f"[{len(extra)} more media item(s) not shown: {kinds}]")
    metadata = {"mcp": meta} if meta else {}
    text = "\n".join(out.texts)
    if result.is_error:
        return ToolResponse(
            error=text or "the MCP tool reported an error", client_metadata=metadata
        )
    if out.media:
        data, media_type, _ = out.media[0]
        return ToolResponse(text=text, media=data, media_type=media_type, client_metadata=metadata)
    return ToolResponse(text=text, client_metadata=metadata)
