"""Mistakes ``mypy --strict`` must catch (each line below is one error)."""

from __future__ import annotations

from pydantic import BaseModel

from fantasy.agent import Agent
from fantasy.testing import TestModel


class Report(BaseModel):
    city: str


agent = Agent(TestModel(), deps_type=int, output_type=Report)
wrong_output: int = agent.generate_sync("hi", deps=1).output
wrong_deps = agent.generate_sync("hi", deps="not an int")
