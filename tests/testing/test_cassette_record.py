"""Recording with fantasy.testing.cassette: format, scrubbing, binary bodies, modes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml

from fantasy.testing import REDACTED, Cassette, CassetteError, CassetteTransport, use_cassette
from fantasy.testing._cassette_http import go_duration

API_KEY = "sk-test-0123456789abcdef"
SSE = 'data: {"delta":"Hel"}\n\ndata: {"delta":"lo"}\n\ndata: [DONE]\n\n'
EVENT_STREAM = bytes(range(256)) + b"\x00\xff binary frame"


def upstream(request: httpx.Request) -> httpx.Response:
    """A fake provider API used as the inner transport."""
    if request.url.path == "/v1/stream":
        return httpx.Response(200, headers={"Content-Type": "text/event-stream"}, text=SSE)
    if request.url.path == "/v1/binary":
        return httpx.Response(
            200,
            headers={"Content-Type": "application/vnd.amazon.eventstream"},
            content=EVENT_STREAM,
        )
    return httpx.Response(
        200,
        headers={"Content-Type": "application/json", "Set-Cookie": "session=abc", "X-Trace": "t"},
        json={"echo": json.loads(request.content or b"null"), "path": request.url.path},
    )


def refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"network used while replaying: {request.url}")


# --- record with an in-process inner transport -------------------------------------------


@pytest.mark.anyio
async def test_record_then_replay_async(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "rec.yaml"
    headers = {"Authorization": f"Bearer {API_KEY}", "X-Api-Key": API_KEY}
    async with (
        use_cassette(path, mode="record", inner=httpx.MockTransport(upstream)) as transport,
        httpx.AsyncClient(transport=transport, headers=headers) as client,
    ):
        first = await client.post("https://api.example.com/v1/chat", json={"q": "hi"})
        assert first.json() == {"echo": {"q": "hi"}, "path": "/v1/chat"}
        async with client.stream("POST", "https://api.example.com/v1/stream", json={}) as resp:
            streamed = [line async for line in resp.aiter_lines()]
        assert "data: [DONE]" in streamed
    assert path.is_file()

    async with (
        use_cassette(path, inner=httpx.MockTransport(refuse)) as replay,
        httpx.AsyncClient(transport=replay) as client,
    ):
        again = await client.post("https://api.example.com/v1/chat", json={"q": "hi"})
        assert again.json() == first.json()
        assert again.headers["content-type"] == "application/json"
        assert "set-cookie" not in again.headers
        async with client.stream("POST", "https://api.example.com/v1/stream", json={}) as resp:
            assert [line async for line in resp.aiter_lines()] == streamed


def test_record_then_replay_sync(tmp_path: Path) -> None:
    path = tmp_path / "sync.yaml"
    with CassetteTransport(path, mode="record", inner=httpx.MockTransport(upstream)) as transport:
        client = httpx.Client(transport=transport)
        assert client.get("https://api.example.com/v1/models").json()["path"] == "/v1/models"
    with CassetteTransport(path) as transport:
        client = httpx.Client(transport=transport)
        assert client.get("https://api.example.com/v1/models").json()["path"] == "/v1/models"


def test_written_file_is_go_vcr_v2(tmp_path: Path) -> None:
    path = tmp_path / "format.yaml"
    with CassetteTransport(path, mode="record", inner=httpx.MockTransport(upstream)) as transport:
        client = httpx.Client(transport=transport)
        client.post(
            "https://api.example.com/v1/chat?alt=sse", json={"q": "hi"}, headers={"Accept": "*/*"}
        )
        client.post("https://api.example.com/v1/stream", json={"n": 2})
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\nversion: 2\ninteractions:\n- id: 0\n")
    doc = yaml.safe_load(text)
    first, second = doc["interactions"]
    assert [first["id"], second["id"]] == [0, 1]
    request, response = first["request"], first["response"]
    assert list(request) == [
        "proto", "proto_major", "proto_minor", "content_length", "transfer_encoding",
        "trailer", "host", "remote_addr", "request_uri", "body", "form", "headers", "url",
        "method",
    ]  # fmt: skip
    assert list(response) == [
        "proto", "proto_major", "proto_minor", "transfer_encoding", "trailer",
        "content_length", "uncompressed", "body", "headers", "status", "code", "duration",
    ]  # fmt: skip
    assert request["method"] == "POST"
    assert request["url"] == "https://api.example.com/v1/chat?alt=sse"
    assert request["form"] == {"alt": ["sse"]}
    assert request["host"] == "api.example.com"
    assert request["content_length"] == len(request["body"])
    assert set(request["headers"]) == {"Accept", "Content-Type", "User-Agent"}
    assert request["headers"]["Accept"] == ["*/*"]
    assert response["headers"] == {"Content-Type": ["application/json"]}
    assert response["status"] == "200 OK"
    assert response["code"] == 200
    assert response["duration"].endswith("s")
    # multi-line bodies are block scalars, so files diff well
    assert "    body: |" in text
    assert '      data: {"delta":"Hel"}\n' in text
    assert second["response"]["body"] == SSE


def test_configurable_header_allow_list(tmp_path: Path) -> None:
    path = tmp_path / "headers.yaml"
    with CassetteTransport(
        path,
        mode="record",
        inner=httpx.MockTransport(upstream),
        request_headers=["X-Custom", "Authorization"],
        response_headers=["Content-Type", "X-Trace", "Set-Cookie"],
    ) as transport:
        httpx.Client(transport=transport).get(
            "https://api.example.com/v1/x",
            headers={"X-Custom": "1", "Authorization": f"Bearer {API_KEY}"},
        )
    (interaction,) = Cassette.load(path).interactions
    assert interaction.request.headers == {"X-Custom": ["1"]}
    assert interaction.response.headers == {
        "Content-Type": ["application/json"],
        "X-Trace": ["t"],
    }


def test_secrets_are_never_written(tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    other_secret = "project-secret-42"
    url = (
        f"https://generativelanguage.googleapis.com/v1beta/models/g:generate"
        f"?alt=sse&key={API_KEY}&api_key=abc123&x=1"
    )
    with CassetteTransport(
        path, mode="record", inner=httpx.MockTransport(upstream), secrets=[other_secret]
    ) as transport:
        client = httpx.Client(
            transport=transport,
            headers={
                "Authorization": f"Bearer {API_KEY}",
                "x-goog-api-key": API_KEY,
                "api-key": API_KEY,
                "Cookie": "session=abc",
            },
        )
        client.post(url, json={"project": other_secret, "echoed_key": API_KEY})
    text = path.read_text(encoding="utf-8")
    for leaked in (API_KEY, other_secret, "abc123", "session=abc"):
        assert leaked not in text
    lowered = text.lower()
    for header in ("authorization", "x-goog-api-key", "api-key", "cookie"):
        assert f"{header}:" not in lowered
    (interaction,) = Cassette.load(path).interactions
    assert interaction.request.url.endswith(f"?alt=sse&key={REDACTED}&api_key={REDACTED}&x=1")
    assert json.loads(interaction.request.body) == {"project": REDACTED, "echoed_key": REDACTED}

    # replay: the real key and secret match their redacted recording
    with CassetteTransport(path, secrets=[other_secret]) as transport:
        response = httpx.Client(transport=transport).post(
            url,
            json={"project": other_secret, "echoed_key": API_KEY},
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
        assert response.status_code == 200


def test_binary_body_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    with CassetteTransport(path, mode="record", inner=httpx.MockTransport(upstream)) as transport:
        response = httpx.Client(transport=transport).post(
            "https://bedrock.example.com/v1/binary", content=b"\xfe\xffraw request"
        )
        assert response.content == EVENT_STREAM
    text = path.read_text(encoding="utf-8")
    assert text.count("!!binary") == 2
    (interaction,) = Cassette.load(path).interactions
    assert interaction.request.body == b"\xfe\xffraw request"
    assert interaction.response.body == EVENT_STREAM
    with CassetteTransport(path) as transport:
        client = httpx.Client(transport=transport)
        with client.stream(
            "POST", "https://bedrock.example.com/v1/binary", content=b"\xfe\xffraw request"
        ) as replayed:
            assert b"".join(replayed.iter_bytes()) == EVENT_STREAM
            assert replayed.headers["content-type"] == "application/vnd.amazon.eventstream"


def test_once_mode_records_when_missing_then_replays(tmp_path: Path) -> None:
    path = tmp_path / "once.yaml"
    recorder = CassetteTransport(path, mode="once", inner=httpx.MockTransport(upstream))
    assert recorder.recording
    with recorder:
        httpx.Client(transport=recorder).post("https://api.example.com/v1/chat", json={"a": 1})
    replayer = CassetteTransport(path, mode="once", inner=httpx.MockTransport(refuse))
    assert not replayer.recording
    with replayer:
        client = httpx.Client(transport=replayer)
        assert client.post("https://api.example.com/v1/chat", json={"a": 1}).status_code == 200


def test_record_mode_replaces_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "again.yaml"
    for query in ("one", "two"):
        with CassetteTransport(path, mode="record", inner=httpx.MockTransport(upstream)) as rec:
            httpx.Client(transport=rec).post("https://api.example.com/v1/chat", json={"q": query})
    (interaction,) = Cassette.load(path).interactions
    assert json.loads(interaction.request.body) == {"q": "two"}


def test_nothing_saved_when_nothing_recorded_or_block_failed(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    with CassetteTransport(path, mode="record", inner=httpx.MockTransport(upstream)):
        pass
    assert not path.exists()
    with (
        pytest.raises(RuntimeError),
        CassetteTransport(path, mode="record", inner=httpx.MockTransport(upstream)) as transport,
    ):
        httpx.Client(transport=transport).get("https://api.example.com/v1/x")
        raise RuntimeError("test failed")
    assert not path.exists()


def test_in_memory_cassette_needs_a_path_to_save() -> None:
    transport = CassetteTransport(
        cassette=Cassette(), mode="record", inner=httpx.MockTransport(upstream)
    )
    httpx.Client(transport=transport).get("https://api.example.com/v1/x")
    assert len(transport.cassette) == 1
    with pytest.raises(CassetteError, match="without a path"):
        transport.save()


def test_sync_only_inner_rejects_async_use(tmp_path: Path) -> None:
    class SyncOnly(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200)

    transport = CassetteTransport(tmp_path / "x.yaml", mode="record", inner=SyncOnly())
    assert httpx.Client(transport=transport).get("https://h/").status_code == 200

    async def use_async() -> None:
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get("https://h/")

    import anyio

    with pytest.raises(CassetteError, match="sync-only"):
        anyio.run(use_async)


@pytest.mark.parametrize(
    ("nanoseconds", "expected"),
    [
        (0, "0s"),
        (999, "999ns"),
        (1_500, "1.5µs"),
        (896_936_750, "896.93675ms"),
        (1_757_821_875, "1.757821875s"),
        (2_000_000_000, "2s"),
        (61_500_000_000, "1m1.5s"),
        (3_600_000_000_000, "1h0m0s"),
        (-5_000_000, "-5ms"),
    ],
)
def test_go_duration(nanoseconds: int, expected: str) -> None:
    assert go_duration(nanoseconds) == expected


# --- record against a real loopback HTTP server ------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen_auth: list[str | None] = []  # noqa: RUF012 - per-test, reset by the fixture

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        payload = json.loads(self.rfile.read(length) or b"null")
        type(self).seen_auth.append(self.headers.get("Authorization"))
        if self.path.startswith("/v1/stream"):
            body = SSE.encode()
            content_type = "text/event-stream; charset=utf-8"
        else:
            body = json.dumps({"echo": payload}).encode()
            content_type = "application/json"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "server-session=1")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server_url() -> Iterator[str]:
    _Handler.seen_auth = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.anyio
async def test_record_against_loopback_server_then_replay(tmp_path: Path, server_url: str) -> None:
    path = tmp_path / "loopback.yaml"
    url = f"{server_url}/v1/chat?key={API_KEY}"
    async with (
        use_cassette(path, mode="record") as transport,
        httpx.AsyncClient(
            transport=transport, headers={"Authorization": f"Bearer {API_KEY}"}
        ) as client,
    ):
        recorded = (await client.post(url, json={"q": 1})).json()
        async with client.stream("POST", f"{server_url}/v1/stream", json={}) as response:
            streamed = [line async for line in response.aiter_lines()]
    assert recorded == {"echo": {"q": 1}}
    assert _Handler.seen_auth == [f"Bearer {API_KEY}"] * 2
    text = path.read_text(encoding="utf-8")
    assert API_KEY not in text
    assert "server-session" not in text
    doc = yaml.safe_load(text)
    first = doc["interactions"][0]
    assert first["request"]["url"] == f"{server_url}/v1/chat?key={REDACTED}"
    assert first["response"]["content_length"] == len(json.dumps({"echo": {"q": 1}}))
    assert first["response"]["proto"] == "HTTP/1.1"

    async with CassetteTransport(path) as replay, httpx.AsyncClient(transport=replay) as client:
        assert (await client.post(url, json={"q": 1})).json() == recorded
        async with client.stream("POST", f"{server_url}/v1/stream", json={}) as response:
            assert [line async for line in response.aiter_lines()] == streamed
    assert len(_Handler.seen_auth) == 2  # replay never reached the server


def test_record_against_loopback_server_sync(tmp_path: Path, server_url: str) -> None:
    path = tmp_path / "loopback-sync.yaml"
    with CassetteTransport(path, mode="once") as transport:
        with httpx.Client(transport=transport) as client:
            assert client.post(f"{server_url}/v1/chat", json=[1]).json() == {"echo": [1]}
        assert transport.recording
    with CassetteTransport(path, mode="once") as transport:
        assert not transport.recording
        with httpx.Client(transport=transport) as client:
            assert client.post(f"{server_url}/v1/chat", json=[1]).json() == {"echo": [1]}
    assert len(_Handler.seen_auth) == 1


def test_unknown_mode_from_plugin_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        use_cassette(tmp_path / "x.yaml", mode="sometimes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "body",
    [
        "",
        "single line",
        "yes",
        "0x10",
        "null",
        "  leading spaces\nnext\n\n",
        "trailing space \nand tab\t\n",
        "data: a\r\n\r\ndata: b\r\n\r\n",
        '{"text":"olá 日本 \\u00e9", "long": "' + "x" * 5000 + '"}',
        "no newline at end\nsecond",
        b"\x00\x01\xfe\xff",
    ],
)
def test_yaml_round_trip_of_awkward_bodies(body: str | bytes) -> None:
    from fantasy.testing import RecordedRequest, RecordedResponse

    cassette = Cassette()
    cassette.add(
        RecordedRequest(method="POST", url="https://h/x?alt=sse", body=body),
        RecordedResponse(body=body, headers={"Content-Type": ["text/plain"]}),
    )
    text = cassette.to_yaml()
    assert not text.rstrip().endswith("...")
    (again,) = Cassette.from_yaml(text).interactions
    assert again.request.body == body
    assert again.response.body == body
    assert yaml.safe_load(text)["interactions"][0]["response"]["body"] == body


def test_cassette_play_and_reset() -> None:
    from fantasy.testing import RecordedRequest, RecordedResponse

    cassette = Cassette()
    cassette.add(RecordedRequest(method="GET", url="https://h/"), RecordedResponse(code=204))
    assert cassette.play("GET", "https://h/", None) is not None
    assert cassette.play("GET", "https://h/", None) is None
    assert cassette.unplayed == []
    cassette.reset()
    assert len(cassette.unplayed) == 1
    with pytest.raises(CassetteError, match="<memory>: 1 of 1"):
        cassette.assert_all_played()
