"""Durable agent runs: survive crashes, wait for people, spread runs over workers.

:mod:`fantasy.durable.dbos` runs agents on DBOS (the ``dbos`` extra).
"""

__all__: list[str] = []  # the backends are submodules (fantasy.durable.dbos)
