"""The `Cassette` object: interactions of one go-vcr v2 file and which were played (private).

Public names are re-exported by `fantasy.testing.cassette`.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeAlias

from fantasy.testing._cassette_match import (
    DEFAULT_MATCH_ON,
    MatchOn,
    match_request,
    validate_match_on,
)
from fantasy.testing._cassette_model import (
    Body,
    CassetteError,
    Interaction,
    RecordedRequest,
    RecordedResponse,
)
from fantasy.testing._cassette_yaml import dump_cassette, parse_cassette

StrPath: TypeAlias = str | os.PathLike[str]
"""A filesystem path given as a string or path-like object."""


def unplayed_report(source: str, total: int, unplayed: Sequence[Interaction]) -> str:
    """Describe unplayed interactions: one `#index METHOD URL` line each."""
    lines = [f"cassette {source}: {len(unplayed)} of {total} interactions were not played:"]
    lines += [f"  #{i.index} {i.request.method} {i.request.url}" for i in unplayed]
    return "\n".join(lines)


class Cassette:
    """An ordered list of recorded interactions plus which of them were played.

    Attributes:
        path: The file the cassette was loaded from / is saved to, if any.
    """

    def __init__(
        self, interactions: Iterable[Interaction] = (), *, path: StrPath | None = None
    ) -> None:
        """Create a cassette.

        Args:
            interactions: Initial interactions; they are re-indexed by position.
            path: The cassette file, used by `save` and in messages.
        """
        self.path: Path | None = Path(path) if path is not None else None
        self._interactions = [replace(i, index=n) for n, i in enumerate(interactions)]
        self._played = [False] * len(self._interactions)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: StrPath) -> Cassette:
        """Load a go-vcr version 2 YAML cassette file.

        Raises:
            CassetteError: The file does not exist or cannot be read.
            CassetteFormatError: The file is not a valid version 2 cassette.
        """
        file = Path(path)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CassetteError(f"cannot read cassette {file}: {exc}") from exc
        return cls(parse_cassette(data, source=str(file)), path=file)

    @classmethod
    def from_yaml(cls, text: str | bytes, *, path: StrPath | None = None) -> Cassette:
        """Parse a cassette from YAML text.

        Raises:
            CassetteFormatError: The text is not a valid version 2 cassette.
        """
        source = str(path) if path is not None else "<string>"
        return cls(parse_cassette(text, source=source), path=path)

    def to_yaml(self) -> str:
        """Serialise the cassette as go-vcr version 2 YAML."""
        with self._lock:
            return dump_cassette(list(self._interactions))

    def save(self, path: StrPath | None = None) -> Path:
        """Write the cassette (atomically) to `path` or to `self.path`.

        Returns:
            The path written.

        Raises:
            CassetteError: No path is known or the file cannot be written.
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise CassetteError("cannot save a cassette without a path")
        text = self.to_yaml()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(tmp_name, target)
        except OSError as exc:
            raise CassetteError(f"cannot write cassette {target}: {exc}") from exc
        return target

    @property
    def name(self) -> str:
        """The cassette's path as a string, or `<memory>`."""
        return str(self.path) if self.path is not None else "<memory>"

    @property
    def interactions(self) -> tuple[Interaction, ...]:
        """All interactions in file order."""
        return tuple(self._interactions)

    @property
    def played(self) -> list[Interaction]:
        """Interactions already used, in file order."""
        with self._lock:
            return [i for i, done in zip(self._interactions, self._played, strict=True) if done]

    @property
    def unplayed(self) -> list[Interaction]:
        """Interactions not used yet, in file order."""
        with self._lock:
            return [i for i, done in zip(self._interactions, self._played, strict=True) if not done]

    def __len__(self) -> int:
        return len(self._interactions)

    def __iter__(self) -> Iterator[Interaction]:
        return iter(self.interactions)

    def add(
        self, request: RecordedRequest, response: RecordedResponse, *, played: bool = False
    ) -> Interaction:
        """Append an interaction (numbered by position) and return it."""
        with self._lock:
            index = len(self._interactions)
            interaction = Interaction(index=index, id=index, request=request, response=response)
            self._interactions.append(interaction)
            self._played.append(played)
            return interaction

    def claim(self, predicate: Callable[[Interaction], bool]) -> Interaction | None:
        """Mark the first unplayed interaction satisfying `predicate` as played and return it."""
        with self._lock:
            for n, interaction in enumerate(self._interactions):
                if not self._played[n] and predicate(interaction):
                    self._played[n] = True
                    return interaction
        return None

    def play(
        self, method: str, url: str, body: Body | None, *, match_on: MatchOn = DEFAULT_MATCH_ON
    ) -> Interaction | None:
        """Find, mark played and return the first unplayed interaction matching a request.

        Args:
            method: The request method.
            url: The full request URL string.
            body: The request body (`None` means empty).
            match_on: The parts to compare or a custom matcher (see `match_request`).

        Returns:
            The interaction, or None when no unplayed interaction matches.
        """
        match_on = validate_match_on(match_on)
        return self.claim(lambda i: match_request(i, method, url, body, match_on=match_on))

    def reset(self) -> None:
        """Mark every interaction as unplayed."""
        with self._lock:
            self._played = [False] * len(self._interactions)

    def assert_all_played(self) -> None:
        """Raise if some interaction was never played.

        Raises:
            CassetteError: Lists each unplayed interaction (index, method, URL).
        """
        unplayed = self.unplayed
        if unplayed:
            raise CassetteError(unplayed_report(self.name, len(self), unplayed))
