"""Prompt messages and their input parts.

A :class:`Message` has a role and a tuple of parts. Which parts a role may hold:

* ``system``: :class:`TextPart`
* ``user``: :class:`TextPart`, :class:`FilePart`
* ``assistant``: :class:`TextPart`, :class:`ReasoningPart`, :class:`ToolCallPart`,
  :class:`FilePart`, provider-executed :class:`ToolResultPart`
* ``tool``: :class:`ToolResultPart`

Every part and message carries ``provider_options``: provider name → typed options
(see :mod:`fantasy.options`). Reasoning parts carry the provider's replay data
(signatures, encrypted content) there.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

from fantasy import _serde
from fantasy._serde import meta
from fantasy.errors import InvalidArgumentError

__all__ = [
    "ErrorOutput",
    "FilePart",
    "MediaOutput",
    "Message",
    "MessagePart",
    "Prompt",
    "ReasoningPart",
    "Role",
    "TextOutput",
    "TextPart",
    "ToolCallPart",
    "ToolResultOutput",
    "ToolResultPart",
    "assistant_message",
    "system_message",
    "tool_message",
    "user_message",
]

Role = Literal["system", "user", "assistant", "tool"]
_ROLES = ("system", "user", "assistant", "tool")


def _options() -> Any:
    return field(default_factory=dict, metadata=meta("provider"))


# --- tool result outputs -------------------------------------------------------------


@_serde.register("output")
@dataclass(frozen=True, slots=True, kw_only=True)
class TextOutput:
    """A tool's text result."""

    text: str
    type: Literal["text"] = "text"


@_serde.register("output")
@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorOutput:
    """A tool's error result: the model sees the message and may try again."""

    error: str
    type: Literal["error"] = "error"


@_serde.register("output")
@dataclass(frozen=True, slots=True, kw_only=True)
class MediaOutput:
    """A tool's media result (image or audio bytes), optionally with text."""

    data: bytes = field(metadata=meta("bytes"))
    media_type: str
    text: str = ""
    type: Literal["media"] = "media"


ToolResultOutput: TypeAlias = TextOutput | ErrorOutput | MediaOutput


# --- input parts ----------------------------------------------------------------------


@_serde.register("part")
@dataclass(frozen=True, slots=True, kw_only=True)
class TextPart:
    """Plain text."""

    text: str
    provider_options: Mapping[str, Any] = _options()
    type: Literal["text"] = "text"


@_serde.register("part")
@dataclass(frozen=True, slots=True, kw_only=True)
class FilePart:
    """A file given to the model: raw ``data`` bytes, or a ``url`` the provider fetches.

    :meth:`from_path` reads a local file and :meth:`from_url` points at a remote one,
    both guessing ``media_type`` from the name when it is not given.
    """

    media_type: str
    data: bytes | None = field(default=None, metadata=meta("bytes"))
    url: str | None = None
    filename: str = ""
    provider_options: Mapping[str, Any] = _options()
    type: Literal["file"] = "file"

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise InvalidArgumentError("a FilePart needs exactly one of data or url")

    @classmethod
    def from_path(
        cls,
        path: str | os.PathLike[str],
        *,
        media_type: str | None = None,
        filename: str | None = None,
    ) -> FilePart:
        """A part holding the bytes of the file at ``path``.

        Args:
            path: The file to read.
            media_type: Its media type (default: guessed from the extension, e.g.
                ``.png`` → ``image/png``, ``.pdf`` → ``application/pdf``).
            filename: The name sent to providers that take one (default: the file's).

        Raises:
            InvalidArgumentError: The media type cannot be guessed (pass ``media_type``).
            OSError: The file cannot be read.
        """
        from fantasy._media_types import guess_media_type

        file = Path(path)
        kind = media_type or guess_media_type(file.name)
        if not kind:
            raise InvalidArgumentError(
                f"cannot guess the media type of {file.name!r}; pass media_type=",
                argument="media_type",
            )
        return cls(
            media_type=kind,
            data=file.read_bytes(),
            filename=file.name if filename is None else filename,
        )

    @classmethod
    def from_url(cls, url: str, *, media_type: str | None = None, filename: str = "") -> FilePart:
        """A part the provider fetches from ``url`` (``https://...``, ``gs://...``).

        A base64 ``data:`` URL gives a part holding its bytes instead.

        Args:
            url: Where the file is.
            media_type: Its media type (default: a ``data:`` URL's own, else guessed
                from the path's extension).
            filename: The name sent to providers that take one.

        Raises:
            InvalidArgumentError: ``url`` is not a URL, or its media type cannot be
                guessed (pass ``media_type``).
        """
        from fantasy._media_types import decode_data_url, media_type_of_url

        decoded = decode_data_url(url)
        if decoded is not None:  # a base64 data: URL carries the bytes themselves
            return cls(media_type=media_type or decoded[0], data=decoded[1], filename=filename)
        if "://" not in url:
            raise InvalidArgumentError(
                f"not a URL: {url[:80]!r} (for a local file use FilePart.from_path)",
                argument="url",
            )
        kind = media_type or media_type_of_url(url)
        if not kind:
            raise InvalidArgumentError(
                f"cannot guess the media type of {url[:80]!r}; pass media_type=",
                argument="media_type",
            )
        return cls(media_type=kind, url=url, filename=filename)


