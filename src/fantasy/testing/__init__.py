"""Testing helpers: cassette transport, test models, pytest plugin.

Names load on first use, so that the test models (``fantasy web`` and ``fantasy run``
serve them offline) do not load the cassette transport and httpx with them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fantasy.testing._embedding import TestEmbeddingModel
    from fantasy.testing.cassette import (
        DEFAULT_MATCH_ON,
        DEFAULT_REQUEST_HEADERS,
        DEFAULT_RESPONSE_HEADERS,
        REDACTED,
        Cassette,
        CassetteError,
        CassetteFormatError,
        CassetteMismatchError,
        CassetteMode,
        CassetteTransport,
        Interaction,
        Matcher,
        MatchField,
        MatchOn,
        RecordedRequest,
        RecordedResponse,
        match_request,
        use_cassette,
    )
    from fantasy.testing.models import (
        ScriptedModel,
        ScriptExhaustedError,
        ScriptItem,
        TestModel,
        TestProvider,
        example_value,
        response_to_parts,
        split_words,
        text_response,
        tool_call_response,
    )

__all__ = [
    # cassettes (go-vcr v2 record/replay)
    "DEFAULT_MATCH_ON",
    "DEFAULT_REQUEST_HEADERS",
    "DEFAULT_RESPONSE_HEADERS",
    "REDACTED",
    "Cassette",
    "CassetteError",
    "CassetteFormatError",
    "CassetteMismatchError",
    "CassetteMode",
    "CassetteTransport",
    "Interaction",
    "MatchField",
    "MatchOn",
    "Matcher",
    "RecordedRequest",
    "RecordedResponse",
    "match_request",
    "use_cassette",
    # test models
    "ScriptExhaustedError",
    "ScriptItem",
    "ScriptedModel",
    "TestEmbeddingModel",
    "TestModel",
    "TestProvider",
    "example_value",
    "response_to_parts",
    "split_words",
    "text_response",
    "tool_call_response",
]

# Name → the module that defines it (imported when the name is first read).
_MODULES: dict[str, str] = {
    "TestEmbeddingModel": "fantasy.testing._embedding",
    "DEFAULT_MATCH_ON": "fantasy.testing.cassette",
    "DEFAULT_REQUEST_HEADERS": "fantasy.testing.cassette",
    "DEFAULT_RESPONSE_HEADERS": "fantasy.testing.cassette",
    "REDACTED": "fantasy.testing.cassette",
    "Cassette": "fantasy.testing.cassette",
    "CassetteError": "fantasy.testing.cassette",
    "CassetteFormatError": "fantasy.testing.cassette",
    "CassetteMismatchError": "fantasy.testing.cassette",
    "CassetteMode": "fantasy.testing.cassette",
    "CassetteTransport": "fantasy.testing.cassette",
    "Interaction": "fantasy.testing.cassette",
    "MatchField": "fantasy.testing.cassette",
    "MatchOn": "fantasy.testing.cassette",
    "Matcher": "fantasy.testing.cassette",
    "RecordedRequest": "fantasy.testing.cassette",
    "RecordedResponse": "fantasy.testing.cassette",
    "match_request": "fantasy.testing.cassette",
    "use_cassette": "fantasy.testing.cassette",
    "ScriptExhaustedError": "fantasy.testing.models",
    "ScriptItem": "fantasy.testing.models",
    "ScriptedModel": "fantasy.testing.models",
    "TestModel": "fantasy.testing.models",
    "TestProvider": "fantasy.testing.models",
    "example_value": "fantasy.testing.models",
    "response_to_parts": "fantasy.testing.models",
    "split_words": "fantasy.testing.models",
    "text_response": "fantasy.testing.models",
    "tool_call_response": "fantasy.testing.models",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'fantasy.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
