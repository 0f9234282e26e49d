"""Fallback models: when a model fails, the next one answers (another provider, maybe).

::

    model = FallbackModel(
        openai.language_model("gpt-4o"),
        anthropic.language_model("claude-sonnet-4-5"),
        retry=RetryPolicy(max_retries=1),
    )
    agent = Agent(model, tools=[...])

A :class:`FallbackModel` is a :class:`~fantasy.model.LanguageModel`, so it works
wherever a model does: directly, inside an agent, for structured objects, and through
the ``_sync`` API.

**Order: retries per model, then fallback.** Each model is retried per the
fallback's ``retry`` policy (:class:`~fantasy.retry.RetryPolicy`; the default retries
twice, as an agent does). Only when a model has failed for good (retries exhausted, or
an error that is not retryable) does ``on`` decide: the next model takes over, or the
model's error is raised. When the last model fails too, :class:`~fantasy.errors.FallbackError`
holds every model's error; it is not retryable, so an agent's own ``retry`` does not
start the chain again. It is also an instance of the kind of error every model failed
with, when they share one (a chain rate limited throughout raises a
``FallbackRateLimitError``, which ``except RateLimitError`` catches). An error ``on``
does not fall back on is raised as the model's own error (with ``attempts``, see
:func:`~fantasy.errors.attempts_of`): with the default
``on`` that is only ever a non-retryable one, but with a narrower ``on`` (say
``RateLimitError`` only) a retryable error such as a 503 reaches the agent, whose
``retry`` may then run the whole fallback again; give such an agent
``retry=RetryPolicy(max_retries=0)`` when the fallback's policy should be the only one.
(A fallback built with ``retry=RetryPolicy(max_retries=0)`` does not retry at all.)

**Streaming.** A model that fails before its first part is replaced silently. One that
fails after it is replaced too, and the stream says so with a
:class:`~fantasy.stream.Retry` part (``discarded`` parts are void, ``model`` names the
model taking over), exactly as an agent stream does when it retries a step. Retries of
the same model appear as ``Retry`` parts as well. Agents, object streams and
:class:`~fantasy.stream.StreamAccumulator` drop the void parts.

**Objects.** ``generate_object`` and ``stream_object`` fall back model by model, each
model building its own call in its own best object mode.

**Who answered.** Every response (and the stream's ``Finish`` part, and object
responses) carries ``provider_metadata["fallback"]``, a :class:`FallbackMetadata`
naming the model that answered; :func:`answered_by` reads it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias, TypeVar, overload

from pydantic import Field

from fantasy import stream
from fantasy.errors import (
    FallbackError,
    InvalidArgumentError,
    ProviderError,
    is_retryable,
)
from fantasy.model import BaseLanguageModel, Call, LanguageModel
from fantasy.options import ProviderData, get_provider_data
from fantasy.provider import Provider
from fantasy.response import Response
from fantasy.retry import Retrier, RetryPolicy

if TYPE_CHECKING:
    from fantasy._retry_provider import RetryingProvider
    from fantasy.object import ObjectCall, ObjectResponse, ObjectStream, SyncObjectStream

__all__ = [
    "FallbackError",
    "FallbackMetadata",
    "FallbackModel",
    "FallbackOn",
    "answered_by",
    "falls_back",
    "with_retry",
]

logger = logging.getLogger("fantasy")

METADATA_KEY = "fallback"
"""The ``provider_metadata`` key of :class:`FallbackMetadata`."""

FallbackOn: TypeAlias = Callable[[Exception], bool] | type[Exception] | tuple[type[Exception], ...]
"""When to fall back: a predicate of the model's last error, or exception types."""

R = TypeVar("R")


class FallbackMetadata(ProviderData):
    """Which model of a :class:`FallbackModel` answered (``provider_metadata["fallback"]``).

    Attributes:
        index: Position of the model that answered (0: the primary).
        provider: Its provider name.
        model_id: Its model id.
        failed: ``"provider:model_id: error"`` of each model that failed before it.
    """

    type_id: ClassVar[str] = "fallback.answer"

    index: int
    provider: str
    model_id: str
    failed: list[str] = Field(default_factory=list)


