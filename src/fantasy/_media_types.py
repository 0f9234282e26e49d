"""Guessing a file's media type from its name (deterministic: no system MIME files)."""

from __future__ import annotations

import base64
import binascii
import mimetypes
from urllib.parse import unquote, urlsplit

from fantasy.errors import InvalidArgumentError

__all__ = ["decode_data_url", "guess_media_type", "media_type_of_url"]

# The standard library's built-in table only: /etc/mime.types differs between machines.
_TABLE = mimetypes.MimeTypes(filenames=())

# Types models take that the built-in table lacks (or names differently).
_EXTRA = {
    ".webp": "image/webp",
    ".heif": "image/heif",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".jsonl": "application/jsonl",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".wav": "audio/wav",
    ".aac": "audio/aac",
    ".webm": "video/webm",
}


def guess_media_type(name: str) -> str | None:
    """The media type a file name's extension implies, or ``None``."""
    dot = name.rfind(".")
    if dot < 0:
        return None
    extension = name[dot:].lower()
    if extension in _EXTRA:
        return _EXTRA[extension]
    media_type, _ = _TABLE.guess_type("file" + extension, strict=False)
    return media_type


def media_type_of_url(url: str) -> str | None:
    """The media type of a ``data:`` URL, or the one its path's extension implies."""
    if url[:5].lower() == "data:":
        head = url[5:].split(",", 1)[0]
        media_type = head.split(";", 1)[0].strip().lower()
        return media_type or None
    path = unquote(urlsplit(url).path)
    return guess_media_type(path.rsplit("/", 1)[-1])


def decode_data_url(url: str) -> tuple[str, bytes] | None:
    """``(media type, bytes)`` of a base64 ``data:`` URL, ``None`` for any other URL.

    Raises:
        InvalidArgumentError: The base64 payload is malformed.
    """
    if url[:5].lower() != "data:":
        return None
    header, sep, payload = url[5:].partition(",")
    if not sep or not header.lower().endswith(";base64"):
        return None
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidArgumentError(f"malformed base64 data URL: {error}", argument="url") from None
    return header[: -len(";base64")].strip().lower() or "application/octet-stream", data
