"""fantasy: build AI agents in Python; multi-provider, multi-model, one API.

Pick a model (``fantasy.language_model("openai:gpt-4o")`` or a provider class from
``fantasy.providers.<name>``), give an :class:`Agent` typed Python functions as tools
(:func:`tool`), and run it with ``await agent.generate(prompt=...)`` or stream it with
``agent.stream(prompt=...)``. Sync twins carry a ``_sync`` suffix.

Names are loaded on first use so that ``import fantasy`` stays light: no provider
module and no optional dependency is imported until it is needed.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from fantasy._version import __version__

# The library convention: fantasy logs to the "fantasy" logger (requests at DEBUG, retries
# at WARNING) and an application that configures no logging sees none of it on stderr.
logging.getLogger("fantasy").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from fantasy import events, stream
    from fantasy.agent import (
        Agent,
        AgentResult,
        AgentStream,
        PrepareStepContext,
        PrepareStepResult,
        RunContext,
        StepResult,
        StopReason,
        UsageLimits,
    )
    from fantasy.agent_tools import (
        AgentTool,
        ExecutableProviderTool,
        ToolContext,
        ToolResponse,
        tool,
    )
    from fantasy.approval import (
        CallDeferred,
        PendingToolCall,
        ToolDecision,
        approve,
        deny,
        supply,
    )
    from fantasy.content import (
        Content,
        FileContent,
        ReasoningContent,
        SourceContent,
        TextContent,
        ToolCallContent,
        ToolResultContent,
    )
    from fantasy.embedding import (
        BaseEmbeddingModel,
        EmbeddingModel,
        Embeddings,
        EmbeddingUsage,
        cosine_similarity,
        top_k,
    )
    from fantasy.errors import (
        AttemptTimeoutError,
        AuthenticationError,
        ContextTooLargeError,
        DeadlineExceededError,
        FallbackError,
        FantasyError,
        IncompleteResponseError,
        IncompleteStreamError,
        InvalidArgumentError,
        InvalidResponseError,
        ModelRetry,
        NoObjectGeneratedError,
        ProviderError,
        RateLimitError,
        StreamIdleTimeoutError,
        ToolExecutionError,
        UsageError,
        UsageLimitExceeded,
    )
    from fantasy.fallback import FallbackModel, with_retry
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
        assistant_message,
        system_message,
        tool_message,
        user_message,
    )
    from fantasy.model import BaseLanguageModel, Call, LanguageModel, ResponseFormat
    from fantasy.object import ObjectCall, ObjectResponse, ObjectStream
    from fantasy.options import ProviderData
    from fantasy.provider import (
        Provider,
        embedding_model,
        get_provider,
        language_model,
        register_provider,
    )
    from fantasy.response import Response
    from fantasy.retry import RetryPolicy
    from fantasy.stop import (
        finish_reason_is,
        has_content,
        has_tool_call,
        step_count_is,
        token_budget_exceeded,
    )
    from fantasy.stream import StreamPart
    from fantasy.tools import FunctionTool, ProviderDefinedTool, SpecificToolChoice, ToolChoice
    from fantasy.toolset import Toolset
    from fantasy.usage import CallWarning, FinishReason, Usage

_EXPORTS: dict[str, str] = {
    "events": "fantasy.events:",
    "stream": "fantasy.stream:",
    # agent
    "Agent": "fantasy.agent",
    "AgentResult": "fantasy.agent",
    "AgentStream": "fantasy.agent",
    "PrepareStepContext": "fantasy.agent",
    "PrepareStepResult": "fantasy.agent",
    "RunContext": "fantasy.agent",
    "StepResult": "fantasy.agent",
    "StopReason": "fantasy.agent",
    "UsageLimits": "fantasy.agent",
    "AgentTool": "fantasy.agent_tools",
    "CallDeferred": "fantasy.approval",
    "PendingToolCall": "fantasy.approval",
    "ToolDecision": "fantasy.approval",
    "approve": "fantasy.approval",
    "deny": "fantasy.approval",
    "supply": "fantasy.approval",
    "ExecutableProviderTool": "fantasy.agent_tools",
    "ToolContext": "fantasy.agent_tools",
    "ToolResponse": "fantasy.agent_tools",
    "tool": "fantasy.agent_tools",
    "Toolset": "fantasy.toolset",
    "RetryPolicy": "fantasy.retry",
    "finish_reason_is": "fantasy.stop",
    "has_content": "fantasy.stop",
    "has_tool_call": "fantasy.stop",
    "step_count_is": "fantasy.stop",
    "token_budget_exceeded": "fantasy.stop",
    # content
    "Content": "fantasy.content",
    "FileContent": "fantasy.content",
    "ReasoningContent": "fantasy.content",
    "SourceContent": "fantasy.content",
    "TextContent": "fantasy.content",
    "ToolCallContent": "fantasy.content",
    "ToolResultContent": "fantasy.content",
    # embeddings
    "BaseEmbeddingModel": "fantasy.embedding",
    "EmbeddingModel": "fantasy.embedding",
    "EmbeddingUsage": "fantasy.embedding",
    "Embeddings": "fantasy.embedding",
    "cosine_similarity": "fantasy.embedding",
    "embedding_model": "fantasy.provider",
    "top_k": "fantasy.embedding",
    # errors
    "AttemptTimeoutError": "fantasy.errors",
    "AuthenticationError": "fantasy.errors",
    "ContextTooLargeError": "fantasy.errors",
    "DeadlineExceededError": "fantasy.errors",
    "FallbackError": "fantasy.errors",
    "FantasyError": "fantasy.errors",
    "IncompleteResponseError": "fantasy.errors",
    "IncompleteStreamError": "fantasy.errors",
    "InvalidArgumentError": "fantasy.errors",
    "InvalidResponseError": "fantasy.errors",
    "ModelRetry": "fantasy.errors",
    "NoObjectGeneratedError": "fantasy.errors",
    "ProviderError": "fantasy.errors",
    "RateLimitError": "fantasy.errors",
    "StreamIdleTimeoutError": "fantasy.errors",
    "ToolExecutionError": "fantasy.errors",
    "UsageError": "fantasy.errors",
    "UsageLimitExceeded": "fantasy.errors",
    # messages
    "ErrorOutput": "fantasy.messages",
    "FilePart": "fantasy.messages",
    "MediaOutput": "fantasy.messages",
    "Message": "fantasy.messages",
    "ReasoningPart": "fantasy.messages",
    "TextOutput": "fantasy.messages",
    "TextPart": "fantasy.messages",
    "ToolCallPart": "fantasy.messages",
    "ToolResultPart": "fantasy.messages",
    "assistant_message": "fantasy.messages",
    "system_message": "fantasy.messages",
    "tool_message": "fantasy.messages",
    "user_message": "fantasy.messages",
    # model, objects, providers
    "FallbackModel": "fantasy.fallback",
    "with_retry": "fantasy.fallback",
    "BaseLanguageModel": "fantasy.model",
    "Call": "fantasy.model",
    "LanguageModel": "fantasy.model",
    "ResponseFormat": "fantasy.model",
    "ObjectCall": "fantasy.object",
    "ObjectResponse": "fantasy.object",
    "ObjectStream": "fantasy.object",
    "ProviderData": "fantasy.options",
    "Provider": "fantasy.provider",
    "get_provider": "fantasy.provider",
    "language_model": "fantasy.provider",
    "register_provider": "fantasy.provider",
    "Response": "fantasy.response",
    "StreamPart": "fantasy.stream",
    "FunctionTool": "fantasy.tools",
    "ProviderDefinedTool": "fantasy.tools",
    "SpecificToolChoice": "fantasy.tools",
    "ToolChoice": "fantasy.tools",
    "CallWarning": "fantasy.usage",
    "FinishReason": "fantasy.usage",
    "Usage": "fantasy.usage",
}

# A literal list, so that type checkers see every name as explicitly exported
# (tests/typing checks that it matches _EXPORTS and the TYPE_CHECKING imports).
__all__ = [
    "Agent",
    "AgentResult",
    "AgentStream",
    "AgentTool",
    "AttemptTimeoutError",
    "AuthenticationError",
    "BaseEmbeddingModel",
    "BaseLanguageModel",
    "Call",
    "CallDeferred",
    "CallWarning",
    "Content",
    "ContextTooLargeError",
    "DeadlineExceededError",
    "EmbeddingModel",
    "EmbeddingUsage",
    "Embeddings",
    "ErrorOutput",
    "ExecutableProviderTool",
    "FallbackError",
    "FallbackModel",
    "FantasyError",
    "FileContent",
    "FilePart",
    "FinishReason",
    "FunctionTool",
    "IncompleteResponseError",
    "IncompleteStreamError",
    "InvalidArgumentError",
    "InvalidResponseError",
    "LanguageModel",
    "MediaOutput",
    "Message",
    "ModelRetry",
    "NoObjectGeneratedError",
    "ObjectCall",
    "ObjectResponse",
    "ObjectStream",
    "PendingToolCall",
    "PrepareStepContext",
    "PrepareStepResult",
    "Provider",
    "ProviderData",
    "ProviderDefinedTool",
    "ProviderError",
    "RateLimitError",
    "ReasoningContent",
    "ReasoningPart",
    "Response",
    "ResponseFormat",
    "RetryPolicy",
    "RunContext",
    "SourceContent",
    "SpecificToolChoice",
    "StepResult",
    "StopReason",
    "StreamIdleTimeoutError",
    "StreamPart",
    "TextContent",
    "TextOutput",
    "TextPart",
    "ToolCallContent",
    "ToolCallPart",
    "ToolChoice",
    "ToolContext",
    "ToolDecision",
    "ToolExecutionError",
    "ToolResponse",
    "ToolResultContent",
    "ToolResultPart",
    "Toolset",
    "Usage",
    "UsageError",
    "UsageLimitExceeded",
    "UsageLimits",
    "__version__",
    "approve",
    "assistant_message",
    "cosine_similarity",
    "deny",
    "embedding_model",
    "events",
    "finish_reason_is",
    "get_provider",
    "has_content",
    "has_tool_call",
    "language_model",
    "register_provider",
    "step_count_is",
    "stream",
    "supply",
    "system_message",
    "token_budget_exceeded",
    "tool",
    "tool_message",
    "top_k",
    "user_message",
    "with_retry",
]


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'fantasy' has no attribute {name!r}")
    if target.endswith(":"):
        value: Any = importlib.import_module(target[:-1])
    else:
        value = getattr(importlib.import_module(target), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
