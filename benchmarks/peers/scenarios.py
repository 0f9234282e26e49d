"""What the benchmark server streams, per dialect and kind, and what a client must get back.

Dialects: ``chat`` (OpenAI Chat Completions), ``responses`` (OpenAI Responses),
``anthropic`` (Anthropic Messages), ``gemini`` (``streamGenerateContent?alt=sse``).
Kinds: ``text`` (N text deltas), ``tool`` (one tool call whose arguments arrive in N
fragments) and ``reasoning`` (N reasoning deltas). Each event is one SSE event; the
payloads follow the providers' documented wire formats with the fields the clients read.

The server and the clients both import this module, so that every client's result is
compared exactly with what was sent (:func:`expected`).
"""

from __future__ import annotations

import json
from typing import Any

DIALECTS = ("chat", "responses", "anthropic", "gemini")
KINDS = ("text", "tool", "reasoning")
TOOL_NAME = "lookup"

Event = tuple[str | None, dict[str, Any]]  # (SSE event name or None, JSON payload)


def fragment(i: int) -> str:
    """The i-th text or reasoning delta."""
    return f"tok{i} "


def arg_piece(i: int) -> str:
    """The i-th piece of the tool argument's string value."""
    return f"a{i}"


def args_fragments(n: int) -> list[str]:
    """The tool arguments as N JSON text fragments: ``{"q": "`` ... ``"}``."""
    if n < 3:
        raise ValueError("a tool scenario needs N >= 3")
    return ['{"q": "', *(arg_piece(i) for i in range(1, n - 1)), '"}']


def expected(dialect: str, kind: str, n: int) -> tuple[str, Any, str]:
    """(text, parsed tool arguments or None, reasoning) of the stream."""
    if kind == "text":
        return "".join(fragment(i) for i in range(n)), None, ""
    if kind == "reasoning":
        return "", None, "".join(fragment(i) for i in range(n))
    if dialect == "gemini":  # N partialArgs pieces of one string value
        return "", {"q": "".join(arg_piece(i) for i in range(n))}, ""
    return "", json.loads("".join(args_fragments(n))), ""


def events(dialect: str, kind: str, n: int) -> list[Event]:
    return {"chat": _chat, "responses": _responses, "anthropic": _anthropic, "gemini": _gemini}[
        dialect
    ](kind, n)


