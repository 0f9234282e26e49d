"""Typed errors raised by fantasy.

Every error derives from :class:`FantasyError` and keeps its cause in ``__cause__``::

    FantasyError
    ├── ProviderError            provider, status_code, url, response_headers,
    │   │                        response_body (secrets redacted), is_retryable
    │   ├── AuthenticationError  401 / 403
    │   ├── RateLimitError       429 (retry_after seconds when the provider says it)
    │   ├── ContextTooLargeError prompt over the context window (used / max tokens)
    │   ├── InvalidResponseError malformed provider JSON or event (raw kept)
    │   ├── IncompleteResponseError a whole answer the provider left unfinished (retryable)
    │   │   └── IncompleteStreamError stream closed without a finish signal (retryable)
    │   ├── RequestTimeoutError  a request time limit fired: phase, timeout, url (retryable)
    │   ├── StreamIdleTimeoutError no stream data within the idle timeout; url (retryable)
    │   ├── AttemptTimeoutError  one attempt took longer than RetryPolicy.timeout (retryable)
    │   └── DeadlineExceededError a call's RetryPolicy.deadline passed (never retried)
    ├── InvalidArgumentError     bad call, provider options or tool input given by the caller
    ├── ToolExecutionError       a tool aborts the run (other tool errors go back to the model)
    ├── ModelRetry               raised by a tool or output validator: the model tries again
    │   └── ToolInputError       a tool's input failed conversion (also InvalidArgumentError)
    ├── UsageError               fantasy used in a way that cannot work (always reaches you)
    ├── UsageLimitExceeded       a run's usage limit: limit, usage, requests, result so far
    ├── NoObjectGeneratedError   raw_text, parse_error, validation_error, usage, finish_reason
    └── FallbackError            every model of a FallbackModel failed: errors, models
                                 (also an instance of the kind they all share)

When retries give up (:mod:`fantasy.retry`), the last attempt's error itself is raised,
whatever the number of attempts, with ``attempts`` holding every attempt's error in order
(see :func:`attempts_of`): ``except RateLimitError`` matches a persistent rate limit
with ``max_retries=0`` and with ``max_retries=5`` alike.

Retryability is decided here (``is_retryable``) and applied by :mod:`fantasy.retry`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fantasy.usage import FinishReason, Usage

__all__ = [
    "MIN_SECRET_LENGTH",
    "AttemptTimeoutError",
    "AuthenticationError",
    "ContextTooLargeError",
    "DeadlineExceededError",
    "FallbackError",
    "FantasyError",
    "FantasyWarning",
    "IncompleteResponseError",
    "IncompleteStreamError",
    "InvalidArgumentError",
    "InvalidResponseError",
    "ModelRetry",
    "NoObjectGeneratedError",
    "ProviderError",
    "RateLimitError",
    "RequestTimeoutError",
    "StreamIdleTimeoutError",
    "ToolExecutionError",
    "ToolInputError",
    "UsageError",
    "UsageLimitExceeded",
    "attempts_of",
    "is_retryable",
    "redact",
    "register_secret",
]

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})

_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "cookie",
        "set-cookie",
        "x-amz-security-token",
    }
)
_SECRET_PATTERNS = (
    re.compile(r"(sk-[A-Za-z0-9_\-]{6})[A-Za-z0-9_\-]{8,}"),
    re.compile(r"((?:api[_-]?key|key|token|access_token)=)[^&\s\"']+", re.IGNORECASE),
    re.compile(r"(Bearer )[A-Za-z0-9._\-~+/=]{8,}", re.IGNORECASE),
    re.compile(r"(AIza)[A-Za-z0-9_\-]{20,}"),
)


# Every credential a provider client was built with. Errors are often raised far from
# the client that knows the key (a stream decoder, a tool-call validator), so the
# redaction every error applies consults this set too. Keys already live in memory in
# the clients; this only lets any error scrub them.
_KNOWN_SECRETS: set[str] = set()


MIN_SECRET_LENGTH = 8
"""Shorter values are placeholders (``"ollama"``, ``"k"``, ``"none"``), not keys: they are
never scrubbed, anywhere (errors, logs, cassettes), since cutting them out would mangle
ordinary words of messages (and the token counts parsed from them)."""


def register_secret(secret: str | None) -> None:
    """Scrub ``secret`` from every error raised from now on (API keys, tokens).

    Values shorter than :data:`MIN_SECRET_LENGTH` are ignored.
    """
    if secret and len(secret) >= MIN_SECRET_LENGTH:
        _KNOWN_SECRETS.add(secret)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove API keys and bearer tokens from ``text``.

    Known secret values (``secrets`` and every :func:`register_secret` value) of at least
    :data:`MIN_SECRET_LENGTH` characters are replaced exactly; well-known key shapes are
    masked too.
    """
    for secret in (*secrets, *_KNOWN_SECRETS):
        if len(secret) >= MIN_SECRET_LENGTH and secret in text:
            text = text.replace(secret, "[REDACTED]")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1[REDACTED]", text)
    return text


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy ``headers`` with secret-bearing values replaced."""
    return {
        key: ("[REDACTED]" if key.lower() in _SECRET_HEADERS else value)
        for key, value in headers.items()
    }


def _should_retry_header(headers: Mapping[str, str]) -> bool | None:
    """The ``x-should-retry`` header as a verdict (``None`` when absent or unclear)."""
    for key, value in headers.items():
        if key.lower() == "x-should-retry":
            verdict = value.strip().lower()
            if verdict in ("true", "false"):
                return verdict == "true"
    return None


class FantasyError(Exception):
    """Base class of every error raised by fantasy.

    Attributes:
        attempts: When a retry driver gave up on this error: every attempt's error in
            order, this one last (empty otherwise; :func:`attempts_of` reads it off any
            exception).
    """

    attempts: tuple[BaseException, ...] = ()


class FantasyWarning(UserWarning):
    """Base class of the warnings fantasy issues (``warnings.warn``): a likely mistake.

    Filter them as usual, e.g. ``warnings.simplefilter("error", FantasyWarning)``.
    """


class ProviderError(FantasyError):
    """A provider answered with an error, or its answer could not be used.

    Attributes:
        provider: Provider name (``"openai"``, ``"anthropic"``, ...).
        status_code: HTTP status, or ``None`` for transport and in-band stream errors.
        url: The request URL (secrets redacted).
        response_headers: Response headers (secrets redacted).
        response_body: Response body text (secrets redacted).
        code: The provider's own error code or type, when it sends one.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status_code: int | None = None,
        url: str = "",
        response_headers: Mapping[str, str] | None = None,
        response_body: str = "",
        code: str = "",
        retryable: bool | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.message = redact(message)
        self.provider = provider
        self.status_code = status_code
        self.url = redact(url)
        self.response_headers = redact_headers(response_headers or {})
        self.response_body = redact(response_body)
        self.code = code
        self._retryable = retryable

    @property
    def is_retryable(self) -> bool:
        """Whether sending the same request again may succeed.

        A response header ``x-should-retry: true`` makes any error retryable and
        ``x-should-retry: false`` makes it never retried (the official SDKs' rule); it
        wins over the status and over the error's own default.
        """
        should_retry = _should_retry_header(self.response_headers)
        if should_retry is not None:
            return should_retry
        if self._retryable is not None:
            return self._retryable
        return self.status_code in RETRYABLE_STATUS or (
            self.status_code is not None and self.status_code >= 500
        )

    def __str__(self) -> str:
        parts = [self.message]
        if self.provider:
            parts.insert(0, f"[{self.provider}]")
        if self.status_code is not None:
            parts.append(f"(status {self.status_code})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(provider={self.provider!r}, "
            f"status_code={self.status_code!r}, message={self.message!r})"
        )


