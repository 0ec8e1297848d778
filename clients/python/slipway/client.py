"""The client: ``Client(server, token)`` and its resources."""
from __future__ import annotations

import json
import time
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, TypeVar

from . import _json
from . import models as m
from . import routes as r
from ._http import Answer, Transport, duration
from .errors import APIConnectionError, APIError, OperationFailed

T = TypeVar("T")

#: The longest ``wait`` the API accepts (seconds).
MAX_WAIT = 600.0


def split_ref(ref: str) -> Tuple[str, str, str]:
    """``owner/project/name`` as its three parts."""
    parts = ref.split("/")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"deployment {ref!r}: want owner/project/name")
    return parts[0], parts[1], parts[2]


def split_project(project: str) -> Tuple[str, str]:
    """``owner/project`` as its two parts."""
    parts = project.split("/")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"project {project!r}: want owner/project")
    return parts[0], parts[1]


def _command(wait: Optional[float], idempotency_key: Optional[str]) -> Tuple[Dict[str, Any], Dict[str, Optional[str]]]:
    if wait is not None and not 0 <= wait <= MAX_WAIT:
        raise ValueError(f"wait {wait}: want 0 to {MAX_WAIT:.0f} seconds")
    return {"wait": duration(wait) if wait else None}, {"Idempotency-Key": idempotency_key}


class _Resource:
    def __init__(self, client: "Client") -> None:
        self._client = client
        self._t = client._transport

    def _decode(self, tp: Any, answer: Answer) -> Any:
        return _json.decode(tp, answer.json())

    def _op(self, answer: Answer) -> m.Operation:
        return _json.decode_as(m.Operation, answer.json())

    def _timeout(self, wait: Optional[float]) -> float:
        return self._t.timeout + (wait or 0)


