"""Reading and writing the go-vcr version 2 YAML format (private).

PyYAML is imported lazily so that importing `fantasy` never imports `yaml`.

Scalars are loaded the way Go's typed decoder sees them: every plain scalar stays a
string (no YAML 1.1 booleans, numbers or timestamps), except `null`. Numeric and
boolean fields are converted explicitly, so a body such as `yes` or `0x10` is kept verbatim.
"""

from __future__ import annotations

import functools
import http
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fantasy.testing._cassette_model import (
    Body,
    CassetteFormatError,
    Headers,
    Interaction,
    RecordedRequest,
    RecordedResponse,
)

if TYPE_CHECKING:
    import yaml

_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"
_YAML_WIDTH = 1 << 30  # never fold long lines

_REQUEST_KEYS = (
    "proto",
    "proto_major",
    "proto_minor",
    "content_length",
    "transfer_encoding",
    "trailer",
    "host",
    "remote_addr",
    "request_uri",
    "body",
    "form",
    "headers",
    "url",
    "method",
)
_RESPONSE_KEYS = (
    "proto",
    "proto_major",
    "proto_minor",
    "transfer_encoding",
    "trailer",
    "content_length",
    "uncompressed",
    "body",
    "headers",
    "status",
    "code",
    "duration",
)


@functools.cache
def _loader() -> type[yaml.SafeLoader]:
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader: type[yaml.SafeLoader] = type("_CassetteLoader", (base,), {})
    loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag == _NULL_TAG]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return loader


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar(_STR_TAG, data, style=style)


@functools.cache
def _dumper() -> type[yaml.SafeDumper]:
    import yaml

    base: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    dumper: type[yaml.SafeDumper] = type("_CassetteDumper", (base,), {})
    dumper.add_representer(str, _represent_str)
    return dumper


# --- loading -----------------------------------------------------------------------------


def _as_int(value: object, default: int) -> int:
    if value is None or isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return default


def _as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "yes", "on", "1"}


def _as_str(value: object, default: str = "") -> str:
    if value is None:
        return default
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _as_body(value: object) -> Body:
    if value is None:
        return ""
    if isinstance(value, bytes | str):
        return value
    return str(value)


def _as_str_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [_as_str(item) for item in value]
    return [_as_str(value)]


def _as_headers(value: object) -> Headers:
    if not isinstance(value, Mapping):
        return {}
    return {_as_str(name): _as_str_list(values) for name, values in value.items()}


def _as_mapping(value: object, what: str) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise CassetteFormatError(f"{what} must be a mapping, got {type(value).__name__}")
    return {_as_str(key): item for key, item in value.items()}


def _extra(raw: Mapping[str, object], known: Sequence[str]) -> dict[str, object]:
    return {key: value for key, value in raw.items() if key not in known}


def _parse_request(raw: Mapping[str, object]) -> RecordedRequest:
    return RecordedRequest(
        method=_as_str(raw.get("method"), "GET").upper() or "GET",
        url=_as_str(raw.get("url")),
        body=_as_body(raw.get("body")),
        headers=_as_headers(raw.get("headers")),
        form=_as_headers(raw.get("form")),
        host=_as_str(raw.get("host")),
        proto=_as_str(raw.get("proto"), "HTTP/1.1") or "HTTP/1.1",
        content_length=_as_int(raw.get("content_length"), 0),
        transfer_encoding=_as_str_list(raw.get("transfer_encoding")),
        extra=_extra(raw, _REQUEST_KEYS),
    )


def _parse_response(raw: Mapping[str, object]) -> RecordedResponse:
    code = _as_int(raw.get("code"), 0)
    status = _as_str(raw.get("status")).strip()
    if code == 0 and status[:3].isdigit():
        code = int(status[:3])
    if code == 0:
        code = 200
    return RecordedResponse(
        code=code,
        status=status or status_text(code),
        body=_as_body(raw.get("body")),
        headers=_as_headers(raw.get("headers")),
        proto=_as_str(raw.get("proto"), "HTTP/1.1") or "HTTP/1.1",
        content_length=_as_int(raw.get("content_length"), -1),
        transfer_encoding=_as_str_list(raw.get("transfer_encoding")),
        uncompressed=_as_bool(raw.get("uncompressed", False)),
        duration=_as_str(raw.get("duration"), "0s") or "0s",
        extra=_extra(raw, _RESPONSE_KEYS),
    )


