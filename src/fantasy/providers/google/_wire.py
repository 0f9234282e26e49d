"""The Gemini ``generateContent`` JSON we send and read (only the fields used).

Field names are the API's camelCase names. Every field is optional on the wire: a
request never carries ``null`` or empty values, so builders only set what they have.
"""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = [
    "Blob",
    "Candidate",
    "Content",
    "FileData",
    "FunctionCall",
    "FunctionDeclaration",
    "FunctionResponse",
    "GenerateContentResponse",
    "GenerationConfig",
    "Part",
    "Request",
    "ThinkingConfig",
    "Tool",
    "ToolConfig",
    "UsageMetadata",
]


class Blob(TypedDict, total=False):
    """Inline bytes: ``{"mimeType", "data": <base64>}``."""

    mimeType: str
    data: str


class FileData(TypedDict, total=False):
    """A file by URI: ``{"mimeType", "fileUri"}``."""

    mimeType: str
    fileUri: str


class FunctionCall(TypedDict, total=False):
    """A call the model made; ``args`` is a JSON object."""

    id: str
    name: str
    args: dict[str, Any]


class FunctionResponse(TypedDict, total=False):
    """A tool result; ``parts`` carries media (``inlineData``) next to the JSON response."""

    id: str
    name: str
    response: dict[str, Any]
    parts: list[dict[str, Any]]


class Part(TypedDict, total=False):
    """One part of a content: exactly one of the data fields, plus flags."""

    text: str
    thought: bool
    thoughtSignature: str
    inlineData: Blob
    fileData: FileData
    functionCall: FunctionCall
    functionResponse: FunctionResponse


class Content(TypedDict, total=False):
    """A turn: ``role`` is ``"user"`` or ``"model"``."""

    role: str
    parts: list[Part]


class FunctionDeclaration(TypedDict, total=False):
    """A function tool; ``parameters`` is a Gemini (OpenAPI-style) schema."""

    name: str
    description: str
    parameters: dict[str, Any]


class Tool(TypedDict, total=False):
    """A tools entry: all function declarations, or one built-in tool."""

    functionDeclarations: list[FunctionDeclaration]
    googleSearch: dict[str, Any]
    urlContext: dict[str, Any]


class FunctionCallingConfig(TypedDict, total=False):
    """``mode`` is AUTO, ANY or NONE; ``allowedFunctionNames`` restricts ANY."""

    mode: str
    allowedFunctionNames: list[str]
    streamFunctionCallArguments: bool


class ToolConfig(TypedDict, total=False):
    """Tool choice."""

    functionCallingConfig: FunctionCallingConfig


class ThinkingConfig(TypedDict, total=False):
    """Thinking settings."""

    includeThoughts: bool
    thinkingBudget: int
    thinkingLevel: str


class GenerationConfig(TypedDict, total=False):
    """Sampling, limits, JSON output and thinking."""

    maxOutputTokens: int
    temperature: float
    topP: float
    topK: int
    presencePenalty: float
    frequencyPenalty: float
    stopSequences: list[str]
    seed: int
    responseMimeType: str
    responseJsonSchema: dict[str, Any]
    responseModalities: list[str]
    thinkingConfig: ThinkingConfig


class Request(TypedDict, total=False):
    """The ``generateContent`` / ``streamGenerateContent`` request body."""

    contents: list[Content]
    systemInstruction: Content
    generationConfig: GenerationConfig
    tools: list[Tool]
    toolConfig: ToolConfig
    safetySettings: list[dict[str, str]]
    cachedContent: str
    labels: dict[str, str]


class UsageMetadata(TypedDict, total=False):
    """Token counts; missing counts are zero."""

    promptTokenCount: int
    candidatesTokenCount: int
    thoughtsTokenCount: int
    cachedContentTokenCount: int
    toolUsePromptTokenCount: int
    totalTokenCount: int


class Candidate(TypedDict, total=False):
    """One candidate answer (fantasy reads the first)."""

    content: Content
    finishReason: str
    finishMessage: str
    safetyRatings: list[dict[str, Any]]
    groundingMetadata: dict[str, Any]


class GenerateContentResponse(TypedDict, total=False):
    """A full response, or one streamed chunk of it."""

    candidates: list[Candidate]
    usageMetadata: UsageMetadata
    promptFeedback: dict[str, Any]
    modelVersion: str
    responseId: str