class Deployments(_Resource):
    """Deployments: ``create``, ``get``, ``list``, ``iter``, ``update``,
    ``delete``, ``rollback`` and the rollout in flight (``pause``, ``resume``,
    ``abort``). Commands answer their :class:`~slipway.models.Operation`; give
    ``wait`` (seconds, at most 600) to have it answered once it ended."""

    def create(self, project: str, name: str, spec: Dict[str, Any], *, target: Optional[str] = None,
               environment: Optional[str] = None, labels: Optional[Dict[str, str]] = None,
               wait: Optional[float] = None, idempotency_key: Optional[str] = None) -> m.Operation:
        """Create deployment ``name`` in ``project`` (owner/project) running ``spec``
        (the API's Spec: ``{"image": ..., "replicas": ..., ...}``)."""
        q, h = _command(wait, idempotency_key)
        body = m.CreateDeploymentRequest(name=name, spec=spec, target=target, environment=environment, labels=labels)
        return self._op(self._t.call(r.CREATE_DEPLOYMENT, split_project(project), query=q, headers=h, body=body,
                                     timeout=self._timeout(wait)))

    def get(self, ref: str, *, if_none_match: Optional[str] = None) -> Optional[m.Deployment]:
        """Read deployment ``ref`` (owner/project/name); its ETag is ``etag``.
        With ``if_none_match`` (an ETag read before), None while it has not changed."""
        a = self._t.call(r.GET_DEPLOYMENT, split_ref(ref), headers={"If-None-Match": if_none_match})
        if a.status == 304:
            return None
        d = _json.decode_as(m.Deployment, a.json())
        d.etag = a.headers.get("ETag") or ""
        return d

    def list(self, *, project: Optional[str] = None, owner: Optional[str] = None, target: Optional[str] = None,
             environment: Optional[str] = None, labels: Optional[Sequence[str]] = None, search: Optional[str] = None,
             status: Optional[str] = None, health: Optional[str] = None, q: Optional[str] = None,
             include_terminated: bool = False, sort: Optional[str] = None, view: Optional[str] = None,
             limit: Optional[int] = None, cursor: Optional[str] = None) -> m.Page[m.Deployment]:
        """Read a page of the fleet. ``labels`` are ``key=value`` selectors (all
        must match); ``q`` is the fleet query language (``health=degraded and
        env=production``); ``view="full"`` answers whole deployments."""
        query = {"project": project, "owner": owner, "target": target, "environment": environment,
                 "label": list(labels or []), "search": search, "status": status, "health": health, "q": q,
                 "includeTerminated": include_terminated, "sort": sort, "view": view, "limit": limit, "cursor": cursor}
        return self._decode(m.Page[m.Deployment], self._t.call(r.LIST_DEPLOYMENTS, query=query))

    def iter(self, **filters: Any) -> Iterator[m.Deployment]:
        """Every deployment ``list`` would answer, page after page."""
        cursor = filters.pop("cursor", None)
        while True:
            page = self.list(cursor=cursor, **filters)
            yield from page.items
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def update(self, ref: str, spec: Dict[str, Any], *, message: Optional[str] = None, if_match: Optional[str] = None,
               wait: Optional[float] = None, idempotency_key: Optional[str] = None) -> m.Operation:
        """Change a deployment's spec with a merge patch (None removes a field):
        a new revision, rolled out. ``if_match`` (an ETag, or its version)
        makes it conditional: a PreconditionFailedError when it changed."""
        q, h = _command(wait, idempotency_key)
        if if_match:
            h["If-Match"] = if_match if if_match.startswith('"') else f'"{if_match}"'
        body = m.UpdateDeploymentRequest(spec=spec, message=message)
        return self._op(self._t.call(r.UPDATE_DEPLOYMENT, split_ref(ref), query=q, headers=h, body=body,
                                     content_type="application/merge-patch+json", timeout=self._timeout(wait)))

    def delete(self, ref: str, *, free_name: bool = False, wait: Optional[float] = None,
               idempotency_key: Optional[str] = None) -> m.Operation:
        """Terminate a deployment (its history stays); ``free_name`` lets a new
        deployment take its name."""
        q, h = _command(wait, idempotency_key)
        q["freeName"] = free_name
        return self._op(self._t.call(r.DELETE_DEPLOYMENT, split_ref(ref), query=q, headers=h,
                                     timeout=self._timeout(wait)))

    def rollback(self, ref: str, revision: int, *, message: Optional[str] = None, wait: Optional[float] = None,
                 idempotency_key: Optional[str] = None) -> m.Operation:
        """Make a new revision with revision ``revision``'s spec, rolled out."""
        q, h = _command(wait, idempotency_key)
        return self._op(self._t.call(r.ROLLBACK, split_ref(ref), query=q, headers=h,
                                     body=m.RollbackRequest(revision=revision, message=message),
                                     timeout=self._timeout(wait)))

    def _control(self, ref: str, action: str, message: Optional[str], wait: Optional[float],
                 idempotency_key: Optional[str], full: bool = False) -> m.Operation:
        q, h = _command(wait, idempotency_key)
        body = m.RolloutControlRequest(full=full or None, message=message) if message or full else None
        return self._op(self._t.call(r.CONTROL_ROLLOUT, split_ref(ref) + (action,), query=q, headers=h, body=body,
                                     timeout=self._timeout(wait)))

    def pause(self, ref: str, *, message: Optional[str] = None, wait: Optional[float] = None,
              idempotency_key: Optional[str] = None) -> m.Operation:
        """Hold the rollout in flight."""
        return self._control(ref, "pause", message, wait, idempotency_key)

    def resume(self, ref: str, *, message: Optional[str] = None, wait: Optional[float] = None,
               idempotency_key: Optional[str] = None) -> m.Operation:
        """Continue a paused rollout."""
        return self._control(ref, "resume", message, wait, idempotency_key)

    def abort(self, ref: str, *, message: Optional[str] = None, wait: Optional[float] = None,
              idempotency_key: Optional[str] = None) -> m.Operation:
        """Stop the rollout in flight and roll back to the last good revision."""
        return self._control(ref, "abort", message, wait, idempotency_key)

    def promote(self, ref: str, *, full: bool = False, message: Optional[str] = None, wait: Optional[float] = None,
                idempotency_key: Optional[str] = None) -> m.Operation:
        """Move a canary past its current step (a pause, an analysis, an
        inconclusive one), or with ``full`` to its completion."""
        return self._control(ref, "promote", message, wait, idempotency_key, full=full)