def parse_cassette(text: str | bytes, *, source: str = "<string>") -> list[Interaction]:
    """Parse go-vcr v2 YAML into interactions.

    Args:
        text: The YAML document.
        source: A name for error messages (usually the file path).

    Returns:
        The interactions in file order.

    Raises:
        CassetteFormatError: The text is not YAML or not a version 2 cassette.
    """
    import yaml

    try:
        doc: object = yaml.load(text, Loader=_loader())
    except yaml.YAMLError as exc:
        raise CassetteFormatError(f"{source}: invalid YAML: {exc}") from exc
    if doc is None:
        return []
    top = _as_mapping(doc, f"{source}: cassette")
    version = _as_int(top.get("version"), 2)
    if version != 2:
        raise CassetteFormatError(f"{source}: unsupported cassette version {version} (need 2)")
    raw_interactions = top.get("interactions") or []
    if not isinstance(raw_interactions, list):
        raise CassetteFormatError(f"{source}: `interactions` must be a list")
    interactions: list[Interaction] = []
    for index, item in enumerate(raw_interactions):
        raw = _as_mapping(item, f"{source}: interaction #{index}")
        interactions.append(
            Interaction(
                index=index,
                id=_as_int(raw.get("id"), index),
                request=_parse_request(_as_mapping(raw.get("request"), f"{source}: request")),
                response=_parse_response(_as_mapping(raw.get("response"), f"{source}: response")),
            )
        )
    return interactions


# --- dumping -----------------------------------------------------------------------------


def status_text(code: int) -> str:
    """Return a Go-style status line such as `200 OK` for a status code."""
    try:
        return f"{code} {http.HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def _proto_parts(proto: str) -> tuple[int, int]:
    _, _, version = proto.partition("/")
    major, _, minor = version.partition(".")
    return _as_int(major, 1), _as_int(minor, 0)


def _request_doc(request: RecordedRequest) -> dict[str, Any]:
    major, minor = _proto_parts(request.proto)
    doc: dict[str, Any] = {
        "proto": request.proto,
        "proto_major": major,
        "proto_minor": minor,
        "content_length": request.content_length,
        "transfer_encoding": list(request.transfer_encoding),
        "trailer": request.extra.get("trailer") or {},
        "host": request.host,
        "remote_addr": _as_str(request.extra.get("remote_addr")),
        "request_uri": _as_str(request.extra.get("request_uri")),
        "body": request.body,
        "form": {key: list(values) for key, values in request.form.items()},
        "headers": {key: list(values) for key, values in request.headers.items()},
        "url": request.url,
        "method": request.method,
    }
    doc.update(_extra(request.extra, _REQUEST_KEYS))
    return doc


def _response_doc(response: RecordedResponse) -> dict[str, Any]:
    major, minor = _proto_parts(response.proto)
    doc: dict[str, Any] = {
        "proto": response.proto,
        "proto_major": major,
        "proto_minor": minor,
        "transfer_encoding": list(response.transfer_encoding),
        "trailer": response.extra.get("trailer") or {},
        "content_length": response.content_length,
        "uncompressed": response.uncompressed,
        "body": response.body,
        "headers": {key: list(values) for key, values in response.headers.items()},
        "status": response.status,
        "code": response.code,
        "duration": response.duration,
    }
    doc.update(_extra(response.extra, _RESPONSE_KEYS))
    return doc


def dump_cassette(interactions: Sequence[Interaction]) -> str:
    """Serialise interactions as a go-vcr version 2 YAML document.

    Multi-line text bodies use YAML block style so that cassettes diff well; bodies that
    are bytes are written as `!!binary`.
    """
    import yaml

    doc = {
        "version": 2,
        "interactions": [
            {
                "id": interaction.id,
                "request": _request_doc(interaction.request),
                "response": _response_doc(interaction.response),
            }
            for interaction in interactions
        ],
    }
    text = yaml.dump(
        doc,
        Dumper=_dumper(),
        sort_keys=False,
        allow_unicode=True,
        explicit_start=True,
        default_flow_style=False,
        width=_YAML_WIDTH,
    )
    # Keep-chomped block scalars (`|+`) make the emitter close the document with `...`;
    # a single-document file does not need it (Go's go-vcr never writes it).
    return text.removesuffix("...\n")
