"""The API's answers and requests as dataclasses.

Field by field they are the schemas of the API's OpenAPI document
(``GET /v1/openapi.json``); the Go test ``TestClientsCoverTheDocument`` holds
them to it. Names are snake_case; the JSON names are camelCase (see
:mod:`slipway._json`). Specs, promotion plans and routing settings are kept as
the JSON dicts the API documents (``Spec``, ``PromotionPlan``, ``Routing``).
Every answer keeps the JSON it was decoded from in ``raw``.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Dict, Generic, List, Optional, TypeVar

from .errors import FieldError, OperationFailed

T = TypeVar("T")

JSON = Dict[str, Any]


def _raw() -> Any:
    return field(default=None, repr=False, compare=False)


@dataclass
class Page(Generic[T]):
    """One page of a list; ``next_cursor``, when not empty, reads the next."""

    items: List[T] = field(default_factory=list)
    next_cursor: str = ""
    raw: Optional[JSON] = _raw()


@dataclass
class Status:
    """The answer of ``/healthz`` and ``/readyz``."""

    status: str = ""
    raw: Optional[JSON] = _raw()


@dataclass
class Replicas:
    """A rollout's replica counts."""

    desired: int = 0
    updated: int = 0
    ready: int = 0
    available: int = 0
    total: int = 0
    surge: int = 0


@dataclass
class PodCounts:
    """How many pods are in which state."""

    total: int = 0
    ready: int = 0
    crash_looping: int = 0
    image_pull_back_off: int = 0
    unschedulable: int = 0


@dataclass
class HealthDetail:
    """Why a deployment has its health."""

    message: str = ""
    revision: int = 0
    pods: Optional[PodCounts] = None
    ready_endpoints: Optional[int] = None
    since: Optional[_dt.datetime] = None


@dataclass
class ScalingState:
    """The replicas asked for, or the autoscaler's bounds."""

    replicas: Optional[int] = None
    min: int = 0
    max: int = 0


@dataclass
class EndpointURL:
    """An endpoint's canonical URLs."""

    name: str = ""
    url: str = ""
    version_url: str = ""
    cluster_url: str = ""


@dataclass
class Measurement:
    """One measurement of a canary's check."""

    check: str = ""
    step: int = 0
    phase: str = ""
    value: float = 0.0
    reason: str = ""
    at: Optional[_dt.datetime] = None


@dataclass
class Canary:
    """Where a canary or blue-green rollout stands: its step, its traffic
    and the latest measurement of each check."""

    step: int = 0
    steps: int = 0
    kind: str = ""
    weight: int = 0
    mirror: int = 0
    canary_replicas: int = 0
    stable_replicas: int = 0
    approximated: bool = False
    traffic: str = ""
    pause_until: Optional[_dt.datetime] = None
    inconclusive: str = ""
    measurements: List[Measurement] = field(default_factory=list)


@dataclass
class Rollout:
    """A revision's rollout."""

    revision: int = 0
    from_revision: int = 0
    phase: str = ""
    reason: str = ""
    message: str = ""
    replicas: Replicas = field(default_factory=Replicas)
    paused: bool = False
    operation_id: str = ""
    started_at: Optional[_dt.datetime] = None
    bake_until: Optional[_dt.datetime] = None
    finished_at: Optional[_dt.datetime] = None
    canary: Optional[Canary] = None


@dataclass
class Drift:
    """The last difference found between the cluster and the revision."""

    revision: int = 0
    object: str = ""
    fields: List[str] = field(default_factory=list)
    managers: List[str] = field(default_factory=list)
    deleted: bool = False
    action: str = ""
    detected_at: Optional[_dt.datetime] = None


@dataclass
class AliasMove:
    """One move of an alias (``from_`` 0: the alias was made)."""

    from_: int = 0
    to: int = 0
    warm: bool = False
    actor: str = ""
    at: Optional[_dt.datetime] = None


@dataclass
class AliasFailure:
    """The last move of an alias that failed."""

    revision: int = 0
    reason: str = ""
    message: str = ""
    at: Optional[_dt.datetime] = None


@dataclass
class Alias:
    """A name pointing at a revision, with its URLs and moves."""

    name: str = ""
    revision: int = 0
    pending: int = 0
    urls: List[EndpointURL] = field(default_factory=list)
    history: List[AliasMove] = field(default_factory=list)
    last_failure: Optional[AliasFailure] = None


@dataclass
class VersionURL:
    """An endpoint's URL at one revision."""

    name: str = ""
    url: str = ""


@dataclass
class WarmRevision:
    """An earlier revision kept running."""

    revision: int = 0
    serves: List[str] = field(default_factory=list)
    urls: List[VersionURL] = field(default_factory=list)


