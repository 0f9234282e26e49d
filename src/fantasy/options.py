"""Provider options and provider metadata, keyed by provider name.

A call, a message or a part carries ``provider_options``: a mapping from a provider
name (``"openai"``, ``"anthropic"``, ``"google"``, ...) to that provider's typed options.
Responses carry ``provider_metadata`` in the same shape (signatures, encrypted
reasoning, cache statistics). Values are :class:`ProviderData` models defined by each
provider package; a plain ``dict`` is accepted too and validated by the provider.

For JSON round trips every :class:`ProviderData` subclass has a ``type_id``; it is
stored next to the data (``{"type": ..., "data": {...}}``) and resolved back through a
registry. Type ids are ``"<provider package>.<name>"``: the provider package is
imported on demand, so loading a stored conversation needs no import by the caller.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from fantasy.errors import InvalidArgumentError

if TYPE_CHECKING:
    from fantasy.usage import CallWarning

__all__ = [
    "ProviderData",
    "ProviderMap",
    "dump_provider_map",
    "namespace_warnings",
    "get_provider_data",
    "load_provider_map",
    "merge_provider_maps",
]

ProviderMap = Mapping[str, Any]
"""Provider name → :class:`ProviderData` (or a plain dict of the same fields)."""

_REGISTRY: dict[str, type[ProviderData]] = {}

# Provider package of each type-id prefix, imported when a stored id is unknown.
_TYPE_MODULES = {
    "openai": "fantasy.providers.openai.options",
    "anthropic": "fantasy.providers.anthropic.options",
    "google": "fantasy.providers.google.options",
    "openaicompat": "fantasy.providers.openaicompat.options",
    "openrouter": "fantasy.providers.openrouter.options",
    "vercel": "fantasy.providers.vercel.options",
    "bedrock": "fantasy.providers.bedrock",
    "azure": "fantasy.providers.azure",
    "fallback": "fantasy.fallback",
}

T = TypeVar("T", bound="ProviderData")

NAMESPACES = frozenset(
    {
        "openai",
        "anthropic",
        "google",
        "openai-compat",
        "openrouter",
        "vercel",
        "bedrock",
        "mistral",
        "voyage",
        "fallback",
    }
)
"""The ``provider_options`` keys fantasy's providers read (Azure reads ``"openai"``,
Claude on Bedrock and Vertex ``"anthropic"``, Gemini on Vertex ``"google"``)."""

ALIASES = {
    "openaicompat": "openai-compat",
    "openai-responses": "openai",
    "azure": "openai",
    "azure-responses": "openai",
    "anthropic-vertex": "anthropic",
    "google-vertex": "google",
}
"""Registry names accepted as ``provider_options`` keys: alias → the namespace read."""


class ProviderData(BaseModel):
    """Base class of every typed provider option or metadata model.

    Subclasses set ``type_id`` (``"<provider>.<name>"``) to join the JSON registry.
    Unknown fields are rejected so that a misspelt option is an error, not a no-op.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)
    type_id: ClassVar[str] = ""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.type_id:
            _REGISTRY[cls.type_id] = cls

    def to_dict(self) -> dict[str, Any]:
        """The set fields as JSON-ready data (``None`` fields omitted)."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=False)


def _resolve(type_id: str) -> type[ProviderData]:
    cls = _REGISTRY.get(type_id)
    if cls is None:
        module = _TYPE_MODULES.get(type_id.split(".", 1)[0])
        if module is not None:
            try:
                importlib.import_module(module)
            except ImportError as error:
                raise InvalidArgumentError(
                    f"cannot load provider data type {type_id!r}: {error}"
                ) from error
            cls = _REGISTRY.get(type_id)
    if cls is None:
        raise InvalidArgumentError(f"unknown provider data type {type_id!r}")
    return cls


def dump_provider_map(values: ProviderMap | None) -> dict[str, Any]:
    """Serialize provider options/metadata to JSON-ready data with type ids."""
    out: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if isinstance(value, ProviderData):
            out[key] = {"type": value.type_id, "data": value.to_dict()}
        elif isinstance(value, Mapping):
            out[key] = {"data": dict(value)}
        else:
            raise InvalidArgumentError(
                f"provider data for {key!r} must be a ProviderData or a mapping, "
                f"not {type(value).__name__}"
            )
    return out


def load_provider_map(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Inverse of :func:`dump_provider_map`; unknown type ids raise InvalidArgumentError."""
    out: dict[str, Any] = {}
    for key, wrapped in (data or {}).items():
        if not isinstance(wrapped, Mapping) or "data" not in wrapped:
            raise InvalidArgumentError(f"provider data for {key!r} is not a type/data wrapper")
        type_id = wrapped.get("type") or ""
        if type_id:
            out[key] = _resolve(type_id).model_validate(wrapped["data"])
        else:
            out[key] = dict(wrapped["data"])
    return out


def get_provider_data(values: ProviderMap | None, key: str, cls: type[T]) -> T | None:
    """Read ``values[key]`` as ``cls``; a dict is validated, a wrong type is an error.

    Returns ``None`` when the key is absent or holds another provider model of a
    different kind (for example a reasoning metadata where options are looked for).
    """
    if not values:
        return None
    value = values.get(key)
    if value is None:
        value = next((values[a] for a, k in ALIASES.items() if k == key and a in values), None)
    if value is None:
        return None
    if isinstance(value, cls):
        return value
    if isinstance(value, ProviderData):
        return None
    if isinstance(value, Mapping):
        try:
            return cls.model_validate(dict(value))
        except ValidationError as error:
            raise InvalidArgumentError(str(error), argument=f"provider_options[{key!r}]") from error
    raise InvalidArgumentError(
        f"expected {cls.__name__} or a mapping, got {type(value).__name__}",
        argument=f"provider_options[{key!r}]",
    )


def merge_provider_maps(base: ProviderMap | None, extra: ProviderMap | None) -> dict[str, Any]:
    """Shallow merge: keys of ``extra`` replace those of ``base``."""
    merged = dict(base or {})
    merged.update(extra or {})
    return merged


def namespace_warnings(options: ProviderMap | None) -> list[CallWarning]:
    """A :class:`~fantasy.usage.CallWarning` per call option key that no provider owns.

    Known keys are :data:`NAMESPACES`, their :data:`ALIASES` and the names of providers
    added with :func:`fantasy.provider.register_provider`. The warning names the key
    that was probably meant (``"openaicompat"`` would be ``"openai-compat"`` if it
    were not accepted as an alias).
    """
    if not options:
        return []
    from fantasy.provider import PROVIDERS  # registered names may own their own key
    from fantasy.usage import CallWarning

    known = NAMESPACES | PROVIDERS.keys()
    out = []
    for key in options:
        if key in known or key in ALIASES:
            continue
        guess = difflib.get_close_matches(str(key).lower(), sorted(NAMESPACES), n=1, cutoff=0.5)
        hint = (
            f"did you mean {guess[0]!r}?"
            if guess
            else f"known keys: {', '.join(sorted(NAMESPACES))}"
        )
        out.append(
            CallWarning(
                type="unsupported-setting",
                setting=f"provider_options[{key!r}]",
                message=f"provider_options key {key!r} belongs to no provider and was ignored; "
                f"{hint}",
            )
        )
    return out
