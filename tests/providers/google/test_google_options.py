"""Google provider data: validation and JSON round trips through the type registry."""

from __future__ import annotations

import pytest

from fantasy.errors import InvalidArgumentError
from fantasy.messages import Message, ReasoningPart, TextPart, assistant_message, user_message
from fantasy.model import Call
from fantasy.options import dump_provider_map, get_provider_data, load_provider_map
from fantasy.providers.google import (
    GoogleProviderOptions,
    GoogleReasoningMetadata,
    GoogleResponseMetadata,
)
from fantasy.providers.google.convert import build_request


def test_options_from_dict_and_model() -> None:
    data = {"google": {"thinking_config": {"thinking_budget": 512, "include_thoughts": True}}}
    options = get_provider_data(data, "google", GoogleProviderOptions)
    assert options is not None
    assert options.thinking_config is not None
    assert options.thinking_config.thinking_budget == 512
    with pytest.raises(InvalidArgumentError):
        get_provider_data(
            {"google": {"thinking_config": {"budget": 1}}}, "google", GoogleProviderOptions
        )


@pytest.mark.parametrize(
    "value",
    [
        GoogleReasoningMetadata(signature="c2ln"),
        GoogleProviderOptions.model_validate({"cached_content": "cachedContents/x"}),
        GoogleResponseMetadata(finish_message="done"),
    ],
)
def test_type_registry_round_trip(value: object) -> None:
    dumped = dump_provider_map({"google": value})
    assert dumped["google"]["type"].startswith("google.")
    assert load_provider_map(dumped) == {"google": value}


def test_stored_conversation_replays_the_signature() -> None:
    message = assistant_message(
        ReasoningPart(
            text="hmm", provider_options={"google": GoogleReasoningMetadata(signature="c2ln")}
        ),
        TextPart(text="Hi"),
    )
    restored = Message.from_dict(message.to_dict())
    body, _ = build_request(Call(prompt=(user_message("hello"), restored)))
    assert body["contents"][1] == {
        "role": "model",
        "parts": [{"text": "Hi", "thoughtSignature": "c2ln"}],
    }
