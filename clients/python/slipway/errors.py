"""The exceptions of the SDK.

Every error answer of the API is an RFC 9457 problem (``application/problem+json``);
the SDK raises it as a :class:`ProblemError` subclass chosen by the problem's
``type``, carrying the offending fields in :attr:`ProblemError.errors`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple, Type

if TYPE_CHECKING:
    from .models import Operation

PROBLEM_BASE = "https://slipway.dev/problems/"


class SlipwayError(Exception):
    """The base of every error the SDK raises."""


class APIConnectionError(SlipwayError):
    """A request got no answer (after the SDK's retries)."""

    def __init__(self, server: str, cause: BaseException) -> None:
        super().__init__(f"cannot reach the Slipway API at {server}: {cause}")
        self.server = server
        self.cause = cause


class APIError(SlipwayError):
    """An error answer that is not a problem document (a proxy's 502, say)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class FieldError:
    """One offending field, named by its JSON path (``spec.replicas``, ``labels.team``)."""

    field: str
    message: str


@dataclass
class Problem:
    """An RFC 9457 problem document, as the API sends it."""

    type: str = ""
    title: str = ""
    status: int = 0
    detail: str = ""
    instance: str = ""
    errors: List[FieldError] = field(default_factory=list)
    operation: str = ""
    reason: str = ""


class ProblemError(APIError):
    """An RFC 9457 problem the API answered with.

    Attributes follow the problem document: ``type`` (stable per kind of
    error), ``title``, ``status``, ``detail``, ``instance`` (the request's
    path), ``errors`` (the offending fields), and for a rejected command
    ``operation`` and ``reason``; ``problem`` is the whole document.
    """

    #: The problem types this class stands for (subclasses set it).
    types: Tuple[str, ...] = ()

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.type = problem.type
        self.title = problem.title
        self.detail = problem.detail
        self.instance = problem.instance
        self.errors = problem.errors
        self.operation = problem.operation
        self.reason = problem.reason
        message = f"{problem.title} ({problem.status})"
        if problem.detail:
            message += ": " + problem.detail
        for e in problem.errors:
            if e.field not in problem.detail:  # the detail often lists them already
                message += f"; {e.field}: {e.message}"
        super().__init__(problem.status, message)

    def field(self, name: str) -> Optional[str]:
        """The message about field ``name`` (a JSON path), if the problem names it."""
        for e in self.errors:
            if e.field == name:
                return e.message
        return None


class ValidationError(ProblemError):
    """The request is invalid: a field, the body's JSON, a parameter or a header."""

    types = ("validation", "malformed", "bad-parameter", "too-large", "unsupported-media-type", "headers-too-large")


class NotFoundError(ProblemError):
    """What the request names does not exist."""

    types = ("not-found",)


class ConflictError(ProblemError):
    """The request conflicts with what exists (or reuses an Idempotency-Key for another request)."""

    types = ("conflict", "idempotency-key-reused")


class PreconditionFailedError(ProblemError):
    """An ``If-Match`` version is no longer the deployment's."""

    types = ("precondition-failed",)


class RejectedError(ProblemError):
    """A command was decided against; ``reason`` says why, ``operation`` names it."""

    types = ("rejected",)


class UnauthenticatedError(ProblemError):
    """No token, or one the API does not accept."""

    types = ("unauthenticated",)


class ForbiddenError(ProblemError):
    """The caller's roles do not allow the request."""

    types = ("forbidden",)


class RateLimitedError(ProblemError):
    """Too many requests; retry after the ``Retry-After`` the API sent."""

    types = ("rate-limited",)


class UnavailableError(ProblemError):
    """The API cannot serve the request now (a dependency is down); retry later."""

    types = ("unavailable",)


class InternalError(ProblemError):
    """The API failed; its logs say why."""

    types = ("internal", "http")


_BY_TYPE: Dict[str, Type[ProblemError]] = {
    PROBLEM_BASE + t: cls
    for cls in (ValidationError, NotFoundError, ConflictError, PreconditionFailedError, RejectedError,
                UnauthenticatedError, ForbiddenError, RateLimitedError, UnavailableError, InternalError)
    for t in cls.types
}


def problem_error(problem: Problem) -> ProblemError:
    """The exception for a problem document: the class of its type, else ProblemError."""
    return _BY_TYPE.get(problem.type, ProblemError)(problem)


class OperationFailed(SlipwayError):
    """An operation ended failed or rejected (see :meth:`Operation.raise_for_status`)."""

    def __init__(self, operation: "Operation") -> None:
        text = f"operation {operation.id} {operation.status}"
        if operation.reason:
            text += ": " + operation.reason
        if operation.message:
            text += ": " + operation.message
        super().__init__(text)
        self.operation = operation
