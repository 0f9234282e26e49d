"""The model seam's request: one step's model call, with its retries, in either mode.

:class:`ModelRequest` is what :meth:`fantasy._agent_run.AgentRun.request` returns:
iterate it for the step's events (the model's stream parts and a
:class:`~fantasy.stream.Retry` before each new attempt), then read ``response``. The
only difference between the modes is here: non-streaming awaits ``model.generate``,
streaming iterates ``model.stream`` and folds the parts with a
:class:`~fantasy.stream.StreamAccumulator`. An in-band ``stream.Error`` part fails the
attempt like a raised error; a ``stream.Retry`` from the model itself (a fallback
switching models) voids the parts before it just as the request's own retries do.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator

from fantasy import stream
from fantasy._agent_events import dispatch_part, has_part_callbacks
from fantasy._agent_plan import StepPlan
from fantasy._agent_settings import Settings, fire
from fantasy.response import Response
from fantasy.retry import Retrier

__all__ = ["ModelRequest"]


async def _close(iterator: AsyncIterator[object]) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


class ModelRequest:
    """One step's model request and its retries: iterate its events, then read ``response``.

    In streaming mode the events are the model's stream parts and a
    :class:`~fantasy.retry.Retry` before each new attempt; in non-streaming mode only the
    ``Retry`` events. ``response`` is set once the iteration has ended normally.
    :meth:`completed` makes a request that yields nothing and already holds its
    response (for a wrapper replaying a recorded step).
    """

    __slots__ = ("_events", "plan", "response")

    def __init__(self, plan: StepPlan, *, settings: Settings, streaming: bool) -> None:
        self.plan = plan
        self.response: Response | None = None
        self._events = self._attempts(settings, streaming)

    @classmethod
    def completed(cls, plan: StepPlan, response: Response) -> ModelRequest:
        """A request whose response is already known (it yields no event)."""
        request = cls.__new__(cls)
        request.plan, request.response, request._events = plan, response, _nothing()
        return request

    def __aiter__(self) -> AsyncGenerator[stream.StreamPart, None]:
        return self._events

    async def aclose(self) -> None:
        """Stop the request (closes the model's stream)."""
        await self._events.aclose()

    async def _attempts(
        self, settings: Settings, streaming: bool
    ) -> AsyncGenerator[stream.StreamPart, None]:
        retrier = Retrier(settings.retry)
        dispatch = has_part_callbacks(settings)
        while True:
            delivered = 0
            failure: Exception | None = None
            if streaming:
                accumulator = stream.StreamAccumulator()
                parts = self.plan.model.stream(self.plan.call)
                try:
                    next_part = parts.__anext__
                    while True:
                        try:
                            part = await next_part()
                        except StopAsyncIteration:
                            break
                        except Exception as error:  # noqa: BLE001 - classified by the retrier
                            failure = error
                            break
                        if isinstance(part, stream.Error):
                            failure = _failure(part)
                            break
                        if isinstance(part, stream.Retry):
                            # The model retried or switched models by itself: the
                            # parts delivered so far are void, as after our own retry.
                            accumulator.reset()
                            part = dataclasses.replace(part, discarded=delivered)
                            delivered = 0
                            await fire(settings.on_retry, part)
                            yield part
                            continue
                        accumulator.add(part)
                        if dispatch:  # for speed: no coroutine per part without callbacks
                            await dispatch_part(settings, part)
                        delivered += 1
                        yield part
                finally:
                    await _close(parts)
                if failure is None:
                    self.response = accumulator.response()
                    return
            else:
                failure = await self._generate()
                if failure is None:
                    return
            retry = dataclasses.replace(retrier.next_retry(failure), discarded=delivered)
            await fire(settings.on_retry, retry)
            yield retry
            await asyncio.sleep(retry.delay)

    async def _generate(self) -> Exception | None:
        """One non-streaming attempt: sets ``response``, or returns why it failed."""
        try:
            self.response = await self.plan.model.generate(self.plan.call)
        except Exception as error:  # noqa: BLE001 - classified by the retrier
            return error
        return None


def _failure(part: stream.Error) -> Exception:
    """The error of an in-band error part (anything but an ``Exception`` is raised)."""
    if not isinstance(part.error, Exception):
        raise part.error
    return part.error


async def _nothing() -> AsyncGenerator[stream.StreamPart, None]:
    return
    yield  # an async generator that yields nothing
