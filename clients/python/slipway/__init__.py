"""Slipway's Python SDK: ``Client(server, token)`` and the API's types.

Standard library only (urllib, json, dataclasses). See :class:`Client`.
"""
from .client import Client
from .errors import (APIConnectionError, APIError, ConflictError, FieldError, ForbiddenError, InternalError,
                     NotFoundError, OperationFailed, PreconditionFailedError, Problem, ProblemError, RateLimitedError,
                     RejectedError, SlipwayError, UnauthenticatedError, UnavailableError, ValidationError)
from .models import (Alias, CreatedToken, CreatedWebhook, Deployment, Diff, Event, Grant, InstanceType, Operation, Page,
                     Promotion, Revision, SecretKeyRef, SecretKeySelector, Target, TargetConnection, TargetRegistration,
                     Token, Webhook, WebhookDelivery, Whoami)

__version__ = "0.1.0"

__all__ = [
    "Client", "APIConnectionError", "APIError", "ConflictError", "FieldError", "ForbiddenError", "InternalError",
    "NotFoundError", "OperationFailed", "PreconditionFailedError", "Problem", "ProblemError", "RateLimitedError",
    "RejectedError", "SlipwayError", "UnauthenticatedError", "UnavailableError", "ValidationError", "Alias",
    "CreatedToken", "CreatedWebhook", "Deployment", "Diff", "Event", "Grant", "InstanceType", "Operation", "Page",
    "Promotion", "Revision", "SecretKeyRef", "SecretKeySelector", "Target", "TargetConnection", "TargetRegistration",
    "Token", "Webhook", "WebhookDelivery", "Whoami",
]
