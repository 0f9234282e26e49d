"""The OpenAI Responses API dialect (``/v1/responses``), shared by OpenAI and Azure.

Build it with ``OpenAIProvider(use_responses_api=True)`` or
``AzureProvider(use_responses_api=True)``. Call options use the ``"openai"`` namespace
(:class:`~fantasy.providers.openai.OpenAIOptions`); reasoning items come back with
:class:`~fantasy.providers.openai.OpenAIResponsesReasoningMetadata`.
"""

from fantasy.providers.openai.responses.convert import build_body, uses_developer_role
from fantasy.providers.openai.responses.decode import (
    StreamDecoder,
    decode_response,
    usage_from_responses,
)
from fantasy.providers.openai.responses.model import ResponsesModel
from fantasy.providers.openai.responses.tools import WEB_SEARCH_TOOL_ID, web_search_tool

__all__ = [
    "WEB_SEARCH_TOOL_ID",
    "ResponsesModel",
    "StreamDecoder",
    "build_body",
    "decode_response",
    "usage_from_responses",
    "uses_developer_role",
    "web_search_tool",
]