class AuthenticationError(ProviderError):
    """The provider rejected the credentials (401) or the permission (403)."""


class RateLimitError(ProviderError):
    """The provider throttled the request (429).

    Attributes:
        retry_after: Seconds the provider asked to wait, when it said so.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("retryable", True)  # throttling is transient by nature
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ContextTooLargeError(ProviderError):
    """The prompt does not fit the model's context window.

    Attributes:
        used_tokens: Prompt tokens, when the provider says them.
        max_tokens: The model's limit, when the provider says it.
    """

    def __init__(
        self,
        message: str,
        *,
        used_tokens: int | None = None,
        max_tokens: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("retryable", False)
        super().__init__(message, **kwargs)
        self.used_tokens = used_tokens
        self.max_tokens = max_tokens


class InvalidResponseError(ProviderError):
    """The provider sent JSON or an event that could not be decoded.

    Attributes:
        raw: The offending payload, kept for debugging.
    """

    def __init__(self, message: str, *, raw: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("retryable", False)
        super().__init__(message, **kwargs)
        self.raw = redact(raw)


class IncompleteResponseError(ProviderError):
    """The answer is unfinished: no finish reason, or a status saying it is in progress.

    Raised for a whole (non-streamed) answer whose provider rules say it is not final,
    for instance a Messages answer with ``stop_reason: null``, a Gemini candidate
    without ``finishReason`` or a Responses answer still ``in_progress``. Retryable:
    running its tool calls as if the model had finished could end a run silently.
    """

    def __init__(self, message: str = "the answer is incomplete", **kwargs: Any):
        kwargs.setdefault("retryable", True)
        super().__init__(message, **kwargs)


class IncompleteStreamError(IncompleteResponseError):
    """The stream closed before the provider's finish signal. Retryable."""

    def __init__(self, message: str = "stream ended before a finish signal", **kwargs: Any):
        kwargs.setdefault("retryable", True)
        super().__init__(message, **kwargs)


