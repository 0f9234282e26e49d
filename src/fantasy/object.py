"""Structured objects: generate and stream typed objects on every provider.

Ask for an object with a JSON Schema or a Python type::

    from fantasy.object import ObjectCall, generate_object
    from fantasy.messages import user_message

    class Person(pydantic.BaseModel):
        name: str
        age: int

    response = await model.generate_object(
        ObjectCall(prompt=[user_message("Invent a person.")], schema=Person)
    )
    person: Person = response.object

The mode says how the model is asked (see :class:`ObjectCall`): ``json`` (the
provider's native JSON mode via ``Call.response_format``; on a model whose
``supports_json_schema()`` is false, the schema also goes in a system instruction as in
``text`` mode), ``tool`` (a forced tool call whose input is the object), ``text`` (the
schema in a system instruction) or ``auto`` (the model's ``default_object_mode``).
Every mode parses the answer the same way: strict JSON, then repair (markdown fences,
trailing commas, truncated output), then validation, then the caller's ``repair`` hook,
else :class:`~fantasy.errors.NoObjectGeneratedError`.

Streaming yields the model's parts plus :class:`ObjectPart` parts: partial objects as
the JSON grows, then the validated object and a ``Finish`` part (or an ``Error`` part
with ``NoObjectGeneratedError``)::

    object_stream = model.stream_object(call)
    async for partial in object_stream.partial_objects():
        render(partial)
    person = (await object_stream.result()).object
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typing_extensions import TypeVar

from fantasy._object_call import TEXT_INSTRUCTION, ObjectCall, ObjectResponse, build_plan
from fantasy._object_parse import RepairFunction, parse_json_text
from fantasy._object_parse import finalize_object as _finalize_object
from fantasy._object_stream import ObjectPart, ObjectStream, ObjectStreamPart, SyncObjectStream
from fantasy.errors import NoObjectGeneratedError
from fantasy.messages import user_message

if TYPE_CHECKING:
    from fantasy.model import LanguageModel

__all__ = [
    "TEXT_INSTRUCTION",
    "NoObjectGeneratedError",
    "ObjectCall",
    "ObjectPart",
    "ObjectResponse",
    "ObjectStream",
    "ObjectStreamPart",
    "RepairFunction",
    "SyncObjectStream",
    "generate_object",
    "generate_object_sync",
    "generate_typed",
    "parse_json_text",
    "stream_object",
    "stream_object_sync",
]

T = TypeVar("T", default=Any)


async def generate_object(model: LanguageModel, call: ObjectCall[T]) -> ObjectResponse[T]:
    """Generate an object with ``model``; raises :class:`NoObjectGeneratedError`.

    Prefer ``await model.generate_object(call)``, which delegates here.
    """
    plan = build_plan(model, call)
    response = await model.generate(plan.call)
    raw_text = plan.raw_text(response)
    finish_reason = plan.finish_reason(response.finish_reason)
    obj = await _finalize_object(
        plan.target,
        raw_text,
        repair=plan.repair,
        usage=response.usage,
        finish_reason=finish_reason,
    )
    return ObjectResponse(
        object=obj,
        raw_text=raw_text,
        usage=response.usage,
        finish_reason=finish_reason,
        raw_finish_reason=response.raw_finish_reason,
        warnings=response.warnings,
        provider_metadata=response.provider_metadata,
        response=response,
    )


def stream_object(model: LanguageModel, call: ObjectCall[T]) -> ObjectStream[T]:
    """Stream an object with ``model`` (nothing is sent until the stream is iterated).

    Bad arguments (an unknown mode, an invalid schema) raise here, at once.
    Prefer ``model.stream_object(call)``, which delegates here.
    """
    return ObjectStream(model, build_plan(model, call))


def generate_object_sync(model: LanguageModel, call: ObjectCall[T]) -> ObjectResponse[T]:
    """Blocking :func:`generate_object`."""
    from fantasy._sync import run_sync

    return run_sync(generate_object(model, call))


def stream_object_sync(model: LanguageModel, call: ObjectCall[T]) -> SyncObjectStream[T]:
    """Blocking :func:`stream_object`: iterate the parts, then call ``result()``."""
    return SyncObjectStream(stream_object(model, call))


async def generate_typed(
    model: LanguageModel, prompt: str, output_type: type[T], **options: Any
) -> T:
    """Ask ``model`` for an instance of ``output_type`` from a one-line prompt.

    Args:
        model: The model.
        prompt: The user's request.
        output_type: A pydantic model, dataclass, ``TypedDict``, ``list[...]``, ...
        **options: Other :class:`ObjectCall` fields (``mode``, ``schema_name``,
            ``max_output_tokens``, ``repair``, ...).

    Raises:
        NoObjectGeneratedError: The answer could not be turned into ``output_type``.
    """
    call: ObjectCall[T] = ObjectCall(prompt=[user_message(prompt)], schema=output_type, **options)
    response = await generate_object(model, call)
    return response.object
