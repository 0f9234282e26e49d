import pytest
from pydantic import BaseModel

import fantasy
from fantasy.errors import NoObjectGeneratedError
from fantasy.testing import ScriptedModel, TestModel, text_response


class Weather(BaseModel):
    city: str
    celsius: int


@fantasy.tool
def weather(location: str) -> str:
    """Get the weather."""
    return "40 C"


@pytest.mark.anyio
async def test_tool_loop_then_typed_object() -> None:
    model = ScriptedModel(
        [
            "I will call the tool.",  # first step: plain text (no tool call), loop ends
            text_response('{"city": "Florence", "celsius": 40}'),
        ]
    )
    agent = fantasy.Agent(model, system_prompt="Be brief.", tools=[weather])
    answer = await agent.generate_output("Weather in Florence?", output_type=Weather)
    assert answer.output == Weather(city="Florence", celsius=40)
    final_call = model.calls[-1]
    assert final_call.response_format is not None  # json mode on this model
    assert [m.role for m in final_call.prompt] == ["system", "user", "assistant", "user"]
    assert final_call.prompt[-1].text.startswith("Now give your final answer")
    assert answer.total_usage == answer.result.total_usage + answer.object_response.usage


@pytest.mark.anyio
async def test_tool_mode_and_schema_mapping_on_test_model() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    agent = fantasy.Agent(TestModel(), tools=[weather])
    answer = await agent.generate_output(
        "Weather in Florence?", output_type=schema, output_mode="tool", output_name="Report"
    )
    assert isinstance(answer.output["city"], str)
    assert len(answer.result.steps) == 2  # the tool step, then the answer


def test_invalid_final_object_is_a_typed_error() -> None:
    model = ScriptedModel(["done", "not json at all"])
    agent = fantasy.Agent(model)
    with pytest.raises(NoObjectGeneratedError) as info:
        agent.generate_output_sync("go", output_type=Weather)
    assert info.value.raw_text == "not json at all"
