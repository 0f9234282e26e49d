"""Review findings for gateway reasoning replay (cross-provider conversations)."""

from __future__ import annotations

from fantasy.messages import Message, ReasoningPart, TextPart
from fantasy.model import Call
from fantasy.providers.anthropic.options import AnthropicReasoningMetadata
from fantasy.providers.openai.chat import convert
from fantasy.providers.openrouter.hooks import OpenRouterHooks


def test_google_family_sends_no_empty_encrypted_entry() -> None:
    # A thought signed by Anthropic (direct API) continued on a Gemini model through
    # OpenRouter: there is no Gemini replay data, so no encrypted entry may be sent.
    reasoning = ReasoningPart(
        text="thought", provider_options={"anthropic": AnthropicReasoningMetadata(signature="S")}
    )
    prompt = (
        Message(role="user", content=(TextPart(text="q"),)),
        Message(role="assistant", content=(reasoning, TextPart(text="a"))),
        Message(role="user", content=(TextPart(text="more"),)),
    )
    model = "google/gemini-2.5-pro"
    body, _ = convert.build_body(
        Call(prompt=prompt), model, stream=False, hooks=OpenRouterHooks(model)
    )
    for entry in body["messages"][1].get("reasoning_details", []):
        assert entry["type"] != "reasoning.encrypted" or entry.get("data") or entry.get("id")
