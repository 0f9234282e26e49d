"""Object modes on every dialect: the request each mode sends, the object that comes back.

The dialects (how to build each model, its canned answers and the request each mode
must send) are tabled in ``_object_modes_dialects.py``; Claude-only behaviour is in
``test_object_modes_anthropic.py``.
"""

from __future__ import annotations

import pytest
from _object_modes_dialects import DIALECTS
from _object_modes_kit import (
    ALICE,
    ALICE_JSON,
    Dialect,
    StreamCase,
    assert_partials_then_final,
    person_call,
    run_stream,
)

from fantasy.model import ObjectMode
from fantasy.usage import FinishReason

MODES: tuple[ObjectMode, ...] = ("json", "tool", "text", "auto")

GENERATE = [
    pytest.param(dialect, mode, id=f"{dialect.name}-{mode}")
    for dialect in DIALECTS
    for mode in MODES
]
STREAMS = [
    pytest.param(dialect, case, id=f"{dialect.name}-{case.mode}")
    for dialect in DIALECTS
    for case in dialect.streams
]


@pytest.mark.anyio
@pytest.mark.parametrize(("dialect", "mode"), GENERATE)
async def test_generate_object_sends_the_mode_request(dialect: Dialect, mode: ObjectMode) -> None:
    recorder = dialect.answer(mode)
    response = await dialect.build(recorder).generate_object(person_call(mode))
    dialect.check_request(recorder, mode, streamed=False)
    assert response.object == ALICE
    assert response.finish_reason == FinishReason.STOP
    assert response.warnings == ()
    if mode != "text":
        dialect.check_raw_text(response.raw_text, mode)


@pytest.mark.anyio
@pytest.mark.parametrize(("dialect", "case"), STREAMS)
async def test_stream_object_yields_partials_then_the_object(
    dialect: Dialect, case: StreamCase
) -> None:
    recorder = case.recorder()
    object_stream = dialect.build(recorder).stream_object(person_call(case.mode))
    objects, parts = await run_stream(object_stream)
    dialect.check_request(recorder, case.mode, streamed=True)
    assert_partials_then_final(objects, parts)
    result = await object_stream.result()
    assert result.object == ALICE
    assert result.raw_text == ALICE_JSON
    assert result.finish_reason == FinishReason.STOP
    assert result.usage.total_tokens == 21