@dataclass
class Deployment:
    """A deployment. A fleet list's item is a summary of it (names, target,
    revisions, phase, health, image, replicas, endpoints, times) unless the
    list asks for ``view="full"``. ``etag`` is the ETag of a ``get``: give it
    (or its version) as ``if_match`` to update only an unchanged deployment."""

    id: str = ""
    owner: str = ""
    project: str = ""
    name: str = ""
    target: str = ""
    target_simulated: bool = False
    namespace: str = ""
    object_name: str = ""
    environment: str = ""
    labels: Dict[str, str] = field(default_factory=dict)
    revision: int = 0
    running_revision: int = 0
    phase: str = ""
    reason: str = ""
    message: str = ""
    health: str = ""
    health_reason: str = ""
    health_detail: Optional[HealthDetail] = None
    replicas: Replicas = field(default_factory=Replicas)
    scaling: ScalingState = field(default_factory=ScalingState)
    image: str = ""
    instance_type: str = ""
    spec: Optional[JSON] = None
    endpoints: List[EndpointURL] = field(default_factory=list)
    rollout: Optional[Rollout] = None
    drift: Optional[Drift] = None
    aliases: List[Alias] = field(default_factory=list)
    warm: List[WarmRevision] = field(default_factory=list)
    terminated: bool = False
    created_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None
    target_reachability: str = ""
    etag: str = field(default="", metadata={"json": None}, compare=False)
    raw: Optional[JSON] = _raw()


@dataclass
class Change:
    """One change between two specs: its JSON path, op (added, removed, changed) and values."""

    path: str = ""
    op: str = ""
    from_: Any = None
    to: Any = None


@dataclass
class Operation:
    """The life of one accepted command."""

    id: str = ""
    kind: str = ""
    deployment: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""
    fields: List[FieldError] = field(default_factory=list)
    revision: int = 0
    actor: str = ""
    replicas: Optional[Replicas] = None
    diff: List[Change] = field(default_factory=list)
    accepted_at: Optional[_dt.datetime] = None
    updated_at: Optional[_dt.datetime] = None
    finished_at: Optional[_dt.datetime] = None
    target: str = ""
    raw: Optional[JSON] = _raw()

    @property
    def ended(self) -> bool:
        """Whether the operation has its outcome."""
        return self.status in ("succeeded", "failed", "rejected")

    def raise_for_status(self) -> "Operation":
        """Raise :class:`OperationFailed` if it ended failed or rejected; else return it."""
        if self.status in ("failed", "rejected"):
            raise OperationFailed(self)
        return self


@dataclass
class Revision:
    """One immutable revision of a deployment."""

    deployment: str = ""
    revision: int = 0
    cause: str = ""
    cause_text: str = ""
    message: str = ""
    actor: str = ""
    operation_id: str = ""
    rollback_of: int = 0
    template_revision: int = 0
    spec: Optional[JSON] = None
    rollout: Rollout = field(default_factory=Rollout)
    created_at: Optional[_dt.datetime] = None
    raw: Optional[JSON] = _raw()


@dataclass
class Diff:
    """The difference from one revision's spec to another's."""

    from_: int = 0
    to: int = 0
    changes: List[Change] = field(default_factory=list)
    text: str = ""
    raw: Optional[JSON] = _raw()


@dataclass
class Application:
    """One application of a promotion's plan."""

    operation: str = ""
    actor: str = ""
    at: Optional[_dt.datetime] = None


@dataclass
class Promotion:
    """A plan to run one deployment's artifact on another, and its applications.
    ``status``: needs-input, planned, applying, applied, failed or rejected."""

    id: str = ""
    source: str = ""
    source_revision: int = 0
    target: str = ""
    target_revision: int = 0
    dry_run: bool = False
    message: str = ""
    missing: List[str] = field(default_factory=list)
    missing_secrets: List[str] = field(default_factory=list)
    plan: Optional[JSON] = None
    applications: List[Application] = field(default_factory=list)
    actor: str = ""
    created_at: Optional[_dt.datetime] = None
    status: str = ""
    reason: str = ""
    diff_text: str = ""
    raw: Optional[JSON] = _raw()


@dataclass
class InstanceType:
    """What a pod of a catalogue entry requests and is limited to."""

    cpu: str = ""
    memory: str = ""
    gpu: int = 0


@dataclass
class SecretKeySelector:
    """One key of one Kubernetes Secret."""

    namespace: str = ""
    name: str = ""
    key: str = ""


@dataclass
class TargetConnection:
    """How workers reach a target: a reference to credentials, never credentials. Set one field."""

    in_cluster: Optional[bool] = None
    kubeconfig_secret: Optional[SecretKeySelector] = None
    kubeconfig_file: Optional[str] = None


@dataclass
class TargetStatus:
    """A target's reachability as a worker last checked it."""

    reachable: bool = False
    last_error: str = ""
    last_checked_at: Optional[_dt.datetime] = None
    server_version: str = ""
    checked_by: str = ""