class RequestTimeoutError(ProviderError):
    """A request's time limit fired before the answer came. Retryable.

    Attributes:
        phase: The limit that fired: ``"connect"``, ``"write"``, ``"read"`` (no bytes
            of the answer within the read timeout) or ``"pool"`` (no free connection).
        timeout: That limit in seconds, when known.
        url: The request URL (on every :class:`ProviderError`).
    """

    def __init__(
        self,
        message: str = "request timed out",
        *,
        phase: str = "read",
        timeout: float | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("retryable", True)
        super().__init__(message, **kwargs)
        self.phase = phase
        self.timeout = timeout


class StreamIdleTimeoutError(ProviderError):
    """No stream data arrived within the idle timeout (``url`` says where). Retryable."""

    def __init__(self, message: str = "stream stalled: idle timeout exceeded", **kwargs: Any):
        kwargs.setdefault("retryable", True)
        super().__init__(message, **kwargs)


class AttemptTimeoutError(ProviderError):
    """One attempt of a call took longer than its ``RetryPolicy.timeout``. Retryable."""

    def __init__(self, message: str = "attempt timed out", **kwargs: Any):
        kwargs.setdefault("retryable", True)
        super().__init__(message, **kwargs)


class DeadlineExceededError(ProviderError):
    """A call (all its attempts and waits) passed its ``RetryPolicy.deadline``.

    Never retried: the time allowed is spent. ``__cause__`` is the last attempt's error
    when one failed before the deadline.
    """

    def __init__(self, message: str = "deadline exceeded", **kwargs: Any):
        kwargs["retryable"] = False
        super().__init__(message, **kwargs)


class InvalidArgumentError(FantasyError, ValueError):
    """The caller passed a bad argument, option or setting.

    Attributes:
        argument: Name of the offending argument.
    """

    def __init__(self, message: str, *, argument: str = "") -> None:
        super().__init__(f"{argument}: {message}" if argument else message)
        self.argument = argument


class ToolExecutionError(FantasyError):
    """Raised by a tool to abort the whole run (other exceptions go back to the model).

    Attributes:
        tool_name: The tool that aborted, filled in by the agent.
        tool_call_id: The call that aborted, filled in by the agent.
    """

    def __init__(self, message: str, *, tool_name: str = "", tool_call_id: str = "") -> None:
        super().__init__(message)
        self.tool_name = tool_name
        self.tool_call_id = tool_call_id


class ModelRetry(FantasyError):
    """Raised by a tool or an output validator to ask the model to try again.

    The message goes to the model (as the tool's error result, or with the rejected
    output) and the run goes on; it never raises out of the run, whatever the agent's
    ``tool_errors`` setting.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ToolInputError(ModelRetry, InvalidArgumentError):
    """A tool's input failed its conversion (pydantic) after the schema check.

    The model's mistake, not the tool's: it goes back to the model like
    :class:`ModelRetry`, and it is an :class:`InvalidArgumentError` when a tool is
    called directly.
    """

    def __init__(self, message: str) -> None:
        InvalidArgumentError.__init__(self, message)
        self.message = message


class UsageError(FantasyError):
    """fantasy was used in a way that cannot work (a programming error of the caller).

    Raised inside a tool (for example a blocking ``*_sync`` call made from fantasy's own
    event loop) it always reaches the caller, never the model.
    """


class UsageLimitExceeded(FantasyError):
    """A run would exceed one of its usage limits (:class:`~fantasy.agent.UsageLimits`).

    Attributes:
        limit: The limit's name (``"requests"``, ``"input_tokens"``, ``"output_tokens"``,
            ``"total_tokens"`` or ``"tool_calls"``).
        usage: The run's usage so far.
        requests: Model requests made so far.
        tool_calls: Tool calls run so far.
        result: The partial run (the steps taken so far) as an agent result.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: str,
        usage: Usage,
        requests: int,
        tool_calls: int,
        result: Any = None,
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.usage = usage
        self.requests = requests
        self.tool_calls = tool_calls
        self.result = result


class NoObjectGeneratedError(FantasyError):
    """The model's answer could not be turned into the requested object.

    Attributes:
        raw_text: The text (or tool input) the model produced.
        parse_error: Why JSON parsing failed, if it did.
        validation_error: Why schema validation failed, if it did.
        usage: Token usage of the call.
        finish_reason: The call's finish reason.
    """

    def __init__(
        self,
        message: str = "no object generated",
        *,
        raw_text: str = "",
        parse_error: str = "",
        validation_error: str = "",
        usage: Usage | None = None,
        finish_reason: FinishReason | None = None,
    ) -> None:
        super().__init__(message)
        self.raw_text = raw_text
        self.parse_error = parse_error
        self.validation_error = validation_error
        self.usage = usage
        self.finish_reason = finish_reason


