"""``--json``: one JSON object per agent event on stdout, for scripts.

Each line is an object with a ``"type"``: the event's own type string (``"text-delta"``,
``"tool-call"``, ``"retry"``, ``"step-start"``, ``"step-finish"``, ...), its fields as
JSON (bytes as base64, errors as ``{"type", "message"}``), and finally one
``{"type": "result", ...}`` line, or ``{"type": "error", ...}`` when the run failed.
Notices still go to stderr.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, TextIO

from fantasy.cli._printer import Printer

if TYPE_CHECKING:
    from fantasy.agent import AgentResult
    from fantasy.model import LanguageModel
    from fantasy.usage import Usage

__all__ = ["JsonPrinter", "error_json", "event_json", "plain"]


def error_json(error: BaseException) -> dict[str, Any]:
    """``{"type": "RateLimitError", "message": "..."}`` (plus ``status`` when known)."""
    data: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    status = getattr(error, "status_code", None)
    if isinstance(status, int):
        data["status"] = status
    return data


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, BaseException):
        return error_json(value)
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return plain(to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


def event_json(event: object) -> dict[str, Any] | None:
    """One agent event as a JSON object (``None`` for what is not an event)."""
    from fantasy._agent_events import StepFinish, StepStart

    if isinstance(event, StepStart):  # the call (whole prompt and tools) is left out
        return {"type": event.type, "step_number": event.step_number}
    if isinstance(event, StepFinish):
        step = event.step
        return {
            "type": event.type,
            "step_number": event.step_number,
            "finish_reason": plain(step.finish_reason),
            "usage": step.usage.to_dict(),
            "text": step.text,
        }
    if not dataclasses.is_dataclass(event) or isinstance(event, type):
        return None
    data = {f.name: plain(getattr(event, f.name)) for f in dataclasses.fields(event)}
    return {"type": data.pop("type", type(event).__name__), **data}


class JsonPrinter(Printer):
    """Writes every event as a JSON line to ``out``; notices go to ``err`` as usual."""

    def __init__(self, out: TextIO, err: TextIO, *, quiet: bool = False) -> None:
        """JSON lines on ``out``; ``quiet`` hides the notices on ``err``."""
        super().__init__(out, err, quiet=quiet, hold=True, spinner=False)

    def write(self, data: Mapping[str, Any]) -> None:
        """Write one JSON line."""
        self.out.write(json.dumps(data, ensure_ascii=False) + "\n")
        self.out.flush()

    def show(self, event: object) -> None:
        """Write ``event`` as one JSON line."""
        from fantasy.stream import Retry

        if isinstance(event, Retry):
            self.retries += 1
        data = event_json(event)
        if data is not None:
            self.write(data)

    def end_answer(self) -> None:
        """Nothing to close: every line is complete."""

    def abandon(self) -> None:
        """Nothing is held."""

    def result(
        self, result: AgentResult, model: LanguageModel, *, session: Usage | None = None
    ) -> None:
        """Write the closing ``{"type": "result"}`` line."""
        data: dict[str, Any] = {
            "type": "result",
            "text": result.text,
            "model": f"{model.provider}:{model.model_id}",
            "steps": len(result.steps),
            "stop_reason": plain(result.stop_reason),
            "usage": result.total_usage.to_dict(),
        }
        if session is not None:
            data["session_usage"] = session.to_dict()
        self.write(data)

    def error(self, error: BaseException) -> None:
        """Write the closing ``{"type": "error"}`` line of a failed run."""
        self.write({"type": "error", "error": error_json(error)})
