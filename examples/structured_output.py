"""A typed answer from an agent with tools: ``python examples/structured_output.py``."""

from __future__ import annotations

from _model import pick_model
from pydantic import BaseModel

import fantasy


class Trip(BaseModel):
    """A trip plan."""

    city: str
    days: int
    highlights: list[str]


@fantasy.tool
def attractions(city: str) -> str:
    """List a city's top attractions."""
    return "Duomo, Uffizi, Ponte Vecchio"


def main() -> None:
    agent = fantasy.Agent(pick_model(), tools=[attractions], output_type=Trip)
    result = agent.generate_sync("Plan three days in Florence.")
    trip: Trip = result.output
    print(trip.model_dump_json(indent=2))
    print(f"{len(result.steps)} model requests")


if __name__ == "__main__":
    main()
