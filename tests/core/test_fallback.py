"""FallbackModel on the test models: order, predicates, streams, objects, agents, retries."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pydantic
import pytest

import fantasy
from fantasy import stream
from fantasy.errors import (
    AuthenticationError,
    FallbackError,
    IncompleteStreamError,
    InvalidArgumentError,
    ProviderError,
    RateLimitError,
)
from fantasy.fallback import FallbackMetadata, FallbackModel, answered_by
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.object import ObjectCall, ObjectPart
from fantasy.response import Response
from fantasy.retry import RetryPolicy
from fantasy.testing import ScriptedModel, TestModel, response_to_parts, text_response

NO_RETRY = RetryPolicy(max_retries=0)
QUICK = RetryPolicy(max_retries=1, initial_delay=0, jitter=False)
CALL = Call(prompt=(user_message("Hi"),))


def down(status: int = 503) -> ProviderError:
    return ProviderError("down", provider="primary", status_code=status)


def scripted(name: str, *items: Any) -> ScriptedModel:
    return ScriptedModel(list(items), provider=name, model_id=f"{name}-1")


def cut_after(text: str, error: BaseException) -> list[stream.StreamPart]:
    """Parts of a text answer that fails (in-band) after its first delta."""
    return [stream.TextStart("0"), stream.TextDelta("0", text), stream.Error(error)]


class Cut(ScriptedModel):
    """Streams its scripted parts, then raises ``error`` (a transport failure mid-body)."""

    def __init__(self, parts: list[stream.StreamPart], error: Exception) -> None:
        super().__init__([parts], provider="cut", model_id="cut-1")
        self.error = error
        self.closed = False

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        try:
            async for part in super().stream(call):
                yield part
            raise self.error
        finally:
            self.closed = True


def collect_text(parts: list[Any]) -> str:
    """The printing recipe: drop what a Retry voids."""
    printed: list[str] = []
    for part in parts:
        if isinstance(part, stream.Retry):
            if part.discarded:
                del printed[-part.discarded :]
            continue
        printed.append(part.delta if isinstance(part, stream.TextDelta) else "")
    return "".join(printed)


# --- construction ----------------------------------------------------------------------


def test_identity_and_repr() -> None:
    model = FallbackModel(scripted("a"), scripted("b"))
    assert model.provider == "fallback"
    assert model.model_id == "a:a-1,b:b-1"
    assert repr(model) == "FallbackModel(a:a-1 -> b:b-1)"
    assert isinstance(model, fantasy.LanguageModel)
    assert fantasy.FallbackModel is FallbackModel


def test_bad_arguments() -> None:
    with pytest.raises(InvalidArgumentError, match="not a language model"):
        FallbackModel(scripted("a"), "b")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="on"):
        FallbackModel(scripted("a"), on=42)  # type: ignore[arg-type]


# --- generate --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_falls_back_and_says_who_answered() -> None:
    primary, backup = scripted("a", down()), scripted("b", "from b")
    response = await FallbackModel(primary, backup, retry=NO_RETRY).generate(CALL)
    assert response.text == "from b"
    meta = answered_by(response.provider_metadata)
    assert meta == FallbackMetadata(
        index=1, provider="b", model_id="b-1", failed=["a:a-1: [primary] down (status 503)"]
    )
    assert len(primary.calls) == len(backup.calls) == 1


@pytest.mark.anyio
async def test_primary_answers_without_fallback() -> None:
    backup = scripted("b")
    response = await FallbackModel(scripted("a", "fine"), backup).generate(CALL)
    assert response.text == "fine"
    assert answered_by(response.provider_metadata) == FallbackMetadata(
        index=0, provider="a", model_id="a-1"
    )
    assert backup.calls == []


@pytest.mark.anyio
async def test_retries_per_model_then_fallback() -> None:
    primary = scripted("a", down(), down(529))
    backup = scripted("b", down(500), "third time")
    model = FallbackModel(primary, backup, retry=QUICK)
    response = await model.generate(CALL)
    assert response.text == "third time"
    assert (len(primary.calls), len(backup.calls)) == (2, 2)
    meta = answered_by(response.provider_metadata)
    assert (
        meta is not None
        and meta.index == 1
        and meta.failed[0] == "a:a-1: [primary] down (status 529)"
    )


@pytest.mark.anyio
async def test_every_model_failing_is_a_fallback_error() -> None:
    rate = RateLimitError("slow down", provider="b", status_code=429)
    model = FallbackModel(scripted("a", down()), scripted("b", rate), retry=NO_RETRY)
    with pytest.raises(FallbackError) as caught:
        await model.generate(CALL)
    assert caught.value.models == ["a:a-1", "b:b-1"]
    assert [type(e) for e in caught.value.errors] == [ProviderError, RateLimitError]
    assert caught.value.__cause__ is rate
    assert not fantasy.errors.is_retryable(caught.value)


@pytest.mark.anyio
async def test_a_chain_rate_limited_throughout_is_a_rate_limit_error() -> None:
    first = RateLimitError("slow down", provider="a", status_code=429, retry_after=7)
    last = RateLimitError("busy", provider="b", status_code=429, retry_after=3)
    model = FallbackModel(scripted("a", first), scripted("b", last), retry=NO_RETRY)
    with pytest.raises(RateLimitError) as caught:  # the except clause of one model
        await model.generate(CALL)
    error = caught.value
    assert isinstance(error, FallbackError) and type(error).__name__ == "FallbackRateLimitError"
    assert error.shared is RateLimitError
    assert error.errors == [first, last] and error.models == ["a:a-1", "b:b-1"]
    assert (error.status_code, error.retry_after, error.provider) == (429, 3, "b")  # the last's
    assert error.__cause__ is last and str(error).startswith("all 2 models failed: a:a-1: ")
    assert error.attempts == () and fantasy.errors.attempts_of(error) == (error,)
    # Never retryable, even though rate limits are, and even if a header says otherwise.
    assert not error.is_retryable and not fantasy.errors.is_retryable(error)
    assert first.is_retryable and last.is_retryable  # each model's own error is untouched
    assert type(error) is type(FallbackError([first, last], ["x", "y"]))  # one class per kind


def test_the_shared_kind_is_the_most_specific_common_class() -> None:
    rate = RateLimitError("slow", status_code=429)
    auth = AuthenticationError("no", status_code=401)
    mixed = FallbackError([down(), rate], ["a", "b"])
    assert isinstance(mixed, ProviderError) and not isinstance(mixed, RateLimitError)
    assert mixed.shared is ProviderError and mixed.status_code == 429
    assert not mixed.is_retryable  # the 503 and the 429 were retryable; the chain is not
    assert isinstance(FallbackError([auth, auth], ["a", "b"]), AuthenticationError)
    assert not isinstance(FallbackError([rate, auth], ["a", "b"]), RateLimitError)
    no_object = fantasy.NoObjectGeneratedError("bad", raw_text="{")
    other = FallbackError([down(), no_object], ["a", "b"])
    assert type(other) is FallbackError and other.shared is FallbackError
    assert type(FallbackError([ValueError("x")], ["a"])) is FallbackError
    assert type(FallbackError([], [])) is FallbackError
    objects = FallbackError([no_object, no_object], ["a", "b"])
    assert isinstance(objects, fantasy.NoObjectGeneratedError) and objects.raw_text == "{"
    # A nested fallback's error counts as its shared kind, not as a FallbackError kind.
    nested = FallbackError([FallbackError([rate, rate], ["a", "b"]), rate], ["f", "c"])
    assert nested.shared is RateLimitError and len(nested.errors) == 2


def test_a_typed_fallback_error_pickles() -> None:
    import pickle

    rate = RateLimitError("slow", provider="p", status_code=429, retry_after=2)
    error = FallbackError([rate, rate], ["a:1", "b:1"])
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and isinstance(again, RateLimitError)
    assert again.models == ["a:1", "b:1"] and str(again) == str(error)
    assert [type(e) for e in again.errors] == [RateLimitError, RateLimitError]
    assert again.retry_after == 2 and not again.is_retryable


def test_an_agent_around_a_rate_limited_chain_raises_a_rate_limit_error() -> None:
    def rate() -> RateLimitError:
        return RateLimitError("slow down", status_code=429)

    primary, backup = scripted("a", rate()), scripted("b", rate())
    agent = fantasy.Agent(
        FallbackModel(primary, backup, retry=NO_RETRY),
        retry=RetryPolicy(max_retries=3, initial_delay=0),
    )
    with pytest.raises(RateLimitError) as caught:
        agent.generate_sync("Hi")
    assert isinstance(caught.value, FallbackError)
    assert (len(primary.calls), len(backup.calls)) == (1, 1)  # the chain is not restarted


@pytest.mark.anyio
async def test_stream_rate_limited_throughout_is_a_rate_limit_error() -> None:
    rate = RateLimitError("slow", status_code=429)
    in_band = scripted("b", cut_after("Half", RateLimitError("later", status_code=429)))
    model = FallbackModel(scripted("a", rate), in_band, retry=NO_RETRY)
    parts = await parts_of(model)  # an in-band failure stays in-band
    assert isinstance(parts[-1], stream.Error)
    assert isinstance(parts[-1].error, RateLimitError)
    assert isinstance(parts[-1].error, FallbackError)


@pytest.mark.anyio
async def test_usage_errors_do_not_fall_back() -> None:
    backup = scripted("b", "never")
    bad = InvalidArgumentError("bad temperature", argument="temperature")
    with pytest.raises(InvalidArgumentError):
        await FallbackModel(scripted("a", bad), backup).generate(CALL)
    assert backup.calls == []


@pytest.mark.anyio
async def test_on_types_and_predicate() -> None:
    # Only rate limits fall back: a 503 (after its retry) is raised as the retrier says.
    backup = scripted("b", "never")
    model = FallbackModel(scripted("a", down(), down()), backup, on=RateLimitError, retry=QUICK)
    with pytest.raises(ProviderError) as info:
        await model.generate(CALL)
    assert len(info.value.attempts) == 2
    assert backup.calls == []
    # The predicate sees the last attempt's error.
    seen: list[Exception] = []

    def on(error: Exception) -> bool:
        seen.append(error)
        return isinstance(error, AuthenticationError)

    auth = AuthenticationError("no", status_code=401)
    model = FallbackModel(scripted("a", down(), auth), scripted("b", "ok"), on=on, retry=QUICK)
    assert (await model.generate(CALL)).text == "ok"
    assert seen == [auth]
    # A later model's error that is not fallen back on says what failed before it.
    later = scripted("c", InvalidArgumentError("nope"))
    model = FallbackModel(scripted("a", down()), later, scripted("d"), retry=NO_RETRY)
    with pytest.raises(InvalidArgumentError) as caught:
        await model.generate(CALL)
    assert "a:a-1" in "".join(caught.value.__notes__)


def test_sync_twin() -> None:
    model = FallbackModel(scripted("a", down()), scripted("b", "sync"), retry=NO_RETRY)
    assert model.generate_sync(CALL).text == "sync"


# --- stream ----------------------------------------------------------------------------


async def parts_of(model: FallbackModel, call: Call = CALL) -> list[stream.StreamPart]:
    return [part async for part in model.stream(call)]


@pytest.mark.anyio
async def test_stream_switches_silently_before_the_first_part() -> None:
    model = FallbackModel(scripted("a", down()), scripted("b", "from b"), retry=NO_RETRY)
    parts = await parts_of(model)
    assert not any(isinstance(part, stream.Retry) for part in parts)
    assert parts[:-1] == response_to_parts(text_response("from b"))[:-1]
    finish = parts[-1]
    assert isinstance(finish, stream.Finish)
    assert answered_by(finish.provider_metadata) is not None


@pytest.mark.anyio
async def test_stream_switch_after_the_first_part_is_a_retry() -> None:
    cut = IncompleteStreamError()
    model = FallbackModel(
        scripted("a", cut_after("Partial", cut)), scripted("b", "Whole answer"), retry=NO_RETRY
    )
    parts = await parts_of(model)
    retries = [part for part in parts if isinstance(part, stream.Retry)]
    assert len(retries) == 1
    assert retries[0].discarded == 2 and retries[0].model == "b:b-1"
    assert retries[0].error is cut and retries[0].delay == 0
    assert collect_text(parts) == "Whole answer"
    accumulator = stream.StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    assert accumulator.response().text == "Whole answer"


@pytest.mark.anyio
async def test_stream_raised_mid_body_switches_and_closes_the_failed_stream() -> None:
    primary = Cut([stream.TextStart("0"), stream.TextDelta("0", "Hal")], IncompleteStreamError())
    model = FallbackModel(primary, scripted("b", "Hello"), retry=NO_RETRY)
    parts = await parts_of(model)
    assert primary.closed
    assert [p.discarded for p in parts if isinstance(p, stream.Retry)] == [2]
    assert collect_text(parts) == "Hello"


@pytest.mark.anyio
async def test_stream_retries_of_one_model_are_retry_parts() -> None:
    primary = scripted("a", down(), cut_after("Par", IncompleteStreamError()), "third")
    model = FallbackModel(primary, scripted("b"), retry=RetryPolicy(max_retries=2, initial_delay=0))
    parts = await parts_of(model)
    retries = [part for part in parts if isinstance(part, stream.Retry)]
    assert [(r.attempt, r.discarded, r.model) for r in retries] == [(1, 0, ""), (2, 2, "")]
    assert collect_text(parts) == "third"


@pytest.mark.anyio
async def test_stream_in_band_error_not_fallen_back_stays_in_band() -> None:
    error = ProviderError("bad request", status_code=400)
    backup = scripted("b", "never")
    model = FallbackModel(scripted("a", cut_after("x", error)), backup, on=RateLimitError)
    parts = await parts_of(model)
    assert isinstance(parts[-1], stream.Error) and parts[-1].error is error
    assert backup.calls == []


@pytest.mark.anyio
async def test_stream_last_model_failing_raises_fallback_error() -> None:
    model = FallbackModel(scripted("a", down()), scripted("b", down(502)), retry=NO_RETRY)
    with pytest.raises(FallbackError):
        await parts_of(model)


@pytest.mark.anyio
async def test_closing_the_stream_closes_the_model_stream() -> None:
    primary = Cut([stream.TextStart("0"), stream.TextDelta("0", "a")], IncompleteStreamError())
    parts = FallbackModel(primary, scripted("b")).stream(CALL)
    assert isinstance(parts, AsyncIterator)
    await parts.__anext__()
    await parts.aclose()  # type: ignore[attr-defined]
    assert primary.closed


# --- inside agents ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_agent_stream_sees_the_switch_as_a_retry() -> None:
    primary = scripted("a", cut_after("Partial", IncompleteStreamError()))
    agent = fantasy.Agent(FallbackModel(primary, scripted("b", "Whole"), retry=NO_RETRY))
    retries: list[stream.Retry] = []
    events = []
    async with agent.stream("Hi", on_retry=retries.append) as run:
        async for event in run:
            events.append(event)
        result = await run.result()
    assert result.text == "Whole"
    assert [r.discarded for r in retries] == [2]
    steps = (fantasy.agent.StepStart, fantasy.agent.StepFinish)
    assert collect_text([e for e in events if not isinstance(e, steps)]) == "Whole"
    meta = answered_by(result.steps[0].provider_metadata)
    assert meta is not None and meta.provider == "b"


def test_agent_with_tools_starts_each_step_at_the_primary() -> None:
    @fantasy.tool
    def lookup(term: str) -> str:
        """Look a term up."""
        return f"{term}: a small dog"

    primary = scripted("a", down(), "A corgi is a small dog.")
    backup = TestModel(provider="b", model_id="b-1")
    agent = fantasy.Agent(FallbackModel(primary, backup, retry=NO_RETRY), tools=[lookup])
    result = agent.generate_sync("What is a corgi?")
    assert result.steps[0].tool_calls[0].tool_name == "lookup"  # the backup's tool call
    assert result.text == "A corgi is a small dog."  # the primary, back for step 2
    indexes = [answered_by(step.provider_metadata) for step in result.steps]
    assert [meta.index if meta else None for meta in indexes] == [1, 0]
    assert len(primary.calls) == 2 and len(backup.calls) == 1


def test_agent_does_not_restart_the_chain() -> None:
    primary, backup = scripted("a", down()), scripted("b", down())
    agent = fantasy.Agent(
        FallbackModel(primary, backup, retry=NO_RETRY),
        retry=RetryPolicy(max_retries=3, initial_delay=0),
    )
    with pytest.raises(FallbackError):
        agent.generate_sync("Hi")
    assert (len(primary.calls), len(backup.calls)) == (1, 1)


# --- objects ---------------------------------------------------------------------------


class City(pydantic.BaseModel):
    name: str
    population: int


CITY = json.dumps({"name": "Florence", "population": 360000})


class ToolModeModel(ScriptedModel):
    default_object_mode = "tool"


@pytest.mark.anyio
async def test_generate_object_falls_back_in_each_models_own_mode() -> None:
    backup = ToolModeModel(
        [fantasy.testing.tool_call_response("City", CITY)], provider="b", model_id="b-1"
    )
    model = FallbackModel(scripted("a", down()), backup, retry=NO_RETRY)
    answer = await model.generate_object(ObjectCall(prompt=[user_message("A city")], schema=City))
    assert answer.object == City(name="Florence", population=360000)
    assert backup.calls[0].tools and backup.calls[0].tools[0].name == "City"  # tool mode
    assert answered_by(answer.provider_metadata) == answered_by(answer.response.provider_metadata)
    again = FallbackModel(scripted("a", down()), scripted("b", CITY), retry=NO_RETRY)
    city = again.generate_object_sync(ObjectCall(prompt=[user_message("A city")], schema=City))
    assert city.object.name == "Florence"


@pytest.mark.anyio
async def test_stream_object_restarts_the_object_after_a_switch() -> None:
    partial = [
        stream.TextStart("0"),
        stream.TextDelta("0", '{"name": "Ro'),
        stream.TextDelta("0", 'me", "popu'),
        stream.Error(IncompleteStreamError()),
    ]
    model = FallbackModel(scripted("a", partial), scripted("b", CITY), retry=NO_RETRY)
    object_stream = model.stream_object(ObjectCall(prompt=[user_message("A city")], schema=City))
    parts = [part async for part in object_stream]
    objects = [part.object for part in parts if isinstance(part, ObjectPart) and part.partial]
    retry_at = next(i for i, part in enumerate(parts) if isinstance(part, stream.Retry))
    assert objects[0] == {"name": "Ro"}
    after = [p for p in parts[retry_at:] if isinstance(p, ObjectPart) and p.partial]
    assert [p.object for p in after] == [{"name": "Florence", "population": 360000}]
    result = await object_stream.result()
    assert result.object == City(name="Florence", population=360000)
    assert answered_by(result.provider_metadata) is not None
    assert isinstance(parts[-1], stream.Finish) and answered_by(parts[-1].provider_metadata)


def test_stream_object_sync_and_errors() -> None:
    model = FallbackModel(scripted("a", down()), scripted("b", CITY), retry=NO_RETRY)
    sync = model.stream_object_sync(ObjectCall(prompt=[user_message("A city")], schema=City))
    assert sync.result().object.name == "Florence"
    with pytest.raises(InvalidArgumentError):
        model.stream_object(ObjectCall(prompt=[user_message("x")], schema={"type": 3}))
    bad = FallbackModel(scripted("a", "not json"), scripted("b", "nor this"), retry=NO_RETRY)
    with pytest.raises(fantasy.NoObjectGeneratedError):
        bad.stream_object_sync(ObjectCall(prompt=[user_message("A city")], schema=City)).result()


# --- serialisation ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_metadata_round_trips_through_json() -> None:
    model = FallbackModel(scripted("a", down()), scripted("b", "ok"), retry=NO_RETRY)
    response = await model.generate(CALL)
    again = Response.from_dict(json.loads(json.dumps(response.to_dict())))
    assert again == response
    assert answered_by(again.provider_metadata) == answered_by(response.provider_metadata)