def attempts_of(error: BaseException) -> tuple[BaseException, ...]:
    """Every attempt's error of an operation that failed with ``error``, in order.

    ``error`` is the last item. It is ``(error,)`` for an error no retry driver gave up
    on (a non-retryable error on the first attempt, or one raised outside a retry).
    """
    attempts: tuple[BaseException, ...] = getattr(error, "attempts", ())
    return attempts or (error,)


class FallbackError(FantasyError):
    """Every model of a :class:`~fantasy.fallback.FallbackModel` failed.

    When every model failed with the same kind of error, the raised error is also an
    instance of that kind: the most specific fantasy error class all of them share
    (``RateLimitError`` when every model was rate limited, ``ProviderError`` for a 503
    and a 429, :class:`NoObjectGeneratedError` when no model produced the object). So
    ``except RateLimitError`` catches a chain that was rate limited throughout, exactly
    as it catches one rate-limited model. Such an error's class is
    ``Fallback<Kind>`` (``FallbackRateLimitError``: a subclass of both
    :class:`FallbackError` and the shared class); the shared class's attributes
    (``status_code``, ``retry_after``, ``provider``, ...) are the last model's. Errors of
    different kinds (or not fantasy errors) give a plain :class:`FallbackError`.

    Attributes:
        errors: Each model's final error (after its retries), in the order tried.
        models: ``"provider:model_id"`` of each model tried, in the same order.
        shared: The class every error is an instance of (``FallbackError`` itself
            when they share none but :class:`FantasyError`).

    ``__cause__`` is the last model's error. Never retryable, whatever its kind (the
    whole chain was tried): ``is_retryable`` is ``False``, so an agent's default retry
    does not start the chain again.
    """

    shared: type[FantasyError]

    def __new__(cls, errors: list[BaseException], models: list[str]) -> FallbackError:
        """Pick the class: ``Fallback<Kind>`` when every error shares a fantasy kind."""
        kind = _fallback_class(_shared_kind(errors)) if cls is FallbackError else cls
        instance: FallbackError = FantasyError.__new__(kind, errors, models)
        return instance

    def __init__(self, errors: list[BaseException], models: list[str]) -> None:
        tried = "; ".join(f"{model}: {error}" for model, error in zip(models, errors, strict=False))
        summary = f"all {len(errors)} models failed: {tried}"
        if errors and type(self) is not FallbackError:
            # The shared class's attributes, as the last model's error has them.
            state = {k: v for k, v in vars(errors[-1]).items() if k not in _OWN_STATE}
            self.__dict__.update(state)
        Exception.__init__(self, summary)
        self.message = summary
        self.errors = errors
        self.models = models
        self._retryable = False
        self.__cause__ = errors[-1] if errors else None

    @property
    def is_retryable(self) -> bool:
        """Always ``False``: every model of the chain was tried."""
        return False

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(models={self.models!r}, errors={self.errors!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt through FallbackError, which picks the same class again: the
        # generated classes need no importable name (pickle, DBOS's error records).
        return (FallbackError, (self.errors, self.models))


_OWN_STATE = frozenset({"errors", "models", "message", "attempts", "_retryable", "__notes__"})


def _shared_kind(errors: list[BaseException]) -> type[FantasyError]:
    """The most specific fantasy error class that every one of ``errors`` is an instance of."""
    if not errors:
        return FallbackError
    for kind in type(errors[0]).__mro__:
        if (
            issubclass(kind, FantasyError)
            and kind is not FantasyError
            and not issubclass(kind, FallbackError)
            and all(isinstance(error, kind) for error in errors)
        ):
            return kind
    return FallbackError


_FALLBACK_CLASSES: dict[type[FantasyError], type[FallbackError]] = {}


def _fallback_class(shared: type[FantasyError]) -> type[FallbackError]:
    """``Fallback<Kind>``: a :class:`FallbackError` that is a ``shared`` too (one per kind)."""
    if shared is FallbackError:
        return FallbackError
    kind = _FALLBACK_CLASSES.get(shared)
    if kind is None:
        name = f"Fallback{shared.__name__}"
        namespace = {"__module__": __name__, "__qualname__": name, "shared": shared}
        kind = _FALLBACK_CLASSES.setdefault(shared, type(name, (FallbackError, shared), namespace))
    return kind


FallbackError.shared = FallbackError


def is_retryable(error: BaseException) -> bool:
    """Whether ``error`` is transient: retryable provider errors and transport failures."""
    if isinstance(error, ProviderError):
        return error.is_retryable
    # httpx transport errors (connect, read, write, pool, protocol); checked by name so
    # that this module imports nothing.
    for cls in type(error).__mro__:
        if cls.__module__.startswith("httpx") and cls.__name__ == "TransportError":
            return True
    return False
