"""Call → Gemini ``generateContent`` request body (pure; no I/O).

Wire rules (Gemini API and Vertex AI alike, except where noted):

* System messages → ``systemInstruction: {"parts": [{"text"}...], "role": "user"}``.
* User messages → ``{"role": "user", "parts": [...]}`` with text, ``inlineData``
  (bytes, base64) and ``fileData`` (URLs / file URIs) parts.
* Assistant messages → ``{"role": "model", "parts": [...]}``. Thought text is never
  sent back; a reasoning part's thought signature (``google`` metadata) is attached as
  ``thoughtSignature`` to the first part that follows it. Tool calls become
  ``{"functionCall": {"id", "name", "args": <object>}}``.
* Tool messages → one ``user`` content of ``functionResponse`` parts: ``response`` is
  ``{"result": <text>}`` or ``{"error": <text>}``; media results carry their bytes as
  ``inlineData`` entries of ``functionResponse.parts``.
* On Vertex AI, ``functionCall.id`` and ``functionResponse.id`` are omitted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from fantasy._tool_schema import normalize_tool_schema
from fantasy.errors import InvalidArgumentError
from fantasy.messages import (
    ErrorOutput,
    FilePart,
    MediaOutput,
    Message,
    ReasoningPart,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from fantasy.model import Call
from fantasy.options import get_provider_data, namespace_warnings
from fantasy.providers._media import encode_base64, media_type_of, parse_data_url, sniff_image_type
from fantasy.providers.google import _wire as wire
from fantasy.providers.google.options import (
    PROVIDER_KEY,
    GoogleProviderOptions,
    GoogleReasoningMetadata,
    ThinkingConfig,
)
from fantasy.providers.google.schema import plain_json_schema, to_gemini_parameters
from fantasy.tools import FunctionTool, SpecificToolChoice
from fantasy.usage import CallWarning

__all__ = ["build_request", "convert_prompt"]

# Gemini 2.5 models refuse thinking budgets below 128 tokens (the smallest budget the
# Pro model accepts), so positive budgets under it are raised to it.
MIN_THINKING_BUDGET = 128

_TOOL_CHOICE_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY"}

# Built-in Gemini tools, by provider-defined tool id.
_BUILTIN_TOOLS = {"google.google_search": "googleSearch", "google.url_context": "urlContext"}


def build_request(call: Call, *, vertex: bool = False) -> tuple[wire.Request, list[CallWarning]]:
    """Build the request body of ``call`` and the warnings for what could not be sent.

    Args:
        call: The model call.
        vertex: Build for Vertex AI (no function-call ids on the wire).

    Raises:
        InvalidArgumentError: the call cannot be expressed (bad options, unknown tool
            choice, a tool result without a matching call, ...).
    """
    warnings: list[CallWarning] = namespace_warnings(call.provider_options)
    options = get_provider_data(call.provider_options, PROVIDER_KEY, GoogleProviderOptions)
    system, contents = convert_prompt(call.prompt, vertex=vertex, warnings=warnings)
    body: wire.Request = {"contents": contents}
    if system is not None:
        body["systemInstruction"] = system
    config = _generation_config(call, options)
    if config:
        body["generationConfig"] = config
    tools, tool_config = _tools(call, warnings)
    if tools:
        body["tools"] = tools
    if tool_config:
        body["toolConfig"] = tool_config
    if options is not None:
        _request_options(body, options, vertex=vertex, warnings=warnings)
    return body, warnings


def convert_prompt(
    prompt: Sequence[Message], *, vertex: bool = False, warnings: list[CallWarning] | None = None
) -> tuple[wire.Content | None, list[wire.Content]]:
    """Convert messages to ``(systemInstruction, contents)``."""
    return _PromptConverter(vertex, warnings if warnings is not None else []).run(prompt)


class _PromptConverter:
    def __init__(self, vertex: bool, warnings: list[CallWarning]) -> None:
        self.vertex = vertex
        self.warnings = warnings
        self.call_names: dict[str, str] = {}

    def run(self, prompt: Sequence[Message]) -> tuple[wire.Content | None, list[wire.Content]]:
        system_parts: list[wire.Part] = []
        contents: list[wire.Content] = []
        for message in prompt:
            if message.role == "system":
                if contents:
                    self.warnings.append(
                        CallWarning(
                            type="other",
                            message="Gemini takes one system instruction: a system message "
                            "after the first user message was moved into it",
                        )
                    )
                system_parts.extend(self._system_parts(message))
                continue
            content = self._content(message)
            if content["parts"]:
                contents.append(content)
        system: wire.Content | None = (
            {"parts": system_parts, "role": "user"} if system_parts else None
        )
        return system, contents

    def _content(self, message: Message) -> wire.Content:
        if message.role == "user":
            return {
                "role": "user",
                "parts": [p for p in map(self._user_part, message.content) if p],
            }
        if message.role == "assistant":
            return {"role": "model", "parts": self._model_parts(message)}
        return {"role": "user", "parts": self._tool_parts(message)}

    def _system_parts(self, message: Message) -> list[wire.Part]:
        parts: list[wire.Part] = []
        for part in message.content:
            if not isinstance(part, TextPart):
                raise InvalidArgumentError(f"a system message cannot hold a {part.type} part")
            if part.text:
                parts.append({"text": part.text})
        return parts

    def _user_part(self, part: Any) -> wire.Part | None:
        if isinstance(part, TextPart):
            return {"text": part.text} if part.text else None
        if isinstance(part, FilePart):
            return file_part(part)
        raise InvalidArgumentError(f"a user message cannot hold a {part.type} part")

    def _model_parts(self, message: Message) -> list[wire.Part]:
        parts: list[wire.Part] = []
        signature = ""
        for item in message.content:
            if isinstance(item, ReasoningPart):
                new = _signature_of(item)
                if new and signature:
                    parts.append({"text": "", "thoughtSignature": signature})
                signature = new or signature
                continue
            part = self._model_part(item)
            if part is None:
                continue
            if signature:
                part["thoughtSignature"] = signature
                signature = ""
            parts.append(part)
        if signature:
            # The signature came after the last part (Gemini sends it on a final empty
            # text part when streaming): send it back the way it arrived.
            parts.append({"text": "", "thoughtSignature": signature})
        return parts

    def _model_part(self, item: Any) -> wire.Part | None:
        if isinstance(item, TextPart):
            return {"text": item.text} if item.text else None
        if isinstance(item, FilePart):
            return file_part(item)
        if isinstance(item, ToolCallPart) and not item.provider_executed:
            self.call_names[item.tool_call_id] = item.tool_name
            call: wire.FunctionCall = {"name": item.tool_name}
            if item.tool_call_id and not self.vertex:
                call["id"] = item.tool_call_id
            args = _parse_args(item)
            if args:
                call["args"] = args
            return {"functionCall": call}
        if isinstance(item, ToolCallPart | ToolResultPart):
            self.warnings.append(
                CallWarning(
                    type="other",
                    message=f"provider-executed {item.type} {item.tool_call_id!r} "
                    "cannot be replayed to Gemini and was left out",
                )
            )
            return None
        raise InvalidArgumentError(f"an assistant message cannot hold a {item.type} part")

    def _tool_parts(self, message: Message) -> list[wire.Part]:
        parts: list[wire.Part] = []
        for item in message.content:
            if not isinstance(item, ToolResultPart):
                raise InvalidArgumentError(f"a tool message cannot hold a {item.type} part")
            parts.append({"functionResponse": self._function_response(item)})
        return parts

    def _function_response(self, part: ToolResultPart) -> wire.FunctionResponse:
        name = self.call_names.get(part.tool_call_id) or part.tool_name
        if not name:
            raise InvalidArgumentError(
                f"tool result {part.tool_call_id!r} matches no earlier tool call and has "
                "no tool_name; Gemini needs the function name"
            )
        response: wire.FunctionResponse = {"name": name}
        if part.tool_call_id and not self.vertex:
            response["id"] = part.tool_call_id
        output = part.output
        if isinstance(output, TextOutput):
            response["response"] = {"result": output.text}
        elif isinstance(output, ErrorOutput):
            response["response"] = {"error": output.error}
        elif isinstance(output, MediaOutput):
            media_type = media_type_of(output.media_type)
            response["response"] = {"result": output.text or f"[{media_type} attached]"}
            response["parts"] = [
                {"inlineData": {"mimeType": media_type, "data": encode_base64(output.data)}}
            ]
        return response


def file_part(part: FilePart) -> wire.Part:
    """A file as ``inlineData`` (bytes or a data URL) or ``fileData`` (any other URL)."""
    media_type = media_type_of(part.media_type)
    data = part.data
    if data is None and part.url is not None:
        decoded = parse_data_url(part.url)
        if decoded is None:
            return {"fileData": {"mimeType": media_type, "fileUri": part.url}}
        media_type = media_type if "/" in media_type and "*" not in media_type else decoded[0]
        data = decoded[1]
    if data is None:  # pragma: no cover - FilePart guarantees data or url
        raise InvalidArgumentError("a file part needs data or a url")
    if media_type in ("image/*", "image"):
        sniffed = sniff_image_type(data)
        if sniffed is None:
            raise InvalidArgumentError(f"cannot tell the image type of file {part.filename!r}")
        media_type = sniffed
    return {"inlineData": {"mimeType": media_type, "data": encode_base64(data)}}


def _signature_of(part: ReasoningPart) -> str:
    metadata = get_provider_data(part.provider_options, PROVIDER_KEY, GoogleReasoningMetadata)
    return metadata.signature if metadata is not None else ""


def _parse_args(part: ToolCallPart) -> dict[str, Any]:
    if not part.input.strip():
        return {}
    try:
        args = json.loads(part.input)
    except ValueError as error:
        raise InvalidArgumentError(
            f"tool call {part.tool_call_id!r} ({part.tool_name}) has input that is not "
            f"JSON, which Gemini cannot take back: {error}"
        ) from error
    if not isinstance(args, dict):
        raise InvalidArgumentError(
            f"tool call {part.tool_call_id!r} ({part.tool_name}) input must be a JSON object"
        )
    return args


def _generation_config(call: Call, options: GoogleProviderOptions | None) -> wire.GenerationConfig:
    config: wire.GenerationConfig = {}
    if call.max_output_tokens is not None:
        config["maxOutputTokens"] = call.max_output_tokens
    if call.temperature is not None:
        config["temperature"] = call.temperature
    if call.top_p is not None:
        config["topP"] = call.top_p
    if call.top_k is not None:
        config["topK"] = call.top_k
    if call.presence_penalty is not None:
        config["presencePenalty"] = call.presence_penalty
    if call.frequency_penalty is not None:
        config["frequencyPenalty"] = call.frequency_penalty
    if call.stop_sequences:
        config["stopSequences"] = list(call.stop_sequences)
    if call.seed is not None:
        config["seed"] = call.seed
    _output_config(config, call, options)
    return config


def _output_config(
    config: wire.GenerationConfig, call: Call, options: GoogleProviderOptions | None
) -> None:
    """JSON output, thinking and output modalities."""
    if call.response_format is not None:
        config["responseMimeType"] = "application/json"
        if call.response_format.schema:
            config["responseJsonSchema"] = plain_json_schema(call.response_format.schema)
    if options is None:
        return
    if options.thinking_config is not None:
        thinking = _thinking_config(options.thinking_config)
        if thinking:
            config["thinkingConfig"] = thinking
    if options.response_modalities:
        config["responseModalities"] = list(options.response_modalities)


def _thinking_config(options: ThinkingConfig) -> wire.ThinkingConfig:
    config: wire.ThinkingConfig = {}
    if options.include_thoughts is not None:
        config["includeThoughts"] = options.include_thoughts
    budget = options.thinking_budget
    if budget is not None:
        # 0 (off) and -1 (dynamic) are special values and go through unchanged.
        config["thinkingBudget"] = (
            MIN_THINKING_BUDGET if 0 < budget < MIN_THINKING_BUDGET else budget
        )
    if options.thinking_level:
        config["thinkingLevel"] = options.thinking_level.upper()
    return config


def _tools(
    call: Call, warnings: list[CallWarning]
) -> tuple[list[wire.Tool], wire.ToolConfig | None]:
    declarations: list[wire.FunctionDeclaration] = []
    builtins: list[wire.Tool] = []
    for tool in call.tools:
        if isinstance(tool, FunctionTool):
            declarations.append(_declaration(tool, warnings))
        elif tool.id in _BUILTIN_TOOLS:
            builtin: dict[str, Any] = {_BUILTIN_TOOLS[tool.id]: dict(tool.args)}
            builtins.append(builtin)  # type: ignore[arg-type]
        else:
            warnings.append(
                CallWarning(
                    type="unsupported-tool",
                    setting=tool.name,
                    details=f"Gemini has no provider-defined tool {tool.id!r}",
                )
            )
    tools: list[wire.Tool] = [{"functionDeclarations": declarations}] if declarations else []
    tools.extend(builtins)
    return tools, _tool_config(call, declarations, warnings)


def _declaration(tool: FunctionTool, warnings: list[CallWarning]) -> wire.FunctionDeclaration:
    declaration: wire.FunctionDeclaration = {"name": tool.name}
    if tool.description:
        declaration["description"] = tool.description
    parameters, schema_warnings = to_gemini_parameters(
        normalize_tool_schema(tool.input_schema), setting=f"tools[{tool.name}].input_schema"
    )
    warnings.extend(schema_warnings)
    if parameters is not None:
        declaration["parameters"] = parameters
    return declaration


def _tool_config(
    call: Call, declarations: list[wire.FunctionDeclaration], warnings: list[CallWarning]
) -> wire.ToolConfig | None:
    choice = call.tool_choice
    if choice is None:
        return None
    names = [declaration["name"] for declaration in declarations]
    if isinstance(choice, SpecificToolChoice):
        if choice.tool_name not in names:
            raise InvalidArgumentError(
                f"tool choice names {choice.tool_name!r}, which is not among the call's "
                "function tools",
                argument="tool_choice",
            )
        return {
            "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [choice.tool_name]}
        }
    mode = _TOOL_CHOICE_MODES.get(choice)
    if mode is None:
        raise InvalidArgumentError(f"unknown tool choice {choice!r}", argument="tool_choice")
    if not names:
        if choice == "required":
            warnings.append(CallWarning.unsupported("tool_choice", "no function tools to require"))
        return None
    return {"functionCallingConfig": {"mode": mode}}


def _request_options(
    body: wire.Request,
    options: GoogleProviderOptions,
    *,
    vertex: bool,
    warnings: list[CallWarning],
) -> None:
    if options.safety_settings:
        body["safetySettings"] = [
            {"category": setting.category, "threshold": setting.threshold}
            for setting in options.safety_settings
        ]
    if options.cached_content:
        body["cachedContent"] = options.cached_content
    if options.labels:
        if vertex:
            body["labels"] = dict(options.labels)
        else:
            warnings.append(CallWarning.unsupported("labels", "labels are a Vertex AI setting"))
    if options.stream_function_call_arguments:
        _stream_arguments(body, vertex=vertex, warnings=warnings)
    _merge_extra_body(body, options.extra_body)


def _stream_arguments(body: wire.Request, *, vertex: bool, warnings: list[CallWarning]) -> None:
    """``toolConfig.functionCallingConfig.streamFunctionCallArguments`` (Vertex AI only)."""
    if not vertex:
        warnings.append(
            CallWarning.unsupported(
                "stream_function_call_arguments",
                "streamed function-call arguments are Vertex AI only",
            )
        )
        return
    if not body.get("tools"):
        return
    tool_config = body.setdefault("toolConfig", {})
    tool_config.setdefault("functionCallingConfig", {})["streamFunctionCallArguments"] = True


def _merge_extra_body(body: wire.Request, extra: Mapping[str, Any] | None) -> None:
    """Merge ``extra`` into ``body``: objects (``generationConfig``, ...) key by key."""
    target: dict[str, Any] = body  # type: ignore[assignment]
    for key, value in (extra or {}).items():
        current = target.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            target[key] = {**current, **value}
        else:
            target[key] = value