def answered_by(metadata: Mapping[str, Any] | None) -> FallbackMetadata | None:
    """The :class:`FallbackMetadata` in a response's ``provider_metadata``, if any."""
    return get_provider_data(metadata, METADATA_KEY, FallbackMetadata)


def _never(error: Exception) -> bool:
    return False


@overload
def with_retry(model: LanguageModel, retry: RetryPolicy) -> FallbackModel: ...


@overload
def with_retry(model: Provider, retry: RetryPolicy) -> RetryingProvider: ...


def with_retry(
    model: LanguageModel | Provider, retry: RetryPolicy
) -> FallbackModel | RetryingProvider:
    """``model`` with its plain calls retried under ``retry``, as an agent retries a step.

    ``generate``, ``stream``, ``generate_object`` and ``stream_object`` (and their sync
    twins) are retried per the policy (predicate, timeout and deadline included); a
    stream that fails after its first part continues after a
    :class:`~fantasy.stream.Retry` part whose ``discarded`` parts are void. When
    retrying gives up, the model's own last error is raised (with ``attempts``). It is a
    :class:`FallbackModel` with no fallback. An agent around it retries its steps under
    its own ``retry`` as well: give the agent ``retry=None`` to leave retrying to the
    model. Wrap per call for a per-call policy: ``await with_retry(model,
    policy).generate(call)``.

    Given a provider, it returns a
    :class:`~fantasy._retry_provider.RetryingProvider`: every language model it builds
    is wrapped so (``with_retry(OpenAIProvider(), policy).language_model("gpt-4o")``).
    """
    if isinstance(model, LanguageModel):
        return FallbackModel(model, on=_never, retry=retry)
    from fantasy._retry_provider import RetryingProvider

    if not isinstance(model, Provider):
        raise InvalidArgumentError(
            f"expects a language model or a provider, not {type(model).__name__}",
            argument="model",
        )
    return RetryingProvider(model, retry)


def falls_back(error: Exception) -> bool:
    """The default ``on``: any provider error, and any retryable error (transport failures)."""
    return isinstance(error, ProviderError) or is_retryable(error)


def _predicate(on: FallbackOn | None) -> Callable[[Exception], bool]:
    if on is None:
        return falls_back
    if isinstance(on, type | tuple):
        types = on

        def is_instance(error: Exception) -> bool:
            return isinstance(error, types)

        return is_instance
    if callable(on):
        return on
    raise InvalidArgumentError(
        "expects a predicate, an exception type or a tuple of them", argument="on"
    )


def _label(model: LanguageModel) -> str:
    return f"{model.provider}:{model.model_id}"


async def _close(iterator: AsyncIterator[Any]) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


class _Chain:
    """The failures of one fallback operation so far, and the decision after each."""

    def __init__(self, owner: FallbackModel) -> None:
        self.owner = owner
        self.errors: list[BaseException] = []
        self.labels: list[str] = []
        self.answered: int | None = None

    def give_up(self, index: int, error: Exception) -> None:
        """Model ``index`` failed for good: return to try the next one, or raise."""
        model = self.owner.models[index]
        self.errors.append(error)
        self.labels.append(_label(model))
        last = index == len(self.owner.models) - 1
        if not self.owner.on(error):
            if index > 0:
                error.add_note(f"fallback: {', '.join(self.failed()[:-1])} failed before")
            raise error
        if last:
            raise FallbackError(list(self.errors), list(self.labels)) from error
        logger.warning(
            "fallback: %s failed (%s: %s); trying %s",
            self.labels[-1],
            type(error).__name__,
            error,
            _label(self.owner.models[index + 1]),
        )

    def failed(self) -> list[str]:
        return [f"{label}: {error}" for label, error in zip(self.labels, self.errors, strict=True)]

    def metadata(self, index: int) -> FallbackMetadata:
        model = self.owner.models[index]
        return FallbackMetadata(
            index=index, provider=model.provider, model_id=model.model_id, failed=self.failed()
        )

    def mark(self, index: int, provider_metadata: Mapping[str, Any]) -> dict[str, Any]:
        return {**provider_metadata, METADATA_KEY: self.metadata(index)}


