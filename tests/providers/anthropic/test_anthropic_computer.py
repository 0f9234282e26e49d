from __future__ import annotations

import json
from typing import Any

import pytest

from fantasy.errors import InvalidArgumentError
from fantasy.messages import MediaOutput
from fantasy.providers.anthropic import ComputerTool, computer_use_tool, parse_computer_action
from fantasy.providers.anthropic.computer import (
    Click,
    CursorPosition,
    Drag,
    HoldKey,
    Key,
    MouseDown,
    MouseMove,
    MouseUp,
    Screenshot,
    Scroll,
    TypeText,
    Wait,
    Zoom,
)

PNG = b"\x89PNG\r\n\x1a\nimage"


@pytest.mark.parametrize(
    ("data", "action"),
    [
        ({"action": "screenshot"}, Screenshot()),
        ({"action": "cursor_position"}, CursorPosition()),
        ({"action": "key", "text": "ctrl+s"}, Key(text="ctrl+s")),
        (
            {"action": "hold_key", "text": "shift", "duration": 2},
            HoldKey(text="shift", duration=2.0),
        ),
        ({"action": "type", "text": "hello"}, TypeText(text="hello")),
        ({"action": "mouse_move", "coordinate": [10, 20]}, MouseMove(coordinate=(10, 20))),
        (
            {"action": "left_click", "coordinate": [1, 2], "text": "shift"},
            Click(action="left_click", coordinate=(1, 2), modifiers="shift"),
        ),
        ({"action": "right_click"}, Click(action="right_click", button="right")),
        ({"action": "middle_click"}, Click(action="middle_click", button="middle")),
        (
            {"action": "double_click", "coordinate": [5, 5]},
            Click(action="double_click", count=2, coordinate=(5, 5)),
        ),
        ({"action": "triple_click"}, Click(action="triple_click", count=3)),
        ({"action": "left_mouse_down"}, MouseDown()),
        ({"action": "left_mouse_up", "coordinate": [3, 4]}, MouseUp(coordinate=(3, 4))),
        (
            {"action": "left_click_drag", "start_coordinate": [0, 0], "coordinate": [9.0, 9]},
            Drag(start_coordinate=(0, 0), coordinate=(9, 9)),
        ),
        (
            {
                "action": "scroll",
                "coordinate": [1, 1],
                "scroll_direction": "down",
                "scroll_amount": 3,
            },
            Scroll(direction="down", amount=3, coordinate=(1, 1)),
        ),
        ({"action": "wait", "duration": 1.5}, Wait(duration=1.5)),
        ({"action": "zoom", "region": [0, 0, 100, 50]}, Zoom(region=(0, 0, 100, 50))),
    ],
)
def test_parse_actions(data: dict[str, Any], action: Any) -> None:
    assert parse_computer_action(data) == action
    assert parse_computer_action(json.dumps(data)) == action


@pytest.mark.parametrize(
    "data",
    [
        '{"action": "screenshot"',
        "[1, 2]",
        {"action": "dance"},
        {"action": "mouse_move"},
        {"action": "mouse_move", "coordinate": [1]},
        {"action": "mouse_move", "coordinate": [1, -2]},
        {"action": "mouse_move", "coordinate": [1.5, 2]},
        {"action": "mouse_move", "coordinate": ["1", 2]},
        {"action": "mouse_move", "coordinate": [True, 2]},
        {"action": "left_click", "coordinate": "10,20"},
        {"action": "left_click_drag", "coordinate": [1, 2]},
        {"action": "type"},
        {"action": "key", "text": ""},
        {"action": "wait", "duration": -1},
        {"action": "scroll", "scroll_direction": "sideways", "scroll_amount": 1},
        {"action": "scroll", "scroll_direction": "up"},
        {"action": "zoom", "region": [0, 0, 1]},
    ],
)
def test_malformed_actions_are_rejected(data: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        parse_computer_action(data)


def test_computer_use_tool_validation() -> None:
    tool = computer_use_tool("computer_20250124", 1920.0, 1080, display_number=1)
    assert tool.id == "anthropic.computer"
    assert tool.name == "computer"
    assert tool.args == {
        "version": "computer_20250124",
        "display_width_px": 1920,
        "display_height_px": 1080,
        "display_number": 1,
    }
    with pytest.raises(InvalidArgumentError):
        computer_use_tool("computer_1999", 10, 10)
    with pytest.raises(InvalidArgumentError):
        computer_use_tool("computer_20250124", 10.5, 10)
    with pytest.raises(InvalidArgumentError):
        computer_use_tool("computer_20250124", 0, 10)
    with pytest.raises(InvalidArgumentError):
        computer_use_tool("computer_20250124", 10, 10, enable_zoom=True)


@pytest.mark.anyio
async def test_computer_tool_executes_sync_and_async() -> None:
    seen: list[Any] = []

    def run(action: Any) -> bytes:
        seen.append(action)
        return PNG

    async def run_async(action: Any) -> bytes:
        seen.append(action)
        return b"\xff\xd8\xffjpeg"

    definition = computer_use_tool("computer_20250124", 800, 600)
    output = await ComputerTool(definition=definition, run=run).execute('{"action":"screenshot"}')
    assert output == MediaOutput(data=PNG, media_type="image/png")
    tool = ComputerTool(definition=definition, run=run_async)
    assert tool.name == "computer"
    output = await tool.execute({"action": "left_click", "coordinate": [1, 2]})
    assert output.media_type == "image/jpeg"
    assert seen == [Screenshot(), Click(action="left_click", coordinate=(1, 2))]
    with pytest.raises(InvalidArgumentError):
        await tool.execute({"action": "left_click", "coordinate": [1]})


@pytest.mark.anyio
async def test_computer_tool_as_agent_tool() -> None:
    from fantasy.agent_tools import ExecutableProviderTool, ToolContext, run_tool

    definition = computer_use_tool("computer_20251124", 1280, 800)
    agent_tool = ComputerTool(definition=definition, run=lambda action: PNG).agent_tool()
    assert isinstance(agent_tool, ExecutableProviderTool)
    assert agent_tool.name == "computer"
    assert agent_tool.definition is definition
    ctx = ToolContext(tool_call_id="t", tool_name="computer")
    response = await run_tool(agent_tool.run, {"action": "screenshot"}, ctx)
    assert response.output() == MediaOutput(data=PNG, media_type="image/png")