@_serde.register("part")
@dataclass(frozen=True, slots=True, kw_only=True)
class ReasoningPart:
    """Reasoning the model produced earlier, replayed with the provider's data."""

    text: str
    provider_options: Mapping[str, Any] = _options()
    type: Literal["reasoning"] = "reasoning"


@_serde.register("part")
@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallPart:
    """A tool call the model made. ``input`` is the raw JSON text, replayed verbatim."""

    tool_call_id: str
    tool_name: str
    input: str
    provider_executed: bool = False
    provider_options: Mapping[str, Any] = _options()
    type: Literal["tool-call"] = "tool-call"


@_serde.register("part")
@dataclass(frozen=True, slots=True, kw_only=True)
class ToolResultPart:
    """The result of a tool call.

    ``client_metadata`` is for the application only and never sent to the model.
    """

    tool_call_id: str
    output: ToolResultOutput = field(metadata=meta("output"))
    tool_name: str = ""
    provider_executed: bool = False
    client_metadata: Mapping[str, Any] = field(default_factory=dict)
    provider_options: Mapping[str, Any] = _options()
    type: Literal["tool-result"] = "tool-result"


MessagePart: TypeAlias = TextPart | FilePart | ReasoningPart | ToolCallPart | ToolResultPart


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One message of a prompt."""

    role: Role
    content: tuple[MessagePart, ...] = field(default=(), metadata=meta("part"))
    provider_options: Mapping[str, Any] = _options()

    def __post_init__(self) -> None:
        if self.role not in _ROLES:
            raise InvalidArgumentError(f"unknown role {self.role!r}", argument="role")
        # Accept any iterable of parts (a list is common) but store a tuple.
        object.__setattr__(self, "content", tuple(self.content))

    def replace(self, **changes: Any) -> Message:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    @property
    def text(self) -> str:
        """The concatenated text parts."""
        return "".join(part.text for part in self.content if isinstance(part, TextPart))

    def to_dict(self, *, go_json: bool = False) -> dict[str, Any]:
        """Serialize to JSON-ready data (provider data keeps its type ids).

        ``go_json=True`` writes Fantasy Go's form: every part and tool-result output as a
        ``{"type": ..., "data": {...}}`` envelope, so a Go service can load it.
        """
        return _serde.encode(self, go_json=go_json)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """Inverse of :meth:`to_dict`; reads fantasy's form and Fantasy Go's alike."""
        return cls(**_serde.decode_fields(cls, data))


Prompt: TypeAlias = tuple[Message, ...]


def system_message(text: str, **provider_options: Any) -> Message:
    """A system message with one text part."""
    return Message(role="system", content=(TextPart(text=text),), provider_options=provider_options)


def user_message(text: str, *files: FilePart, **provider_options: Any) -> Message:
    """A user message: one text part, then the given files."""
    return Message(
        role="user", content=(TextPart(text=text), *files), provider_options=provider_options
    )


def assistant_message(*parts: MessagePart | str) -> Message:
    """An assistant message; strings become text parts."""
    return Message(
        role="assistant",
        content=tuple(TextPart(text=p) if isinstance(p, str) else p for p in parts),
    )


def tool_message(results: Iterable[ToolResultPart]) -> Message:
    """A tool message holding the given results in order."""
    return Message(role="tool", content=tuple(results))