@dataclass
class Target:
    """A cluster deployments run on."""

    name: str = ""
    region: str = ""
    namespace: str = ""
    base_url: str = field(default="", metadata={"json": "baseURL"})
    simulated: bool = False
    default: bool = False
    instance_types: Dict[str, InstanceType] = field(default_factory=dict)
    routing: Optional[JSON] = None
    prometheus_url: str = field(default="", metadata={"json": "prometheusURL"})
    source: str = ""
    connection: Optional[TargetConnection] = None
    status: Optional[TargetStatus] = None
    raw: Optional[JSON] = _raw()


@dataclass
class Grant:
    """A role (viewer, deployer, admin) on a project pattern (owner/project or owner/*)."""

    project: str = ""
    role: str = ""


@dataclass
class Token:
    """An API token as the API shows it (never its value)."""

    id: str = ""
    name: str = ""
    global_admin: bool = False
    grants: List[Grant] = field(default_factory=list)
    created_by: str = ""
    created_at: Optional[_dt.datetime] = None
    expires_at: Optional[_dt.datetime] = None
    revoked_at: Optional[_dt.datetime] = None
    raw: Optional[JSON] = _raw()


@dataclass
class CreatedToken(Token):
    """The one answer holding a token's value (``token``): store it now."""

    token: str = ""


@dataclass
class Principal:
    """Who a request comes from and what they may do."""

    subject: str = ""
    name: str = ""
    method: str = ""
    groups: List[str] = field(default_factory=list)
    global_admin: bool = False
    grants: List[Grant] = field(default_factory=list)
    token_id: str = ""


@dataclass
class Whoami:
    """The API's view of the caller."""

    actor: str = ""
    principal: Principal = field(default_factory=Principal)
    raw: Optional[JSON] = _raw()


@dataclass
class Webhook:
    """A webhook subscription."""

    id: str = ""
    url: str = ""
    events: List[str] = field(default_factory=list)
    project: str = ""
    description: str = ""
    created_at: Optional[_dt.datetime] = None
    raw: Optional[JSON] = _raw()


@dataclass
class CreatedWebhook(Webhook):
    """The one answer holding a subscription's signing secret (``secret``): store it now."""

    secret: str = ""


@dataclass
class WebhookDelivery:
    """One event's delivery to a subscription."""

    id: str = ""
    subscription: str = ""
    event_id: str = ""
    event_type: str = ""
    event_seq: int = 0
    state: str = ""
    attempts: int = 0
    last_status: int = 0
    last_error: str = ""
    last_attempt_at: Optional[_dt.datetime] = None
    next_attempt_at: Optional[_dt.datetime] = None
    delivered_at: Optional[_dt.datetime] = None
    created_at: Optional[_dt.datetime] = None
    raw: Optional[JSON] = _raw()


@dataclass
class Event:
    """One message of the event stream: ``id`` (resumes a stream), ``type``,
    and ``data``, the CloudEvents envelope (``data["data"]`` is the payload)."""

    id: str
    type: str
    data: JSON


# Requests. None is left out of the body (the API's default).


@dataclass
class CreateDeploymentRequest:
    name: str
    spec: JSON
    target: Optional[str] = None
    environment: Optional[str] = None
    labels: Optional[Dict[str, str]] = None


@dataclass
class UpdateDeploymentRequest:
    spec: JSON  # an RFC 7396 merge patch of the spec: None values remove fields
    message: Optional[str] = None


@dataclass
class RollbackRequest:
    revision: int
    message: Optional[str] = None


@dataclass
class RolloutControlRequest:
    full: Optional[bool] = None
    message: Optional[str] = None


@dataclass
class SetAliasRequest:
    revision: int
    message: Optional[str] = None


@dataclass
class SecretKeyRef:
    """A target's Secret and key for a secret reference new in a promotion's source."""

    name: str
    key: str


@dataclass
class PromotionRequest:
    source: str
    target: str
    source_revision: Optional[int] = None
    dry_run: Optional[bool] = None
    env: Optional[Dict[str, str]] = None
    use_source_env: Optional[List[str]] = None
    secrets: Optional[Dict[str, SecretKeyRef]] = None
    use_source_secrets: Optional[List[str]] = None
    message: Optional[str] = None


@dataclass
class TargetRegistration:
    namespace: str
    base_url: str = field(metadata={"json": "baseURL"})
    instance_types: Dict[str, InstanceType]
    connection: TargetConnection
    region: Optional[str] = None
    routing: Optional[JSON] = None
    prometheus_url: Optional[str] = field(default=None, metadata={"json": "prometheusURL"})


@dataclass
class CreateTokenRequest:
    name: str
    global_admin: Optional[bool] = None
    grants: Optional[List[Grant]] = None
    expires_in: Optional[str] = None  # a Go duration: 720h


@dataclass
class CreateWebhookRequest:
    url: str
    events: List[str]
    project: Optional[str] = None
    description: Optional[str] = None
