"""Which model the command talks to: ``--model``, ``FANTASY_MODEL``, a key in the environment.

Everything here goes through the provider registry (:mod:`fantasy.provider`), so a
provider registered by the user works on the command line as well.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from fantasy.errors import FantasyError, InvalidArgumentError

if TYPE_CHECKING:
    from fantasy.model import LanguageModel

__all__ = ["MODEL_VARIABLE", "OFFLINE_NOTICE", "UsageError", "load_model", "resolve_model"]

MODEL_VARIABLE = "FANTASY_MODEL"
"""The environment variable holding the default ``provider:model`` of ``--model``."""

OFFLINE_NOTICE = (
    "no provider key set: using the offline test model; set OPENAI_API_KEY, "
    "ANTHROPIC_API_KEY, GEMINI_API_KEY, OPENROUTER_API_KEY or AI_GATEWAY_API_KEY to go live"
)


class UsageError(FantasyError):
    """A mistake on the command line; reported in one line with exit code 2."""


def resolve_model(
    spec: str | None,
    environ: Mapping[str, str] | None = None,
    *,
    base_url: str | None = None,
) -> tuple[LanguageModel, str | None]:
    """The model to use, and a notice to show (set when falling back to the test model).

    Args:
        spec: ``"provider:model"`` from ``--model``, or ``None`` to pick from the
            environment (``FANTASY_MODEL``, else the first provider whose key is set).
        environ: Environment variables (default: ``os.environ``).
        base_url: The provider's API root from ``--base-url``.

    Raises:
        UsageError: ``spec`` names an unknown provider or cannot be loaded.
    """
    from fantasy.provider import provider_from_env

    env = os.environ if environ is None else environ
    spec = spec or env.get(MODEL_VARIABLE) or None
    if spec:
        return load_model(spec, base_url=base_url), None
    found = provider_from_env(dict(env))
    if found is not None:
        return load_model(f"{found[0]}:{found[1]}", base_url=base_url), None
    if base_url:
        raise UsageError(
            "--base-url needs --model PROVIDER:MODEL, e.g. "
            "fantasy run -m openaicompat:qwen3 --base-url http://127.0.0.1:11434/v1 'hi'"
        )
    from fantasy.testing.models import TestModel

    return TestModel(delay=0.02 if sys.stdout.isatty() else 0.0), OFFLINE_NOTICE


def load_model(spec: str, *, base_url: str | None = None) -> LanguageModel:
    """``fantasy.language_model(spec)``, with ``base_url`` when given.

    Raises:
        UsageError: The registry rejected ``spec`` or the settings (unknown provider,
            missing key or base URL, ...), or the provider's extra is not installed.
    """
    from fantasy.provider import language_model

    settings = {"base_url": base_url} if base_url else {}
    try:
        return language_model(spec, **settings)
    except InvalidArgumentError as error:
        if error.argument == "base_url" and not base_url:
            raise UsageError(f"--model {spec} needs --base-url URL ({error})") from error
        raise UsageError(f"--model {spec}: {error}") from error
    except FantasyError as error:
        raise UsageError(f"--model {spec}: {error}") from error
    except ImportError as error:
        raise UsageError(f"--model {spec}: provider not available ({error})") from error
