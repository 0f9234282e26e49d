"""The OpenAI Chat Completions dialect, shared by OpenAI, Azure and compatible servers.

Variants subclass :class:`ChatHooks`; :data:`WireToolCall` is the type of the
``tool_calls`` entries that :meth:`ChatHooks.tool_call_extras` receives.
"""

from fantasy.providers.openai._wire import WireToolCall
from fantasy.providers.openai.chat.decode import StreamDecoder, decode_response
from fantasy.providers.openai.chat.hooks import ChatHooks, usage_from_openai
from fantasy.providers.openai.chat.model import ChatModel

__all__ = [
    "ChatHooks",
    "ChatModel",
    "StreamDecoder",
    "WireToolCall",
    "decode_response",
    "usage_from_openai",
]