def _chat(kind: str, n: int) -> list[Event]:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> Event:
        return None, {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    out = [chunk({"role": "assistant", "content": ""})]
    if kind == "text":
        out += [chunk({"content": fragment(i)}) for i in range(n)]
        out.append(chunk({}, "stop"))
    elif kind == "reasoning":
        out += [chunk({"reasoning_content": fragment(i)}) for i in range(n)]
        out.append(chunk({}, "stop"))
    else:
        head = {"index": 0, "id": "call_1", "type": "function"}
        function = {"name": TOOL_NAME, "arguments": ""}
        out.append(chunk({"tool_calls": [{**head, "function": function}]}))
        out += [
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            for piece in args_fragments(n)
        ]
        out.append(chunk({}, "tool_calls"))
    usage = {"prompt_tokens": 5, "completion_tokens": n, "total_tokens": n + 5}
    out.append((None, {**base, "choices": [], "usage": usage}))
    return out


def _responses(kind: str, n: int) -> list[Event]:
    seq = iter(range(1_000_000_000))

    def ev(name: str, **fields: Any) -> Event:
        return name, {"type": name, "sequence_number": next(seq), **fields}

    def response(status: str, output: list[dict[str, Any]]) -> dict[str, Any]:
        usage = {
            "input_tokens": 5,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": n,
            "output_tokens_details": {"reasoning_tokens": n if kind == "reasoning" else 0},
            "total_tokens": n + 5,
        }
        return {
            "id": "resp_1",
            "object": "response",
            "created_at": 1,
            "status": status,
            "model": "m",
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": usage if status == "completed" else None,
        }

    out = [ev("response.created", response=response("in_progress", []))]
    where = {"output_index": 0}
    if kind == "text":
        full = "".join(fragment(i) for i in range(n))
        item = {"id": "msg_1", "type": "message", "status": "in_progress", "role": "assistant"}
        part = {"type": "output_text", "annotations": [], "logprobs": []}
        at = {"item_id": "msg_1", **where, "content_index": 0}
        out.append(ev("response.output_item.added", **where, item={**item, "content": []}))
        out.append(ev("response.content_part.added", **at, part={**part, "text": ""}))
        out += [
            ev("response.output_text.delta", **at, delta=fragment(i), logprobs=[]) for i in range(n)
        ]
        out.append(ev("response.output_text.done", **at, text=full, logprobs=[]))
        out.append(ev("response.content_part.done", **at, part={**part, "text": full}))
        done = {**item, "status": "completed", "content": [{**part, "text": full}]}
    elif kind == "reasoning":
        full = "".join(fragment(i) for i in range(n))
        at = {"item_id": "rs_1", **where, "summary_index": 0}
        out.append(
            ev(
                "response.output_item.added",
                **where,
                item={"id": "rs_1", "type": "reasoning", "summary": []},
            )
        )
        out.append(
            ev(
                "response.reasoning_summary_part.added",
                **at,
                part={"type": "summary_text", "text": ""},
            )
        )
        out += [
            ev("response.reasoning_summary_text.delta", **at, delta=fragment(i)) for i in range(n)
        ]
        out.append(ev("response.reasoning_summary_text.done", **at, text=full))
        out.append(
            ev(
                "response.reasoning_summary_part.done",
                **at,
                part={"type": "summary_text", "text": full},
            )
        )
        done = {
            "id": "rs_1",
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": full}],
        }
    else:
        pieces = args_fragments(n)
        full = "".join(pieces)
        item = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": TOOL_NAME}
        at = {"item_id": "fc_1", **where}
        out.append(
            ev(
                "response.output_item.added",
                **where,
                item={**item, "status": "in_progress", "arguments": ""},
            )
        )
        out += [ev("response.function_call_arguments.delta", **at, delta=p) for p in pieces]
        out.append(ev("response.function_call_arguments.done", **at, arguments=full))
        done = {**item, "status": "completed", "arguments": full}
    out.append(ev("response.output_item.done", **where, item=done))
    out.append(ev("response.completed", response=response("completed", [done])))
    return out


def _anthropic(kind: str, n: int) -> list[Event]:
    def ev(name: str, **fields: Any) -> Event:
        return name, {"type": name, **fields}

    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 1},
    }
    out = [ev("message_start", message=message)]
    if kind == "text":
        block: dict[str, Any] = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": fragment(i)} for i in range(n)]
    elif kind == "reasoning":
        block = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [{"type": "thinking_delta", "thinking": fragment(i)} for i in range(n)]
        deltas.append({"type": "signature_delta", "signature": "c2lnbmF0dXJl"})
    else:
        block = {"type": "tool_use", "id": "toolu_1", "name": TOOL_NAME, "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": p} for p in args_fragments(n)]
    out.append(ev("content_block_start", index=0, content_block=block))
    out += [ev("content_block_delta", index=0, delta=d) for d in deltas]
    out.append(ev("content_block_stop", index=0))
    stop = "tool_use" if kind == "tool" else "end_turn"
    out.append(
        ev(
            "message_delta",
            delta={"stop_reason": stop, "stop_sequence": None},
            usage={"output_tokens": n},
        )
    )
    out.append(ev("message_stop"))
    return out


def _gemini(kind: str, n: int) -> list[Event]:
    def chunk(parts: list[dict[str, Any]], finish: str | None = None) -> Event:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        body: dict[str, Any] = {"candidates": [candidate], "modelVersion": "m", "responseId": "r1"}
        if finish:
            candidate["finishReason"] = finish
            body["usageMetadata"] = {
                "promptTokenCount": 5,
                "candidatesTokenCount": n,
                "totalTokenCount": n + 5,
            }
        return None, body

    if kind == "text":
        out = [chunk([{"text": fragment(i)}]) for i in range(n)]
    elif kind == "reasoning":
        out = [chunk([{"text": fragment(i), "thought": True}]) for i in range(n)]
    else:  # streamed function-call arguments: the name first, then N partialArgs pieces
        call: dict[str, Any] = {"name": TOOL_NAME, "id": "call_1", "willContinue": True}
        out = [chunk([{"functionCall": call}])]
        for i in range(n):
            entry = {"jsonPath": "$.q", "stringValue": arg_piece(i), "willContinue": True}
            out.append(chunk([{"functionCall": {"partialArgs": [entry], "willContinue": True}}]))
        last = {"jsonPath": "$.q", "stringValue": ""}
        out.append(chunk([{"functionCall": {"partialArgs": [last]}}]))
    out.append(chunk([], "STOP"))
    return out


def sse(dialect: str, kind: str, n: int) -> list[bytes]:
    """Every SSE event of the stream, encoded (Chat Completions ends with ``[DONE]``)."""
    encoded = []
    for name, payload in events(dialect, kind, n):
        data = b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"
        encoded.append(b"event: " + name.encode() + b"\n" + data if name else data)
    if dialect == "chat":
        encoded.append(b"data: [DONE]\n\n")
    return encoded
