"""A multi-turn chat saved to JSON and resumed: ``python examples/chat_resume.py [model]``.

The history is written after each turn and read back before the next one, as a web
app or a CLI would between two requests.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from _model import pick_model

import fantasy


def save(path: Path, history: tuple[fantasy.Message, ...]) -> None:
    path.write_text(json.dumps([message.to_dict() for message in history]))


def load(path: Path) -> list[fantasy.Message]:
    if not path.exists():
        return []
    return [fantasy.Message.from_dict(item) for item in json.loads(path.read_text())]


def main() -> None:
    agent = fantasy.Agent(pick_model(), system_prompt="You remember what the user says.")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chat.json"
        for question in ["My name is Ada.", "What is my name?"]:
            result = agent.generate_sync(question, messages=load(path))
            save(path, result.history)
            print(f"> {question}\n{result.text}")
        print(f"{len(load(path))} messages saved")


if __name__ == "__main__":
    main()
