"""The check catalogue: one registry that the CLI, reports, pytest plugin and matrix read.

Built-in checks register with the same public decorator a user's own checks would use.
A check is a short function of a CheckContext that raises CheckFailed; it never prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from fnproof.conformance.http import Request, Response
from fnproof.conformance.runtimes.base import CAPABILITIES
from fnproof.core.errors import UsageError

PROFILES = ("seed", "standard", "production")
BOTH = ("http-idempotent", "webhook")  # checks every HTTP kind shares


@dataclass(frozen=True, slots=True)
class Failure:
    """What a failed check knows: the local fact, and the exchange it concerns.

    Reporters read these fields (the JSON report, JUnit, the terminal, annotations); `text()`
    is the one human-readable rendering they share.
    """

    summary: str
    request: Request | None = None
    response: Response | None = None
    expected: str | None = None

    def text(self) -> str:
        parts = [self.summary]
        if self.request is not None:
            parts.append(f"  sent:     {self.request.describe()}")
        if self.response is not None:
            parts.append(f"  got:      {self.response.describe()}")
        if self.expected:
            parts.append(f"  expected: {self.expected}")
        return "\n".join(parts)


class CheckFailed(AssertionError):
    """A failed assertion with what was sent, what came back and what was expected."""

    def __init__(self, message: str, *, request: Request | None = None, response: Response | None = None,
                 expected: str | None = None) -> None:
        self.failure = Failure(message, request, response, expected)
        super().__init__(self.failure.text())


class CheckSkipped(Exception):
    """The check does not apply (the contract lacks what it proves, or the runtime can't)."""


@dataclass(frozen=True, slots=True)
class CheckSpec:
    id: str
    profile: str
    needs: frozenset[str]
    summary: str
    func: Callable[..., None]
    kinds: frozenset[str] = frozenset({"http-idempotent"})


# One id may name a check of several kinds (redelivery-after-cold-start means the same thing
# for a webhook and a queue consumer), each its own function; within a kind, an id is unique.
_REGISTRY: list[CheckSpec] = []


def check(check_id: str, *, profile: str, needs: Iterable[str] = (),
          kinds: Iterable[str] = ("http-idempotent",)) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a check; a wrong profile, capability or kind is refused here, not in the middle of a run."""
    from fnproof.core.contract import KINDS

    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} for check {check_id!r}")
    needs, kinds = frozenset(needs), frozenset(kinds)
    unknown = sorted(needs - set(CAPABILITIES))
    if unknown:
        raise ValueError(f"check {check_id!r} needs unknown capability {unknown[0]!r};"
                         f" known: {', '.join(CAPABILITIES)}")
    strange = sorted(kinds - set(KINDS))
    if strange or not kinds:
        raise ValueError(f"check {check_id!r} is for unknown kind {(strange or ['(none)'])[0]!r};"
                         f" known: {', '.join(KINDS)}")

    def register(func: Callable[..., None]) -> Callable[..., None]:
        if any(spec.id == check_id and spec.kinds & kinds for spec in _REGISTRY):
            raise ValueError(f"check id {check_id!r} is registered twice")
        summary = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else check_id
        _REGISTRY.append(CheckSpec(check_id, profile, needs, summary, func, kinds))
        return func

    return register


def judges_the_run(spec: CheckSpec) -> bool:
    """A check that reads the logs of every invocation of the run, so it runs after the rest
    (checks/journal.py says why)."""
    return "logs" in spec.needs


def all_checks(kind: str | None = None) -> list[CheckSpec]:
    """The catalogue in order (of one kind, or every kind): the built-in families as
    `checks.FAMILIES` lists them, then any other registered check in registration order."""
    from fnproof.conformance.checks import FAMILIES  # registers the built-in catalogue

    rank = {family.__name__: index for index, family in enumerate(FAMILIES)}
    order = {id(spec): index for index, spec in enumerate(_REGISTRY)}
    found = [spec for spec in _REGISTRY if kind is None or kind in spec.kinds]
    return sorted(found, key=lambda spec: (rank.get(spec.func.__module__, len(rank)), order[id(spec)]))


def known_ids() -> list[str]:
    """Every check id of every kind, in catalogue order, once each."""
    return list(dict.fromkeys(spec.id for spec in all_checks()))


def in_profile(spec: CheckSpec, profile: str) -> bool:
    return PROFILES.index(spec.profile) <= PROFILES.index(profile)


def select(profile: str, only: Iterable[str] = (), kind: str = "http-idempotent") -> list[CheckSpec]:
    """Checks of a kind and profile (profiles nest), or exactly the ids asked for."""
    if profile not in PROFILES:
        raise UsageError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    catalogue = all_checks(kind)
    wanted = list(only)
    if not wanted:
        return [spec for spec in catalogue if in_profile(spec, profile)]
    known = {spec.id for spec in catalogue}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        other = " (a check of another kind of contract)" if unknown[0] in known_ids() else ""
        raise UsageError(f"unknown check id {unknown[0]!r}{other} for a {kind} contract; "
                         f"known ids: {', '.join(sorted(known))}")
    return [spec for spec in catalogue if spec.id in wanted]
