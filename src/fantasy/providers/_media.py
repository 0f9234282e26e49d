"""File parts on the wire: base64, data URLs and media-type checks (shared by providers).

Every provider turns :class:`~fantasy.messages.FilePart` values into its own JSON
shape; the byte-level work is the same everywhere and lives here:

* :func:`encode_base64` / :func:`decode_base64`: standard alphabet, ``=`` padding,
  no line breaks.
* :func:`data_url` (``data:<media type>;base64,<data>``) and :func:`file_url` (the
  part's URL when it has one, else its data URL); :func:`parse_data_url` reverses
  :func:`data_url`.
* :func:`part_bytes` and :func:`part_text`: the raw bytes / decoded text of a part
  that carries data (a URL-only part raises :class:`~fantasy.errors.InvalidArgumentError`).
* Media-type helpers: :func:`media_type_of` (normalised, parameters dropped),
  :func:`is_image`, :func:`is_audio`, :func:`is_video`, :func:`is_pdf`, :func:`is_text`,
  :func:`audio_format` and :func:`sniff_image_type` (PNG/JPEG/GIF/WebP magic bytes).
"""

from __future__ import annotations

import base64
import binascii

from fantasy.errors import InvalidArgumentError
from fantasy.messages import FilePart

__all__ = [
    "audio_format",
    "data_url",
    "decode_base64",
    "encode_base64",
    "file_url",
    "is_audio",
    "is_image",
    "is_pdf",
    "is_text",
    "is_video",
    "media_type_of",
    "parse_data_url",
    "part_bytes",
    "part_text",
    "sniff_image_type",
]

# Media types that are text although their top-level type is not ``text/``.
_TEXT_LIKE = frozenset(
    {
        "application/json",
        "application/xml",
        "application/yaml",
        "application/x-yaml",
        "application/javascript",
        "application/x-sh",
        "application/toml",
        "application/sql",
    }
)

# Audio media type → the short format name most APIs use.
_AUDIO_FORMATS = {
    "audio/wav": "wav",
    "audio/wave": "wav",
    "audio/x-wav": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mpeg3": "mp3",
    "audio/x-mpeg-3": "mp3",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/aac": "aac",
    "audio/webm": "webm",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aiff": "aiff",
    "audio/x-aiff": "aiff",
}

_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def encode_base64(data: bytes) -> str:
    """Standard base64 with padding and no line breaks."""
    return base64.b64encode(data).decode("ascii")


def decode_base64(text: str) -> bytes:
    """Decode standard (or URL-safe) base64; bad input raises InvalidArgumentError."""
    cleaned = "".join(text.split())
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        if "-" in cleaned or "_" in cleaned:
            return base64.urlsafe_b64decode(cleaned)
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidArgumentError(f"invalid base64 data: {error}") from error


def media_type_of(media_type: str) -> str:
    """``media_type`` lower-cased, without parameters (``"text/plain; charset=x"``)."""
    return media_type.split(";", 1)[0].strip().lower()


def is_image(media_type: str) -> bool:
    """Whether ``media_type`` is an image type."""
    return media_type_of(media_type).startswith("image/")


def is_audio(media_type: str) -> bool:
    """Whether ``media_type`` is an audio type."""
    return media_type_of(media_type).startswith("audio/")


def is_video(media_type: str) -> bool:
    """Whether ``media_type`` is a video type."""
    return media_type_of(media_type).startswith("video/")


def is_pdf(media_type: str) -> bool:
    """Whether ``media_type`` is ``application/pdf``."""
    return media_type_of(media_type) == "application/pdf"


def is_text(media_type: str) -> bool:
    """Whether ``media_type`` is textual (``text/*``, JSON, XML, YAML, ...)."""
    normalised = media_type_of(media_type)
    return (
        normalised.startswith("text/")
        or normalised in _TEXT_LIKE
        or normalised.endswith(("+json", "+xml"))
    )


def audio_format(media_type: str) -> str | None:
    """The short audio format (``"wav"``, ``"mp3"``, ...) of ``media_type``, or ``None``."""
    return _AUDIO_FORMATS.get(media_type_of(media_type))


def sniff_image_type(data: bytes) -> str | None:
    """The image media type told by ``data``'s magic bytes (PNG, JPEG, GIF, WebP)."""
    for magic, media_type in _IMAGE_MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def part_bytes(part: FilePart) -> bytes:
    """The bytes of a part that carries data; a URL-only part raises InvalidArgumentError."""
    if part.data is None:
        raise InvalidArgumentError(
            f"file part ({part.media_type}) has a URL but this provider needs its bytes"
        )
    return part.data


def part_text(part: FilePart) -> str:
    """The UTF-8 text of a textual part's data."""
    try:
        return part_bytes(part).decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidArgumentError(
            f"file part ({part.media_type}) is not valid UTF-8 text: {error}"
        ) from error


def _image_media_type(part: FilePart, data: bytes) -> str:
    media_type = media_type_of(part.media_type)
    if media_type in ("image/*", "image"):
        return sniff_image_type(data) or "image/png"
    return media_type


def data_url(part: FilePart) -> str:
    """``data:<media type>;base64,<data>`` of a part that carries data.

    A wildcard image type (``image/*``) is resolved from the data's magic bytes.
    """
    data = part_bytes(part)
    return f"data:{_image_media_type(part, data)};base64,{encode_base64(data)}"


def file_url(part: FilePart) -> str:
    """The part's URL when it has one, else its data URL."""
    if part.url is not None:
        return part.url
    return data_url(part)


def parse_data_url(url: str) -> tuple[str, bytes] | None:
    """``(media type, bytes)`` of a base64 ``data:`` URL, or ``None`` for other URLs."""
    if not url.startswith("data:"):
        return None
    header, sep, payload = url[5:].partition(",")
    if not sep or not header.endswith(";base64"):
        return None
    return header.removesuffix(";base64") or "application/octet-stream", decode_base64(payload)
