"""Which thinking modes each Claude model takes, and the ``thinking`` object it gets.

Anthropic documents three modes: manual (``{"type": "enabled", "budget_tokens": N}``),
adaptive (``{"type": "adaptive"}``, the model decides how much to think, guided by
``output_config.effort``) and disabled. The rules, per model family and version, live in
one table (:data:`RULES`), read from the model id (platform prefixes and suffixes of
Bedrock and Vertex ids allowed):

* adaptive thinking exists on Opus and Sonnet 4.6 and later and on Mythos;
* adaptive is the **only** mode of Opus 4.7 and later and of Mythos: a budget asked
  for there is sent as ``{"type": "adaptive"}`` (with a warning), since the API refuses
  manual budgets;
* ``display`` (``"summarized"`` or ``"omitted"``) says whether thinking text comes back;
  the API's default is ``"omitted"`` on the adaptive-only models and ``"summarized"``
  elsewhere. fantasy sends it only when the call sets ``thinking_display``.

``effort`` implies adaptive thinking: on a model that has adaptive thinking, a call
that sets ``effort`` and no ``thinking`` gets ``{"type": "adaptive"}``. On older models
(Opus 4.5) ``effort`` is sent alone, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from fantasy.providers.anthropic._structured import claude_version

__all__ = ["RULES", "ThinkingRule", "thinking_rule"]

_FAMILY = re.compile(r"claude-([a-z]+)")


@dataclass(frozen=True, slots=True)
class ThinkingRule:
    """What one model accepts.

    Attributes:
        adaptive: The model takes ``{"type": "adaptive"}``.
        adaptive_only: The model refuses manual budgets (adaptive is its only mode).
        default_display: The API's ``display`` default on this model.
    """

    adaptive: bool = False
    adaptive_only: bool = False
    default_display: Literal["summarized", "omitted"] = "summarized"


_MANUAL = ThinkingRule()
_ADAPTIVE = ThinkingRule(adaptive=True)
_ADAPTIVE_ONLY = ThinkingRule(adaptive=True, adaptive_only=True, default_display="omitted")

RULES: dict[str, tuple[tuple[tuple[int, int], ThinkingRule], ...]] = {
    # family: ((first version, rule), ...), newest first; a versionless id takes the
    # newest rule, an older version than every entry is manual only.
    "opus": (((4, 7), _ADAPTIVE_ONLY), ((4, 6), _ADAPTIVE)),
    "sonnet": (((4, 6), _ADAPTIVE),),
    "mythos": (((0, 0), _ADAPTIVE_ONLY),),
}
"""The documented thinking rules, per Claude family (the only place they are kept)."""


def thinking_rule(model_id: str) -> ThinkingRule:
    """The thinking rule of ``model_id`` (manual only for unknown families and old ids)."""
    lowered = model_id.lower()
    family = _FAMILY.search(lowered)
    if family is None:
        return _MANUAL
    entries = RULES.get(family.group(1), ())
    version = claude_version(lowered)
    for first, rule in entries:
        if version is None or version >= first:
            return rule
    return _MANUAL
