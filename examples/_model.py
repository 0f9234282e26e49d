"""The model every example uses: ``provider:model`` from the command line, else offline."""

from __future__ import annotations

import sys

from fantasy import LanguageModel, language_model
from fantasy.testing import TestModel


def pick_model() -> LanguageModel:
    """``sys.argv[1]`` as a ``provider:model`` string, else the deterministic TestModel."""
    if len(sys.argv) > 1:
        return language_model(sys.argv[1])
    print("(offline: TestModel; pass provider:model to go live)", file=sys.stderr)
    return TestModel()
