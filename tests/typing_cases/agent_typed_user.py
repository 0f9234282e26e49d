"""A user's file: under ``mypy --strict`` the output and the deps are typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_type

from pydantic import BaseModel

from fantasy.agent import Agent, AgentResult, AgentStream, RunContext, ToolContext, tool
from fantasy.testing import TestModel


class Report(BaseModel):
    city: str
    celsius: int


@dataclass
class Db:
    url: str


@tool
def lookup(ctx: ToolContext[Db], city: str) -> str:
    """Look a city up."""
    assert_type(ctx.deps, Db)
    return ctx.deps.url + city


def check(ctx: RunContext[Db], report: Report) -> Report:
    assert_type(ctx.deps, Db)
    assert_type(ctx.retry, int)
    return report


def system(ctx: RunContext[Db]) -> str:
    return f"Use {ctx.deps.url}."


agent = Agent(
    TestModel(),
    system_prompt=system,
    tools=[lookup],
    deps_type=Db,
    output_type=Report,
    output_validators=[check],
)
assert_type(agent, Agent[Db, Report])


async def main() -> Report:
    result = await agent.generate("Weather in Florence?", deps=Db("db://"))
    assert_type(result, AgentResult[Report])
    assert_type(result.output, Report)
    events = agent.stream("again", deps=Db("db://"))
    assert_type(events, AgentStream[Report])
    streamed = await events.result()
    return streamed.output


plain = Agent(TestModel())
assert_type(plain, Agent[None, str])
assert_type(plain.generate_sync("hi").output, str)
