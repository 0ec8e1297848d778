"""Every route of the API the SDK sends, as ``GET /v1/openapi.json`` names it.

Each method of the client sends its requests through one of these routes
(:meth:`slipway._http.Transport.call` refuses a parameter the route does not
declare), so this table is what the SDK covers: ``python -m
slipway.contract`` prints it with the answers' and requests' fields, and the
API's Go test ``TestClientsCoverTheDocument`` fails when the document has a
route, parameter or field the table lacks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

from . import models as m

JSON = m.JSON  # an answer kept as the JSON it is (the OpenAPI document)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    #: The query and header parameters the SDK can send.
    params: Tuple[str, ...] = ()
    #: The JSON body's type (None: no body).
    request: Optional[type] = None
    #: The JSON answers' types by status.
    answers: Dict[int, Any] = field(default_factory=dict)


COMMAND = ("wait", "Idempotency-Key")
_OP = {200: m.Operation, 202: m.Operation}
_PROMOTED = {200: m.Promotion, 202: m.Operation}
_PAGE = ("limit", "cursor")
_DEPLOYMENTS = "/v1/projects/{owner}/{project}/deployments"
_DEPLOYMENT = _DEPLOYMENTS + "/{name}"

HEALTHZ = Route("GET", "/healthz", answers={200: m.Status})
READYZ = Route("GET", "/readyz", answers={200: m.Status})
METRICS = Route("GET", "/metrics")
OPENAPI = Route("GET", "/v1/openapi.json", answers={200: JSON})
WHOAMI = Route("GET", "/v1/whoami", answers={200: m.Whoami})

CREATE_TOKEN = Route("POST", "/v1/tokens", request=m.CreateTokenRequest, answers={201: m.CreatedToken})
LIST_TOKENS = Route("GET", "/v1/tokens", answers={200: m.Page[m.Token]})
GET_TOKEN = Route("GET", "/v1/tokens/{id}", answers={200: m.Token})
REVOKE_TOKEN = Route("DELETE", "/v1/tokens/{id}", answers={200: m.Token})

CREATE_DEPLOYMENT = Route("POST", _DEPLOYMENTS, COMMAND, m.CreateDeploymentRequest, _OP)
GET_DEPLOYMENT = Route("GET", _DEPLOYMENT, ("If-None-Match",), answers={200: m.Deployment})
UPDATE_DEPLOYMENT = Route("PATCH", _DEPLOYMENT, COMMAND + ("If-Match",), m.UpdateDeploymentRequest, _OP)
DELETE_DEPLOYMENT = Route("DELETE", _DEPLOYMENT, COMMAND + ("freeName",), answers=_OP)
ROLLBACK = Route("POST", _DEPLOYMENT + "/rollback", COMMAND, m.RollbackRequest, _OP)
CONTROL_ROLLOUT = Route("POST", _DEPLOYMENT + "/rollout/{action}", COMMAND, m.RolloutControlRequest, _OP)
SET_ALIAS = Route("PUT", _DEPLOYMENT + "/aliases/{alias}", COMMAND, m.SetAliasRequest, _OP)
DELETE_ALIAS = Route("DELETE", _DEPLOYMENT + "/aliases/{alias}", COMMAND, answers=_OP)
LIST_REVISIONS = Route("GET", _DEPLOYMENT + "/revisions", _PAGE, answers={200: m.Page[m.Revision]})
GET_REVISION = Route("GET", _DEPLOYMENT + "/revisions/{n}", answers={200: m.Revision})
DIFF_REVISIONS = Route("GET", _DEPLOYMENT + "/revisions/{n}/diff/{m}", answers={200: m.Diff})
LIST_DEPLOYMENTS = Route("GET", "/v1/deployments", (
    "target", "project", "owner", "environment", "label", "search", "status", "health", "q",
    "includeTerminated", "sort", "view") + _PAGE, answers={200: m.Page[m.Deployment]})

GET_OPERATION = Route("GET", "/v1/operations/{id}", ("wait",), answers=_OP)

CREATE_PROMOTION = Route("POST", "/v1/promotions", COMMAND, m.PromotionRequest, _PROMOTED)
GET_PROMOTION = Route("GET", "/v1/promotions/{id}", answers={200: m.Promotion})
APPLY_PROMOTION = Route("POST", "/v1/promotions/{id}/apply", COMMAND, answers=_PROMOTED)

EVENTS = Route("GET", "/v1/events", ("project", "deployment", "type", "after", "Last-Event-ID"))
AUDIT = Route("GET", "/v1/audit", ("actor", "project", "deployment", "kind", "status", "from", "to") + _PAGE,
              answers={200: m.Page[m.Operation]})

LIST_TARGETS = Route("GET", "/v1/targets", answers={200: m.Page[m.Target]})
GET_TARGET = Route("GET", "/v1/targets/{target}", answers={200: m.Target})
PUT_TARGET = Route("PUT", "/v1/targets/{target}", COMMAND, m.TargetRegistration, _OP)
DELETE_TARGET = Route("DELETE", "/v1/targets/{target}", COMMAND, answers=_OP)

CREATE_WEBHOOK = Route("POST", "/v1/webhooks", request=m.CreateWebhookRequest, answers={201: m.CreatedWebhook})
LIST_WEBHOOKS = Route("GET", "/v1/webhooks", answers={200: m.Page[m.Webhook]})
GET_WEBHOOK = Route("GET", "/v1/webhooks/{id}", answers={200: m.Webhook})
DELETE_WEBHOOK = Route("DELETE", "/v1/webhooks/{id}")
LIST_DELIVERIES = Route("GET", "/v1/webhooks/{id}/deliveries", ("state",) + _PAGE,
                        answers={200: m.Page[m.WebhookDelivery]})
REDELIVER = Route("POST", "/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver", answers={202: m.WebhookDelivery})

#: Every route, in the order above.
ROUTES: Tuple[Route, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Route))
