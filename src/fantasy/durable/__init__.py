"""Durable agent runs: survive crashes, wait for people, spread runs over workers.

:mod:`fantasy.durable.dbos` runs agents on DBOS (the ``dbos`` extra).
"""