class Revisions(_Resource):
    """A deployment's immutable revisions: ``list``, ``get``, ``diff``, ``diff_text``."""

    def list(self, ref: str, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> m.Page[m.Revision]:
        """A page of the revisions, newest first."""
        a = self._t.call(r.LIST_REVISIONS, split_ref(ref), query={"limit": limit, "cursor": cursor})
        return self._decode(m.Page[m.Revision], a)

    def get(self, ref: str, revision: int) -> m.Revision:
        """Revision ``revision``."""
        return self._decode(m.Revision, self._t.call(r.GET_REVISION, split_ref(ref) + (revision,)))

    def diff(self, ref: str, from_revision: int, to_revision: int) -> m.Diff:
        """What changed in the spec from one revision to another."""
        return self._decode(m.Diff, self._t.call(r.DIFF_REVISIONS, split_ref(ref) + (from_revision, to_revision)))

    def diff_text(self, ref: str, from_revision: int, to_revision: int) -> str:
        """The same difference as text for people."""
        a = self._t.call(r.DIFF_REVISIONS, split_ref(ref) + (from_revision, to_revision), accept="text/plain")
        return a.body.decode()


class Aliases(_Resource):
    """Aliases (``staging``, ``production``): names pointing at revisions."""

    def set(self, ref: str, alias: str, revision: int, *, message: Optional[str] = None,
            wait: Optional[float] = None, idempotency_key: Optional[str] = None) -> m.Operation:
        """Point ``alias`` at ``revision`` (making the alias when new)."""
        q, h = _command(wait, idempotency_key)
        return self._op(self._t.call(r.SET_ALIAS, split_ref(ref) + (alias,), query=q, headers=h,
                                     body=m.SetAliasRequest(revision=revision, message=message),
                                     timeout=self._timeout(wait)))

    def delete(self, ref: str, alias: str, *, wait: Optional[float] = None,
               idempotency_key: Optional[str] = None) -> m.Operation:
        """Remove an alias."""
        q, h = _command(wait, idempotency_key)
        return self._op(self._t.call(r.DELETE_ALIAS, split_ref(ref) + (alias,), query=q, headers=h,
                                     timeout=self._timeout(wait)))

    def list(self, ref: str) -> List[m.Alias]:
        """A deployment's aliases (as ``deployments.get`` reads them)."""
        d = self._client.deployments.get(ref)
        return d.aliases if d else []


class Promotions(_Resource):
    """Promotions: run one deployment's artifact on another. ``plan`` makes a
    plan to review, ``apply`` applies it; ``create`` plans and applies."""

    def _command(self, route: r.Route, params: Tuple[str, ...], body: Optional[m.PromotionRequest], wait: float,
                 idempotency_key: Optional[str]) -> m.Promotion:
        q, h = _command(wait, idempotency_key)
        a = self._t.call(route, params, query=q, headers=h, body=body, timeout=self._timeout(wait))
        if a.status == 200:
            return self._decode(m.Promotion, a)
        op = self._client.operations.wait(self._op(a).id)  # still going after wait: wait for it
        return self.get(params[0] if params else op.id)

    def plan(self, source: str, target: str, *, source_revision: Optional[int] = None,
             env: Optional[Dict[str, str]] = None, use_source_env: Optional[List[str]] = None,
             secrets: Optional[Dict[str, m.SecretKeyRef]] = None, use_source_secrets: Optional[List[str]] = None,
             message: Optional[str] = None, wait: float = 60, idempotency_key: Optional[str] = None) -> m.Promotion:
        """Plan promoting ``source`` (owner/project/name, its current revision
        or ``source_revision``) onto ``target``, changing nothing: the answer's
        ``diff_text``, ``missing`` env keys and ``missing_secrets`` say what
        applying would do and what must be decided first."""
        body = m.PromotionRequest(source=source, target=target, source_revision=source_revision, dry_run=True,
                                  env=env, use_source_env=use_source_env, secrets=secrets,
                                  use_source_secrets=use_source_secrets, message=message)
        return self._command(r.CREATE_PROMOTION, (), body, wait, idempotency_key)

    def create(self, source: str, target: str, *, source_revision: Optional[int] = None,
               env: Optional[Dict[str, str]] = None, use_source_env: Optional[List[str]] = None,
               secrets: Optional[Dict[str, m.SecretKeyRef]] = None, use_source_secrets: Optional[List[str]] = None,
               message: Optional[str] = None, wait: float = 60, idempotency_key: Optional[str] = None) -> m.Promotion:
        """Plan and apply a promotion at once."""
        body = m.PromotionRequest(source=source, target=target, source_revision=source_revision, env=env,
                                  use_source_env=use_source_env, secrets=secrets,
                                  use_source_secrets=use_source_secrets, message=message)
        return self._command(r.CREATE_PROMOTION, (), body, wait, idempotency_key)

    def apply(self, promotion_id: str, *, wait: float = 60, idempotency_key: Optional[str] = None) -> m.Promotion:
        """Apply a reviewed plan (refused if the target changed since)."""
        return self._command(r.APPLY_PROMOTION, (promotion_id,), None, wait, idempotency_key)

    def get(self, promotion_id: str) -> m.Promotion:
        """A promotion, its plan and its applications."""
        return self._decode(m.Promotion, self._t.call(r.GET_PROMOTION, (promotion_id,)))


class Operations(_Resource):
    """Operations: the life of each accepted command."""

    def get(self, operation_id: str, *, wait: Optional[float] = None) -> m.Operation:
        """Read an operation; with ``wait`` the API holds the answer up to that long for it to end."""
        q, _ = _command(wait, None)
        return self._op(self._t.call(r.GET_OPERATION, (operation_id,), query=q, timeout=self._timeout(wait)))

    def wait(self, operation_id: str, *, timeout: Optional[float] = None, poll_interval: float = 0.5) -> m.Operation:
        """Wait for an operation to end and return it however it ended (see
        :meth:`~slipway.models.Operation.raise_for_status`); TimeoutError after
        ``timeout`` seconds (None: no limit)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = MAX_WAIT if deadline is None else deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"operation {operation_id} did not end within {timeout} s")
            op = self.get(operation_id, wait=max(1.0, min(MAX_WAIT, float(int(left)))))
            if op.ended:
                return op
            time.sleep(poll_interval)


class Events(_Resource):
    """The event stream (Server-Sent Events, ``GET /v1/events``)."""

    def watch(self, *, deployment: Optional[str] = None, project: Optional[str] = None,
              types: Optional[Sequence[str]] = None, after: Optional[str] = None,
              max_reconnects: int = 5, read_timeout: float = 60) -> Iterator[m.Event]:
        """Yield events as they happen (``after="0"``: the whole history first),
        forever: a dropped connection is resumed after the last event received
        (``Last-Event-ID``), after the pause the server asks for. Raises
        APIConnectionError when the API cannot be reached at first, or
        ``max_reconnects`` times in a row; a refusal raises its ProblemError.
        Stop by leaving the loop (the connection closes with the generator)."""
        query = {"deployment": deployment, "project": project, "type": list(types or []), "after": after}
        last: Optional[str] = None
        received, failures, retry = False, 0, 2.0
        while True:
            try:
                for ev_id, ev_type, data, retry_ms in self._t.stream(r.EVENTS, query=query,
                                                                      headers={"Last-Event-ID": last},
                                                                      timeout=read_timeout):
                    if retry_ms is not None:
                        retry = retry_ms / 1000
                        continue
                    last, received, failures = ev_id, True, 0
                    yield m.Event(id=ev_id, type=ev_type, data=json.loads(data))
            except APIConnectionError:
                if not received or failures >= max_reconnects:
                    raise
                failures += 1
            time.sleep(retry)


class Targets(_Resource):
    """Targets: the clusters deployments run on."""

    def list(self) -> m.Page[m.Target]:
        return self._decode(m.Page[m.Target], self._t.call(r.LIST_TARGETS))

    def get(self, name: str) -> m.Target:
        return self._decode(m.Target, self._t.call(r.GET_TARGET, (name,)))

    def put(self, name: str, registration: m.TargetRegistration, *, wait: Optional[float] = None,
            idempotency_key: Optional[str] = None) -> m.Operation:
        """Register a target (or replace its registration); credentials only by reference."""
        q, h = _command(wait, idempotency_key)
        return self._op(self._t.call(r.PUT_TARGET, (name,), query=q, headers=h, body=registration,
                                     timeout=self._timeout(wait)))

    def delete(self, name: str, *, wait: Optional[float] = None, idempotency_key: Optional[str] = None) -> m.Operation:
        """Remove a registered target (refused while deployments use it)."""
        q, h = _command(wait, idempotency_key)
        return self._op(self._t.call(r.DELETE_TARGET, (name,), query=q, headers=h, timeout=self._timeout(wait)))


class Tokens(_Resource):
    """API tokens."""

    def create(self, name: str, *, global_admin: bool = False, grants: Optional[List[m.Grant]] = None,
               expires_in: Optional[str] = None) -> m.CreatedToken:
        """Make a token; its value (``token``) is in this answer only."""
        body = m.CreateTokenRequest(name=name, global_admin=global_admin or None, grants=grants, expires_in=expires_in)
        return self._decode(m.CreatedToken, self._t.call(r.CREATE_TOKEN, body=body))

    def list(self) -> m.Page[m.Token]:
        return self._decode(m.Page[m.Token], self._t.call(r.LIST_TOKENS))

    def get(self, token_id: str) -> m.Token:
        return self._decode(m.Token, self._t.call(r.GET_TOKEN, (token_id,)))

    def revoke(self, token_id: str) -> m.Token:
        """Revoke a token at once."""
        return self._decode(m.Token, self._t.call(r.REVOKE_TOKEN, (token_id,)))


class Webhooks(_Resource):
    """Webhook subscriptions and their delivery logs."""

    def create(self, url: str, events: List[str], *, project: Optional[str] = None,
               description: Optional[str] = None) -> m.CreatedWebhook:
        """Subscribe ``url`` to events (types, or prefixes ending in ``*``); the
        signing secret (``secret``) is in this answer only."""
        body = m.CreateWebhookRequest(url=url, events=events, project=project, description=description)
        return self._decode(m.CreatedWebhook, self._t.call(r.CREATE_WEBHOOK, body=body))

    def list(self) -> m.Page[m.Webhook]:
        return self._decode(m.Page[m.Webhook], self._t.call(r.LIST_WEBHOOKS))

    def get(self, webhook_id: str) -> m.Webhook:
        return self._decode(m.Webhook, self._t.call(r.GET_WEBHOOK, (webhook_id,)))

    def delete(self, webhook_id: str) -> None:
        """Remove a subscription; its deliveries stop."""
        self._t.call(r.DELETE_WEBHOOK, (webhook_id,))

    def deliveries(self, webhook_id: str, *, state: Optional[str] = None, limit: Optional[int] = None,
                   cursor: Optional[str] = None) -> m.Page[m.WebhookDelivery]:
        """A page of the delivery log, newest first."""
        a = self._t.call(r.LIST_DELIVERIES, (webhook_id,), query={"state": state, "limit": limit, "cursor": cursor})
        return self._decode(m.Page[m.WebhookDelivery], a)

    def redeliver(self, webhook_id: str, delivery_id: str) -> m.WebhookDelivery:
        """Send a delivery again now, with the same webhook-id."""
        return self._decode(m.WebhookDelivery, self._t.call(r.REDELIVER, (webhook_id, delivery_id)))


class Client:
    """A client of Slipway's HTTP API.

    >>> slipway = Client("http://127.0.0.1:8080", token=os.environ.get("SLIPWAY_TOKEN"))
    >>> op = slipway.deployments.create("acme/fraud", "scorer", {"image": "ghcr.io/acme/scorer:1.0"}, wait=60)

    Every mutation carries an Idempotency-Key (a new random one unless given),
    kept across the client's retries of transport failures, so a retried
    command has one effect. Error answers raise
    :class:`~slipway.errors.ProblemError` subclasses carrying the field errors.
    """

    def __init__(self, server: str, token: Optional[str] = None, *, timeout: float = 30.0, retries: int = 3,
                 backoff: float = 0.25, user_agent: str = "slipway-python") -> None:
        self._transport = Transport(server, token, timeout, retries, backoff, user_agent)
        self.deployments = Deployments(self)
        self.revisions = Revisions(self)
        self.aliases = Aliases(self)
        self.promotions = Promotions(self)
        self.operations = Operations(self)
        self.events = Events(self)
        self.targets = Targets(self)
        self.tokens = Tokens(self)
        self.webhooks = Webhooks(self)

    @property
    def server(self) -> str:
        return self._transport.server

    def healthz(self) -> m.Status:
        """The process is up."""
        return _json.decode_as(m.Status, self._transport.call(r.HEALTHZ).json())

    def readyz(self) -> m.Status:
        """The API reaches NATS and its store (an UnavailableError otherwise)."""
        return _json.decode_as(m.Status, self._transport.call(r.READYZ).json())

    def metrics(self) -> str:
        """The Prometheus metrics (text exposition format)."""
        return self._transport.call(r.METRICS, accept="text/plain").body.decode()

    def openapi(self) -> Dict[str, Any]:
        """The API's OpenAPI 3 document."""
        return self._transport.call(r.OPENAPI).json()

    def whoami(self) -> m.Whoami:
        """Who the API takes the caller for, and their roles."""
        return _json.decode_as(m.Whoami, self._transport.call(r.WHOAMI).json())

    def audit(self, *, actor: Optional[str] = None, project: Optional[str] = None, deployment: Optional[str] = None,
              kind: Optional[str] = None, status: Optional[str] = None, from_: Optional[str] = None,
              to: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None) -> m.Page[m.Operation]:
        """A page of the audit log (operations, newest first); ``from_`` and ``to`` are RFC 3339 times."""
        query = {"actor": actor, "project": project, "deployment": deployment, "kind": kind, "status": status,
                 "from": from_, "to": to, "limit": limit, "cursor": cursor}
        return _json.decode(m.Page[m.Operation], self._transport.call(r.AUDIT, query=query).json())


__all__ = ["Client", "APIError", "OperationFailed", "MAX_WAIT", "split_ref"]