class FallbackModel(BaseLanguageModel):
    """A model that hands a failed call to the next model (see the module docstring).

    Args:
        primary: The model tried first.
        *fallbacks: The models tried next, in order (any provider).
        on: When to fall back, decided on a model's last error once its retries are
            spent: a predicate, an exception type or a tuple of types. Default:
            :func:`falls_back` (every :class:`~fantasy.errors.ProviderError`, and
            transport failures); usage errors such as
            :class:`~fantasy.errors.InvalidArgumentError` are raised at once.
        retry: Retries of each model before falling back (default ``RetryPolicy()``;
            ``RetryPolicy(max_retries=0)`` falls back on the first failure).

    Attributes:
        models: Every model, the primary first.
    """

    def __init__(
        self,
        primary: LanguageModel,
        *fallbacks: LanguageModel,
        on: FallbackOn | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        models = (primary, *fallbacks)
        for model in models:
            if not isinstance(model, LanguageModel):
                raise InvalidArgumentError(f"not a language model: {model!r}", argument="models")
        super().__init__(provider="fallback", model_id=",".join(_label(m) for m in models))
        self.models: tuple[LanguageModel, ...] = models
        self.on = _predicate(on)
        self.retry = retry if retry is not None else RetryPolicy()
        self.default_object_mode = getattr(primary, "default_object_mode", "json")

    def __repr__(self) -> str:
        return f"FallbackModel({' -> '.join(_label(m) for m in self.models)})"

    def supports_json_schema(self) -> bool:
        """True only when every model honours ``response_format`` schemas."""
        from fantasy._object_call import supports_json_schema

        return all(supports_json_schema(model) for model in self.models)

    # --- whole answers -------------------------------------------------------------------

    async def _first(self, run: Callable[[LanguageModel], Any], chain: _Chain) -> tuple[int, Any]:
        """``await run(model)`` model by model (with retries): the first answer and its index."""
        for index, model in enumerate(self.models):
            retrier = Retrier(self.retry)
            while True:
                try:
                    async with retrier.attempt():  # RetryPolicy.timeout / deadline
                        return index, await run(model)
                except Exception as error:  # noqa: BLE001 - classified by the retrier
                    failure: Exception = error
                try:
                    retry = retrier.next_retry(failure)
                except Exception as final:  # noqa: BLE001 - the model's final error
                    chain.give_up(index, final)
                    break
                await asyncio.sleep(retry.delay)
        raise AssertionError("unreachable: the last model's failure raises")  # pragma: no cover

    async def generate(self, call: Call) -> Response:
        """The first model's response that succeeds (retries per model, then fallback)."""
        chain = _Chain(self)
        index, response = await self._first(lambda model: model.generate(call), chain)
        assert isinstance(response, Response)
        return dataclasses.replace(
            response, provider_metadata=chain.mark(index, response.provider_metadata)
        )

    async def generate_object(self, call: ObjectCall[Any]) -> ObjectResponse[Any]:
        """The first model's object that succeeds; each model uses its own object mode."""
        chain = _Chain(self)
        index, answer = await self._first(lambda model: model.generate_object(call), chain)
        return _mark_object(answer, chain, index)

    # --- streams -------------------------------------------------------------------------

    def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        """The first model's stream that succeeds; a later switch is a ``Retry`` part."""
        return self._parts(lambda model: model.stream(call), _Chain(self))

    def stream_object(self, call: ObjectCall[Any]) -> ObjectStream[Any]:
        """Stream an object model by model (nothing is sent until iterated).

        Bad arguments (an unknown mode, an invalid schema) raise here, at once.
        """
        from fantasy._object_stream import FallbackObjectStream

        chain = _Chain(self)
        attempts = _ObjectAttempts(call, self.models[0].stream_object(call))

        def outcome() -> ObjectResponse[Any]:
            if attempts.current is None or chain.answered is None:
                raise RuntimeError("the object stream was closed before it finished")
            return _mark_object(attempts.current.outcome(), chain, chain.answered)

        return FallbackObjectStream(self._parts(attempts.open, chain), outcome)

    def stream_object_sync(self, call: ObjectCall[Any]) -> SyncObjectStream[Any]:
        """Blocking :meth:`stream_object`: iterate it, then call ``.result()``."""
        from fantasy._object_stream import SyncObjectStream

        return SyncObjectStream(self.stream_object(call))

    async def _parts(
        self, open_stream: Callable[[LanguageModel], AsyncIterator[Any]], chain: _Chain
    ) -> AsyncGenerator[Any, None]:
        """The parts of the first stream that succeeds, with ``Retry`` parts between tries."""
        attempt = 0
        for index, model in enumerate(self.models):
            retrier = Retrier(self.retry)
            while True:
                outcome = _Attempt()
                source = outcome.parts(open_stream(model), index, chain, retrier)
                async with aclosing(source) as parts:
                    async for part in parts:
                        yield part
                if outcome.failure is None:
                    chain.answered = index
                    return
                try:
                    retry = retrier.next_retry(outcome.failure)
                except Exception as final:  # noqa: BLE001 - the model's final error
                    try:
                        chain.give_up(index, final)
                    except Exception as raised:
                        if not outcome.in_band:
                            raise
                        yield stream.Error(raised)  # in-band errors stay in-band
                        return
                    if outcome.delivered:
                        attempt += 1
                        yield stream.Retry(
                            attempt=attempt,
                            error=final,
                            delay=0.0,
                            discarded=outcome.delivered,
                            model=_label(self.models[index + 1]),
                        )
                    break
                attempt += 1
                yield dataclasses.replace(retry, attempt=attempt, discarded=outcome.delivered)
                await asyncio.sleep(retry.delay)


class _Attempt:
    """One model stream of a fallback: its parts pass through; a failure is kept."""

    __slots__ = ("delivered", "failure", "in_band")

    def __init__(self) -> None:
        self.delivered = 0
        self.failure: Exception | None = None
        self.in_band = False

    async def parts(
        self, source: AsyncIterator[Any], index: int, chain: _Chain, retrier: Retrier
    ) -> AsyncGenerator[Any, None]:
        """Yield ``source``'s parts until it ends or fails (``Finish`` gets the metadata).

        Exceptions are caught only while waiting for the model's next part, never at
        our own ``yield``: what the consumer throws in is not a model failure. The
        policy's deadline ends a stream that is still running.
        """
        try:
            next_part = retrier.bounded(source.__anext__)
            while True:
                try:
                    part = await next_part()
                except StopAsyncIteration:
                    return
                except Exception as error:  # noqa: BLE001 - classified by the caller
                    self.failure = error
                    return
                if isinstance(part, stream.Error):
                    if not isinstance(part.error, Exception):
                        raise part.error
                    self.failure, self.in_band = part.error, True
                    return
                # A nested fallback's Retry voids its own parts: count afresh.
                self.delivered = 0 if isinstance(part, stream.Retry) else self.delivered + 1
                if isinstance(part, stream.Finish):
                    metadata = chain.mark(index, part.provider_metadata)
                    part = dataclasses.replace(part, provider_metadata=metadata)
                yield part
        finally:
            await _close(source)


class _ObjectAttempts:
    """Opens one object stream per attempt; the first one was opened eagerly."""

    def __init__(self, call: ObjectCall[Any], first: ObjectStream[Any]) -> None:
        self.call = call
        self.fresh: ObjectStream[Any] | None = first
        self.current: ObjectStream[Any] | None = None

    def open(self, model: LanguageModel) -> AsyncIterator[Any]:
        object_stream, self.fresh = self.fresh or model.stream_object(self.call), None
        self.current = object_stream
        return object_stream.__aiter__()


def _mark_object(answer: ObjectResponse[R], chain: _Chain, index: int) -> ObjectResponse[R]:
    response = answer.response
    return dataclasses.replace(
        answer,
        provider_metadata=chain.mark(index, answer.provider_metadata),
        response=dataclasses.replace(
            response, provider_metadata=chain.mark(index, response.provider_metadata)
        ),
    )
