"""Replay and matching behaviour of fantasy.testing.cassette (offline)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from fantasy.testing import (
    Cassette,
    CassetteError,
    CassetteMismatchError,
    CassetteTransport,
    RecordedRequest,
    match_request,
    use_cassette,
)
from fantasy.testing.cassette import CassetteFormatError, bodies_match, json_equal

CHAT_URL = "https://api.example.com/v1/chat/completions"

SSE_BODY = (
    'data: {"choices":[{"delta":{"content":"Ol"}}]}\n\n'
    'data: {"choices":[{"delta":{"content":"á!"}}]}\n\n'
    "data: [DONE]\n\n"
)

CASSETTE_YAML = textwrap.dedent(
    """\
    ---
    version: 2
    interactions:
    - id: 0
      request:
        proto: HTTP/1.1
        content_length: 52
        host: ""
        body: '{"model":"m","stream":true,"max_tokens":4000,"n":1}'
        headers:
          Content-Type:
          - application/json
        url: https://api.example.com/v1/chat/completions
        method: POST
      response:
        proto: HTTP/2.0
        content_length: -1
        body: |+
          data: {"choices":[{"delta":{"content":"Ol"}}]}

          data: {"choices":[{"delta":{"content":"á!"}}]}

          data: [DONE]

        headers:
          Content-Type:
          - text/event-stream; charset=utf-8
        status: 200 OK
        code: 200
        duration: 1.5s
    - id: 1
      request:
        body: '{"model":"m","messages":[{"role":"user","content":"hi"}]}'
        url: https://api.example.com/v1/chat/completions
        method: POST
        some_unknown_key: whatever
      response:
        body: '{"id":"r1","choices":[{"message":{"content":"hello"}}]}'
        headers:
          Content-Type:
          - application/json
        status: 201 Created
        code: 201
    """
)


@pytest.fixture
def cassette_file(tmp_path: Path) -> Path:
    path = tmp_path / "chat.yaml"
    path.write_text(CASSETTE_YAML, encoding="utf-8")
    return path


def write_cassette(tmp_path: Path, interactions: list[dict[str, object]]) -> Path:
    """Write a minimal cassette (JSON is valid YAML) with the given request/response pairs."""
    doc = {
        "version": 2,
        "interactions": [{"id": n, **item} for n, item in enumerate(interactions)],
    }
    path = tmp_path / "cassette.yaml"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def post(body: str, response: str = "{}") -> dict[str, object]:
    return {
        "request": {"method": "POST", "url": CHAT_URL, "body": body},
        "response": {"code": 200, "body": response, "headers": {"Content-Type": ["text/plain"]}},
    }


# --- loading -----------------------------------------------------------------------------


def test_load_tolerates_missing_and_extra_keys(cassette_file: Path) -> None:
    cassette = Cassette.load(cassette_file)
    assert len(cassette) == 2
    first, second = cassette.interactions
    assert first.request.method == "POST"
    assert first.request.url == CHAT_URL
    assert first.response.code == 200
    assert first.response.header("content-type") == "text/event-stream; charset=utf-8"
    assert first.response.body == SSE_BODY
    assert first.response.duration == "1.5s"
    assert second.request.extra == {"some_unknown_key": "whatever"}
    assert second.request.headers == {}
    assert second.response.code == 201
    assert cassette.unplayed == [first, second]


def test_load_rejects_garbage(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 2\ninteractions: {not: a list}\n", encoding="utf-8")
    with pytest.raises(CassetteFormatError, match="must be a list"):
        Cassette.load(bad)
    bad.write_text("version: 1\ninteractions: []\n", encoding="utf-8")
    with pytest.raises(CassetteFormatError, match="version 1"):
        Cassette.load(bad)
    bad.write_text("version: [\n", encoding="utf-8")
    with pytest.raises(CassetteFormatError, match="invalid YAML"):
        Cassette.load(bad)
    with pytest.raises(CassetteError, match="cannot read"):
        Cassette.load(tmp_path / "missing.yaml")


def test_plain_scalars_stay_verbatim_strings() -> None:
    cassette = Cassette.from_yaml(
        "version: 2\ninteractions:\n"
        "- request: {method: POST, url: 'http://x/', body: yes}\n"
        "  response: {body: 0x10, code: 200}\n"
    )
    (interaction,) = cassette.interactions
    assert interaction.request.body == "yes"
    assert interaction.response.body == "0x10"


def test_missing_replay_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="does not exist; record it"):
        CassetteTransport(tmp_path / "nope.yaml")


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        CassetteTransport(cassette=Cassette(), mode="rewind")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a path or a cassette"):
        CassetteTransport()
    with pytest.raises(ValueError, match="match_on"):
        CassetteTransport(cassette=Cassette(), match_on=["method", "headers"])  # type: ignore[list-item]


# --- replay ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_replay_streams_sse_and_json(cassette_file: Path) -> None:
    async with (
        use_cassette(cassette_file) as transport,
        httpx.AsyncClient(transport=transport) as client,
    ):
        payload = {"n": 1, "max_tokens": 4000.0, "stream": True, "model": "m"}
        async with client.stream("POST", CHAT_URL, json=payload) as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
            assert response.request.url == CHAT_URL
            lines = [line async for line in response.aiter_lines()]
        assert [line for line in lines if line] == [
            'data: {"choices":[{"delta":{"content":"Ol"}}]}',
            'data: {"choices":[{"delta":{"content":"á!"}}]}',
            "data: [DONE]",
        ]
        response = await client.post(
            CHAT_URL, json={"messages": [{"content": "hi", "role": "user"}], "model": "m"}
        )
        assert response.status_code == 201
        assert response.reason_phrase == "Created"
        assert response.json()["choices"][0]["message"]["content"] == "hello"
        assert response.headers["content-type"] == "application/json"
    assert transport.unplayed == []


def test_sync_replay(cassette_file: Path) -> None:
    with use_cassette(cassette_file, allow_unplayed=True) as transport:
        client = httpx.Client(transport=transport)
        response = client.post(
            CHAT_URL, content=b'{"model":"m","stream":true,"max_tokens":4000,"n":1}'
        )
        assert response.status_code == 200
        assert response.text == SSE_BODY
        with client.stream(
            "POST", CHAT_URL, json={"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        ) as streamed:
            assert (
                b"".join(streamed.iter_bytes())
                == b'{"id":"r1","choices":[{"message":{"content":"hello"}}]}'
            )
        client.close()


@pytest.mark.anyio
async def test_replay_body_is_streamed_in_chunks(tmp_path: Path) -> None:
    body = "data: x\n\n" * 100
    transport = CassetteTransport(write_cassette(tmp_path, [post("{}", body)]), chunk_size=64)
    async with (
        httpx.AsyncClient(transport=transport) as client,
        client.stream("POST", CHAT_URL, content="{}") as response,
    ):
        chunks = [chunk async for chunk in response.aiter_raw()]
    assert len(chunks) == len(body) // 64 + 1
    assert b"".join(chunks) == body.encode()


def test_each_interaction_is_used_once_in_file_order(tmp_path: Path) -> None:
    path = write_cassette(tmp_path, [post('{"q":1}', "first"), post('{"q":1}', "second")])
    with CassetteTransport(path) as transport:
        client = httpx.Client(transport=transport)
        assert client.post(CHAT_URL, content='{"q":1}').text == "first"
        assert client.post(CHAT_URL, content='{"q": 1.0}').text == "second"
        with pytest.raises(CassetteMismatchError, match="every recorded interaction has already"):
            client.post(CHAT_URL, content='{"q":1}')
        assert transport.unplayed == []


def test_first_unplayed_match_wins_even_out_of_order(tmp_path: Path) -> None:
    path = write_cassette(tmp_path, [post('{"q":1}', "one"), post('{"q":2}', "two")])
    with CassetteTransport(path) as transport:
        client = httpx.Client(transport=transport)
        assert client.post(CHAT_URL, content='{"q":2}').text == "two"
        assert client.post(CHAT_URL, content='{"q":1}').text == "one"


# --- matching rules ----------------------------------------------------------------------


def recorded(body: str | bytes, *, method: str = "POST", url: str = CHAT_URL) -> RecordedRequest:
    return RecordedRequest(method=method, url=url, body=body)


def test_match_method_and_full_url() -> None:
    rec = recorded("", url="https://h/model/a%3Ab/invoke?alt=sse")
    assert match_request(rec, "POST", "https://h/model/a%3Ab/invoke?alt=sse", b"")
    assert not match_request(rec, "GET", "https://h/model/a%3Ab/invoke?alt=sse", b"")
    assert not match_request(rec, "POST", "https://h/model/a:b/invoke?alt=sse", b"")
    assert not match_request(rec, "POST", "https://h/model/a%3Ab/invoke", b"")
    assert match_request(rec, "POST", "https://h/model/a%3Ab/invoke?alt=sse", None)


def test_json_equality_rules() -> None:
    rec = recorded('{"a": 1, "b": {"max_tokens": 4000, "list": [1, 2.5, null]}, "t": true}')
    same = '{"t":true,"b":{"list":[1.0,2.5,null],"max_tokens":4000.0},"a":1}'
    assert match_request(rec, "POST", CHAT_URL, same)
    assert match_request(rec, "POST", CHAT_URL, same.encode())
    assert not match_request(rec, "POST", CHAT_URL, same.replace('"t":true', '"t":1'))
    assert not match_request(rec, "POST", CHAT_URL, same.replace('"a":1', '"a":1,"x":null'))
    assert not match_request(rec, "POST", CHAT_URL, same.replace("[1.0,2.5,null]", "[1,2.5]"))
    assert not match_request(rec, "POST", CHAT_URL, "not json")


def test_strings_inside_strings_must_be_byte_equal() -> None:
    rec = recorded(json.dumps({"arguments": '{"location":"Florence, Italy"}'}))
    assert match_request(
        rec, "POST", CHAT_URL, '{"arguments":"{\\"location\\":\\"Florence, Italy\\"}"}'
    )
    assert not match_request(
        rec, "POST", CHAT_URL, '{"arguments":"{\\"location\\": \\"Florence, Italy\\"}"}'
    )


def test_json_equal_edge_cases() -> None:
    assert json_equal(1920, 1920.0)
    assert not json_equal(True, 1)
    assert not json_equal(0, False)
    assert json_equal(False, False)
    assert not json_equal(None, "")
    assert not json_equal({"a": 1}, {"a": 1, "b": 2})
    assert json_equal(10**400, 10**400)
    assert not json_equal("1", 1)


def test_crlf_normalisation() -> None:
    assert bodies_match("line1\r\nline2\n", "line1\nline2\n")
    assert bodies_match('{"text":"a\\r\\nb"}', '{"text":"a\\nb"}')
    # both rules hold for JSON that must otherwise be compared structurally
    assert bodies_match('{"b": 1, "text":"a\\r\\nb"}', '{"text":"a\\nb","b":1.0}')
    assert not bodies_match('{"text":"a\\rb"}', '{"text":"a\\nb"}')


def test_empty_and_binary_bodies() -> None:
    assert bodies_match("", b"")
    assert not bodies_match("", b"{}")
    assert bodies_match(b"\xff\x00raw", b"\xff\x00raw")
    assert not bodies_match(b"\xff\x00raw", b"\xff\x00rAw")


def test_match_on_subsets_and_custom_matchers() -> None:
    rec = recorded('{"a":1}')
    assert match_request(rec, "POST", CHAT_URL, '{"a":2}', match_on=("method", "url"))
    assert not match_request(rec, "POST", CHAT_URL, '{"a":2}')

    def by_path(recorded: RecordedRequest, method: str, url: str, body: str | bytes) -> bool:
        return httpx.URL(recorded.url).path == httpx.URL(url).path

    assert match_request(rec, "GET", CHAT_URL + "?x=1", b"", match_on=by_path)


# --- mismatch reports and unplayed interactions ------------------------------------------


def test_mismatch_error_shows_a_diff_against_the_nearest_interaction(tmp_path: Path) -> None:
    recorded_body = {
        "model": "m",
        "max_tokens": 4000,
        "messages": [{"role": "user", "content": "hi"}],
    }
    other = {"model": "other", "input": "zzz"}
    path = write_cassette(
        tmp_path,
        [
            {
                "request": {"method": "POST", "url": CHAT_URL + "/x", "body": json.dumps(other)},
                "response": {"code": 200},
            },
            post(json.dumps(recorded_body)),
        ],
    )
    transport = CassetteTransport(path)
    client = httpx.Client(transport=transport)
    sent = {**recorded_body, "max_tokens": 4096}
    with pytest.raises(CassetteMismatchError) as caught:
        client.post(CHAT_URL, json=sent)
    message = str(caught.value)
    assert f"matches request POST {CHAT_URL}" in message
    assert "(2 of 2 interactions unplayed)" in message
    assert f"nearest unplayed interaction: #1 POST {CHAT_URL}" in message
    assert '-  "max_tokens": 4000,' in message
    assert '+  "max_tokens": 4096,' in message
    assert "--- recorded #1" in message
    assert "URL differs" not in message
    assert caught.value.nearest == 1
    assert caught.value.method == "POST"


def test_mismatch_error_reports_url_differences(tmp_path: Path) -> None:
    path = write_cassette(tmp_path, [post('{"a":1}')])
    client = httpx.Client(transport=CassetteTransport(path))
    with pytest.raises(CassetteMismatchError) as caught:
        client.post(CHAT_URL + "?beta=true", content='{"a":1}')
    message = str(caught.value)
    assert "URL differs:" in message
    assert f"  recorded: {CHAT_URL}\n" in message
    assert f"  request:  {CHAT_URL}?beta=true" in message
    assert "body matches" in message


def test_unplayed_interactions_are_reported(tmp_path: Path) -> None:
    path = write_cassette(tmp_path, [post('{"a":1}'), post('{"a":2}'), post('{"a":3}')])
    transport = CassetteTransport(path)
    client = httpx.Client(transport=transport)
    client.post(CHAT_URL, content='{"a":2}')
    assert [i.index for i in transport.unplayed] == [0, 2]
    assert [i.index for i in transport.cassette.played] == [1]
    with pytest.raises(CassetteError) as caught:
        transport.assert_all_played()
    message = str(caught.value)
    assert "2 of 3 interactions were not played" in message
    assert f"#0 POST {CHAT_URL}" in message
    assert f"#2 POST {CHAT_URL}" in message
    with pytest.raises(CassetteError, match="were not played"):
        transport.cassette.assert_all_played()


def test_context_manager_asserts_all_played(tmp_path: Path) -> None:
    path = write_cassette(tmp_path, [post('{"a":1}'), post('{"a":2}')])
    transport = use_cassette(path)
    client = httpx.Client(transport=transport)
    with pytest.raises(CassetteError, match="1 of 2 interactions were not played"), transport:
        client.post(CHAT_URL, content='{"a":1}')
    with use_cassette(path, allow_unplayed=True) as transport:
        httpx.Client(transport=transport).post(CHAT_URL, content='{"a":1}')


def test_context_manager_does_not_mask_errors(tmp_path: Path) -> None:
    path = write_cassette(tmp_path, [post('{"a":1}')])
    with pytest.raises(KeyError), use_cassette(path):
        raise KeyError("boom")


def test_swallowed_mismatch_is_reported_with_unplayed(tmp_path: Path) -> None:
    path = write_cassette(tmp_path, [post('{"a":1}')])
    transport = CassetteTransport(path)
    client = httpx.Client(transport=transport)
    with pytest.raises(CassetteMismatchError):
        client.post(CHAT_URL, content='{"a":5}')
    assert len(transport.mismatches) == 1
    with pytest.raises(CassetteError, match="first unmatched request") as caught:
        transport.assert_all_played()
    assert '+  "a": 5' in str(caught.value)


@pytest.mark.anyio
async def test_clients_entering_the_transport_do_not_finish_it_early(tmp_path: Path) -> None:
    path = write_cassette(tmp_path, [post('{"a":1}', "one"), post('{"a":2}', "two")])
    async with use_cassette(path) as transport:
        for n, expected in ((1, "one"), (2, "two")):
            async with httpx.AsyncClient(transport=transport) as client:
                assert (await client.post(CHAT_URL, json={"a": n})).text == expected


def test_import_fantasy_does_not_import_yaml() -> None:
    code = (
        "import sys, fantasy, fantasy.testing, fantasy.testing.pytest_plugin\n"
        "assert 'yaml' not in sys.modules, 'yaml imported'\n"
    )
    src = Path(__file__).resolve().parents[2] / "src"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(src)},
    )
    assert result.returncode == 0, result.stderr
