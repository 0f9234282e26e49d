"""The API key never reaches a recorded cassette, an error or a log record, per dialect.

Real sockets on 127.0.0.1, recorded with fantasy's own cassette recorder
(``fantasy.testing.use_cassette`` in record mode, its default inner transport: a real
HTTP connection). Each dialect's server streams an answer, sends a whole one, and then
rejects the key with a 401 whose body quotes it, as real APIs do ("Incorrect API key
provided: sk-...").
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from _dialects import DIALECTS, KEY, TEXT
from _server import LoopbackServer, Plan, Request

from fantasy.errors import AuthenticationError
from fantasy.messages import Message, TextPart
from fantasy.model import Call
from fantasy.testing import use_cassette

CALL = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])


@pytest.mark.anyio
@pytest.mark.parametrize("name", DIALECTS)
async def test_the_key_is_in_no_cassette_error_or_log_record(
    name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dialect = DIALECTS[name]
    rejected = json.dumps({"error": {"message": f"Incorrect API key provided: {KEY}"}})

    def handler(request: Request) -> Plan:
        if len(server.requests) > 2:
            return Plan(status=401, content_type="application/json", chunks=(rejected.encode(),))
        if json.loads(request.body).get("stream") or "stream" in request.path.lower():
            return Plan(content_type=dialect.content_type, chunks=tuple(dialect.stream_body(TEXT)))
        body = json.dumps(dialect.json_body(TEXT)).encode()
        return Plan(content_type="application/json", chunks=(body,))

    path = tmp_path / f"{name}.yaml"
    caplog.set_level(logging.DEBUG, logger="fantasy")
    async with (
        LoopbackServer(handler) as server,
        use_cassette(path, mode="record") as cassette,
        dialect.provider(server.url, transport=cassette) as provider,  # type: ignore[call-arg]
    ):
        model = dialect.model(provider)
        parts = [part async for part in model.stream(CALL)]
        assert any(part.type == "finish" for part in parts)
        assert (await model.generate(CALL)).text == TEXT
        with pytest.raises(AuthenticationError) as caught:
            await model.generate(CALL)
    sent = [request.headers for request in server.requests]
    assert any(KEY in value for headers in sent for value in headers.values())  # it was sent
    recorded = path.read_text(encoding="utf-8")
    assert recorded.count("interactions:") == 1 and "Incorrect API key" in recorded
    assert KEY not in recorded
    error = caught.value
    assert KEY not in f"{error} {error!r} {error.response_body} {error.url}"
    assert KEY not in json.dumps(error.response_headers)
    assert KEY not in caplog.text
