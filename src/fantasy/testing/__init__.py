"""Testing helpers: cassette transport, test models, pytest plugin."""

from fantasy.testing.cassette import (
    DEFAULT_MATCH_ON,
    DEFAULT_REQUEST_HEADERS,
    DEFAULT_RESPONSE_HEADERS,
    REDACTED,
    Cassette,
    CassetteError,
    CassetteFormatError,
    CassetteMismatchError,
    CassetteMode,
    CassetteTransport,
    Interaction,
    Matcher,
    MatchField,
    MatchOn,
    RecordedRequest,
    RecordedResponse,
    match_request,
    use_cassette,
)

__all__ = [
    # cassettes (go-vcr v2 record/replay)
    "DEFAULT_MATCH_ON",
    "DEFAULT_REQUEST_HEADERS",
    "DEFAULT_RESPONSE_HEADERS",
    "REDACTED",
    "Cassette",
    "CassetteError",
    "CassetteFormatError",
    "CassetteMismatchError",
    "CassetteMode",
    "CassetteTransport",
    "Interaction",
    "MatchField",
    "MatchOn",
    "Matcher",
    "RecordedRequest",
    "RecordedResponse",
    "match_request",
    "use_cassette",
]
