"""fantasy.providers._media: base64, data URLs, media types."""

from __future__ import annotations

import pytest

from fantasy.errors import InvalidArgumentError
from fantasy.messages import FilePart
from fantasy.providers import _media

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01\x02"


def test_base64_round_trip() -> None:
    encoded = _media.encode_base64(b"\xff" * 100)
    assert "\n" not in encoded
    assert encoded.endswith("==") or len(encoded) % 4 == 0
    assert _media.decode_base64(encoded) == b"\xff" * 100
    assert _media.decode_base64("-_8") == b"\xfb\xff"  # url-safe, unpadded
    with pytest.raises(InvalidArgumentError):
        _media.decode_base64("not base64!")


def test_data_url_and_file_url() -> None:
    part = FilePart(media_type="image/png", data=PNG)
    url = _media.data_url(part)
    assert url == "data:image/png;base64," + _media.encode_base64(PNG)
    assert _media.parse_data_url(url) == ("image/png", PNG)
    assert _media.parse_data_url("https://x.test/a.png") is None
    assert _media.file_url(FilePart(media_type="image/png", url="https://x.test/a.png")) == (
        "https://x.test/a.png"
    )
    assert _media.data_url(FilePart(media_type="image/*", data=PNG)).startswith("data:image/png;")


def test_url_only_part_has_no_bytes() -> None:
    part = FilePart(media_type="application/pdf", url="https://x.test/a.pdf")
    with pytest.raises(InvalidArgumentError):
        _media.part_bytes(part)
    with pytest.raises(InvalidArgumentError):
        _media.data_url(part)


def test_part_text() -> None:
    assert _media.part_text(FilePart(media_type="text/plain", data="olá".encode())) == "olá"
    with pytest.raises(InvalidArgumentError):
        _media.part_text(FilePart(media_type="text/plain", data=b"\xff\xfe\xfd"))


@pytest.mark.parametrize(
    ("media_type", "kind"),
    [
        ("image/png", "image"),
        ("IMAGE/JPEG", "image"),
        ("audio/wav", "audio"),
        ("video/mp4", "video"),
        ("application/pdf", "pdf"),
        ("text/markdown; charset=utf-8", "text"),
        ("application/json", "text"),
        ("application/ld+json", "text"),
        ("application/zip", None),
    ],
)
def test_media_kinds(media_type: str, kind: str | None) -> None:
    checks = {
        "image": _media.is_image,
        "audio": _media.is_audio,
        "video": _media.is_video,
        "pdf": _media.is_pdf,
        "text": _media.is_text,
    }
    assert [name for name, check in checks.items() if check(media_type)] == ([kind] if kind else [])


def test_audio_format_and_sniffing() -> None:
    assert _media.audio_format("audio/x-wav") == "wav"
    assert _media.audio_format("audio/mpeg") == "mp3"
    assert _media.audio_format("audio/unknown") is None
    assert _media.sniff_image_type(PNG) == "image/png"
    assert _media.sniff_image_type(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert _media.sniff_image_type(b"GIF89a..") == "image/gif"
    assert _media.sniff_image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert _media.sniff_image_type(b"nothing") is None
    assert _media.media_type_of(" Text/Plain ; charset=x") == "text/plain"
