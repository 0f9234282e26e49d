"""Claude computer use: the tool definition, its wire form, and the action parser.

Build the tool with :func:`computer_use_tool`, parse each call's input with
:func:`parse_computer_action`, and answer with a screenshot
(:class:`~fantasy.messages.MediaOutput`). :class:`ComputerTool` bundles the definition
with a function that performs an action and returns the screenshot bytes::

    async def act(action: ComputerAction) -> bytes:
        ...  # move the mouse, type, ... then return a PNG screenshot

    computer = ComputerTool(definition=computer_use_tool(COMPUTER_20250124, 1920, 1080), run=act)
    output = await computer.execute(tool_call.input)  # MediaOutput(image/png)
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from fantasy.errors import InvalidArgumentError
from fantasy.messages import MediaOutput
from fantasy.providers._media import sniff_image_type
from fantasy.tools import ProviderDefinedTool

if TYPE_CHECKING:
    from fantasy.agent_tools import ExecutableProviderTool

__all__ = [
    "COMPUTER_20241022",
    "COMPUTER_20250124",
    "COMPUTER_20251124",
    "COMPUTER_TOOL_ID",
    "Click",
    "ComputerAction",
    "ComputerTool",
    "Coordinate",
    "CursorPosition",
    "Drag",
    "HoldKey",
    "Key",
    "MouseDown",
    "MouseMove",
    "MouseUp",
    "Screenshot",
    "Scroll",
    "TypeText",
    "Wait",
    "Zoom",
    "computer_tool_wire",
    "computer_use_tool",
    "parse_computer_action",
]

COMPUTER_TOOL_ID = "anthropic.computer"
COMPUTER_20241022 = "computer_20241022"
COMPUTER_20250124 = "computer_20250124"
COMPUTER_20251124 = "computer_20251124"

_BETAS = {
    COMPUTER_20241022: "computer-use-2024-10-22",
    COMPUTER_20250124: "computer-use-2025-01-24",
    COMPUTER_20251124: "computer-use-2025-11-24",
}
_TOOL_NAME = "computer"

Coordinate: TypeAlias = tuple[int, int]


def _positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgumentError(f"{name} must be an integer, got {value!r}", argument=name)
    if isinstance(value, float) and not value.is_integer():
        raise InvalidArgumentError(f"{name} must be a whole number, got {value!r}", argument=name)
    number = int(value)
    if number < minimum:
        raise InvalidArgumentError(
            f"{name} must be at least {minimum}, got {value!r}", argument=name
        )
    return number


def _check_version(version: str) -> str:
    if version not in _BETAS:
        known = ", ".join(sorted(_BETAS))
        raise InvalidArgumentError(
            f"unknown computer-use version {version!r} (known: {known})", argument="version"
        )
    return version


def computer_use_tool(
    version: str,
    display_width_px: float,
    display_height_px: float,
    *,
    display_number: int | None = None,
    enable_zoom: bool | None = None,
) -> ProviderDefinedTool:
    """The computer-use tool of ``version`` (``"computer_20250124"``, ``"computer_20251124"``).

    Display sizes may be given as floats (e.g. after a JSON round trip); they are sent
    as integers. ``enable_zoom`` exists only in ``computer_20251124``.
    """
    args: dict[str, Any] = {
        "version": _check_version(version),
        "display_width_px": _positive_int(display_width_px, "display_width_px"),
        "display_height_px": _positive_int(display_height_px, "display_height_px"),
    }
    if display_number is not None:
        args["display_number"] = _positive_int(display_number, "display_number", minimum=0)
    if enable_zoom is not None:
        if version != COMPUTER_20251124:
            raise InvalidArgumentError(
                f"enable_zoom needs {COMPUTER_20251124}", argument="enable_zoom"
            )
        args["enable_zoom"] = bool(enable_zoom)
    return ProviderDefinedTool(id=COMPUTER_TOOL_ID, name=_TOOL_NAME, args=args)


def computer_tool_wire(tool: ProviderDefinedTool) -> tuple[dict[str, Any], str]:
    """The wire definition of a computer-use tool and the beta it needs."""
    if tool.name != _TOOL_NAME:
        raise InvalidArgumentError(
            f"the computer-use tool must be named {_TOOL_NAME!r}, not {tool.name!r}",
            argument="tools",
        )
    args = tool.args
    version = _check_version(str(args.get("version", COMPUTER_20250124)))
    for required in ("display_width_px", "display_height_px"):
        if required not in args:
            raise InvalidArgumentError(f"computer-use tool needs {required}", argument="tools")
    block: dict[str, Any] = {
        "type": version,
        "name": _TOOL_NAME,
        "display_width_px": _positive_int(args["display_width_px"], "display_width_px"),
        "display_height_px": _positive_int(args["display_height_px"], "display_height_px"),
    }
    if args.get("display_number") is not None:
        block["display_number"] = _positive_int(args["display_number"], "display_number", minimum=0)
    if args.get("enable_zoom") is not None:
        block["enable_zoom"] = bool(args["enable_zoom"])
    return block, _BETAS[version]


# --- actions -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Screenshot:
    """Take a screenshot."""

    action: Literal["screenshot"] = "screenshot"


@dataclass(frozen=True, slots=True, kw_only=True)
class CursorPosition:
    """Report the cursor position."""

    action: Literal["cursor_position"] = "cursor_position"


@dataclass(frozen=True, slots=True, kw_only=True)
class Key:
    """Press a key or key combination (xdotool syntax, e.g. ``"ctrl+s"``)."""

    text: str
    action: Literal["key"] = "key"


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldKey:
    """Hold a key for ``duration`` seconds."""

    text: str
    duration: float
    action: Literal["hold_key"] = "hold_key"


@dataclass(frozen=True, slots=True, kw_only=True)
class TypeText:
    """Type a string."""

    text: str
    action: Literal["type"] = "type"


@dataclass(frozen=True, slots=True, kw_only=True)
class MouseMove:
    """Move the mouse to ``coordinate``."""

    coordinate: Coordinate
    action: Literal["mouse_move"] = "mouse_move"


@dataclass(frozen=True, slots=True, kw_only=True)
class Click:
    """Click ``count`` times with ``button``, at ``coordinate`` or where the cursor is.

    ``action`` keeps the model's action name (``left_click``, ``double_click``, ...);
    ``modifiers`` holds keys to hold while clicking (e.g. ``"shift"``).
    """

    action: str
    button: Literal["left", "right", "middle"] = "left"
    count: int = 1
    coordinate: Coordinate | None = None
    modifiers: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MouseDown:
    """Press the left mouse button."""

    coordinate: Coordinate | None = None
    action: Literal["left_mouse_down"] = "left_mouse_down"


@dataclass(frozen=True, slots=True, kw_only=True)
class MouseUp:
    """Release the left mouse button."""

    coordinate: Coordinate | None = None
    action: Literal["left_mouse_up"] = "left_mouse_up"


@dataclass(frozen=True, slots=True, kw_only=True)
class Drag:
    """Drag with the left button from ``start_coordinate`` to ``coordinate``."""

    start_coordinate: Coordinate
    coordinate: Coordinate
    action: Literal["left_click_drag"] = "left_click_drag"


@dataclass(frozen=True, slots=True, kw_only=True)
class Scroll:
    """Scroll ``amount`` clicks in ``direction``."""

    direction: Literal["up", "down", "left", "right"]
    amount: int
    coordinate: Coordinate | None = None
    modifiers: str | None = None
    action: Literal["scroll"] = "scroll"


@dataclass(frozen=True, slots=True, kw_only=True)
class Wait:
    """Wait ``duration`` seconds."""

    duration: float
    action: Literal["wait"] = "wait"


@dataclass(frozen=True, slots=True, kw_only=True)
class Zoom:
    """Show the screen region ``(x1, y1, x2, y2)`` at full resolution."""

    region: tuple[int, int, int, int]
    action: Literal["zoom"] = "zoom"


ComputerAction: TypeAlias = (
    Screenshot
    | CursorPosition
    | Key
    | HoldKey
    | TypeText
    | MouseMove
    | Click
    | MouseDown
    | MouseUp
    | Drag
    | Scroll
    | Wait
    | Zoom
)


def _coordinates(value: Any, name: str, size: int) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or len(value) != size:
        raise InvalidArgumentError(
            f"{name} must be a list of {size} non-negative integers, got {value!r}",
            argument=name,
        )
    return tuple(_positive_int(item, name, minimum=0) for item in value)


def _coordinate(data: Mapping[str, Any], name: str = "coordinate") -> Coordinate:
    if data.get(name) is None:
        raise InvalidArgumentError(f"{data.get('action')} needs {name}", argument=name)
    x, y = _coordinates(data[name], name, 2)
    return (x, y)


def _optional_coordinate(data: Mapping[str, Any]) -> Coordinate | None:
    return _coordinate(data) if data.get("coordinate") is not None else None


def _text(data: Mapping[str, Any]) -> str:
    text = data.get("text")
    if not isinstance(text, str) or not text:
        raise InvalidArgumentError(f"{data.get('action')} needs a non-empty text", argument="text")
    return text


def _modifiers(data: Mapping[str, Any]) -> str | None:
    text = data.get("text")
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise InvalidArgumentError(f"text must be a string, got {text!r}", argument="text")
    return text


def _duration(data: Mapping[str, Any]) -> float:
    value = data.get("duration")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidArgumentError(
            f"{data.get('action')} needs a non-negative duration, got {value!r}",
            argument="duration",
        )
    return float(value)


_CLICKS: dict[str, tuple[Literal["left", "right", "middle"], int]] = {
    "left_click": ("left", 1),
    "right_click": ("right", 1),
    "middle_click": ("middle", 1),
    "double_click": ("left", 2),
    "triple_click": ("left", 3),
}
_DIRECTIONS = ("up", "down", "left", "right")


def _click(data: Mapping[str, Any]) -> Click:
    action = str(data["action"])
    button, count = _CLICKS[action]
    return Click(
        action=action,
        button=button,
        count=count,
        coordinate=_optional_coordinate(data),
        modifiers=_modifiers(data),
    )


def _scroll(data: Mapping[str, Any]) -> Scroll:
    direction = data.get("scroll_direction")
    if direction not in _DIRECTIONS:
        raise InvalidArgumentError(
            f"scroll_direction must be one of {', '.join(_DIRECTIONS)}, got {direction!r}",
            argument="scroll_direction",
        )
    return Scroll(
        direction=direction,
        amount=_positive_int(data.get("scroll_amount"), "scroll_amount", minimum=0),
        coordinate=_optional_coordinate(data),
        modifiers=_modifiers(data),
    )


def _zoom(data: Mapping[str, Any]) -> Zoom:
    x1, y1, x2, y2 = _coordinates(data.get("region"), "region", 4)
    return Zoom(region=(x1, y1, x2, y2))


_PARSERS: dict[str, Callable[[Mapping[str, Any]], ComputerAction]] = {
    "screenshot": lambda _: Screenshot(),
    "cursor_position": lambda _: CursorPosition(),
    "key": lambda d: Key(text=_text(d)),
    "hold_key": lambda d: HoldKey(text=_text(d), duration=_duration(d)),
    "type": lambda d: TypeText(text=_text(d)),
    "mouse_move": lambda d: MouseMove(coordinate=_coordinate(d)),
    "left_mouse_down": lambda d: MouseDown(coordinate=_optional_coordinate(d)),
    "left_mouse_up": lambda d: MouseUp(coordinate=_optional_coordinate(d)),
    "left_click_drag": lambda d: Drag(
        start_coordinate=_coordinate(d, "start_coordinate"), coordinate=_coordinate(d)
    ),
    "scroll": _scroll,
    "wait": lambda d: Wait(duration=_duration(d)),
    "zoom": _zoom,
    **dict.fromkeys(_CLICKS, _click),
}


def parse_computer_action(tool_input: str | Mapping[str, Any]) -> ComputerAction:
    """Turn a computer-use tool call's input (raw JSON or decoded) into a typed action.

    Raises:
        InvalidArgumentError: the input is not JSON, the action is unknown, or a field
            (coordinates, text, duration, ...) is missing or malformed.
    """
    data: Any = tool_input
    if isinstance(tool_input, str):
        try:
            data = json.loads(tool_input)
        except ValueError as error:
            raise InvalidArgumentError(f"computer action is not valid JSON: {error}") from error
    if not isinstance(data, Mapping):
        raise InvalidArgumentError(f"computer action must be a JSON object, got {data!r}")
    parser = _PARSERS.get(str(data.get("action")))
    if parser is None:
        raise InvalidArgumentError(
            f"unknown computer action {data.get('action')!r}", argument="action"
        )
    return parser(data)


@dataclass(frozen=True, slots=True, kw_only=True)
class ComputerTool:
    """A computer-use tool with the function that performs its actions.

    ``run`` receives a parsed action and returns screenshot bytes; it may be async, a
    sync one runs in a worker thread. :meth:`execute` turns a tool call's input into
    the image result for the model; :meth:`agent_tool` gives the tool to an agent.
    """

    definition: ProviderDefinedTool
    run: Callable[[ComputerAction], Awaitable[bytes] | bytes]
    media_type: str = "image/png"

    @property
    def name(self) -> str:
        """The tool name the model calls (``"computer"``)."""
        return self.definition.name

    async def execute(self, tool_input: str | Mapping[str, Any]) -> MediaOutput:
        """Parse ``tool_input``, run the action and return the screenshot."""
        action = parse_computer_action(tool_input)
        if inspect.iscoroutinefunction(self.run):
            result: Any = await self.run(action)
        else:
            result = await asyncio.to_thread(self.run, action)
        if inspect.isawaitable(result):
            result = await result
        if not isinstance(result, bytes | bytearray):
            raise TypeError(f"computer tool run() must return bytes, got {type(result).__name__}")
        data = bytes(result)
        return MediaOutput(data=data, media_type=sniff_image_type(data) or self.media_type)

    def agent_tool(self) -> ExecutableProviderTool:
        """This tool for an agent: sent as provider-defined, its calls run locally."""
        from fantasy.agent_tools import ExecutableProviderTool

        async def run(tool_input: dict[str, Any], _context: Any) -> MediaOutput:
            return await self.execute(tool_input)

        return ExecutableProviderTool(self.definition, run)
