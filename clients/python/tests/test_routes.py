"""Every route of slipway.routes is the one some method sends, so the table
the contract reads (python -m slipway.contract) is the SDK's own. No server:
the transport is replaced by a recorder."""
from __future__ import annotations

from typing import Any, List, Tuple

import pytest

from slipway import Client, Grant, TargetConnection, TargetRegistration
from slipway import routes as r
from slipway._http import Answer, Transport


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> List[Tuple[r.Route, tuple]]:
    calls: List[Tuple[r.Route, tuple]] = []

    def call(self: Transport, route: r.Route, path_params: Any = (), **kw: Any) -> Answer:
        self.url(route, path_params, kw.get("query"))  # refuses an undeclared parameter
        self.headers(route, kw.get("headers"), "application/json")
        calls.append((route, tuple(path_params)))
        return Answer(200, {"ETag": '"1.1"'}, b'{"status":"succeeded","id":"x"}')

    def stream(self: Transport, route: r.Route, **kw: Any) -> Any:
        self.url(route, (), kw["query"])
        self.headers(route, kw["headers"], "text/event-stream")
        calls.append((route, ()))
        yield "1", "t", '{"type":"t"}', None

    monkeypatch.setattr(Transport, "call", call)
    monkeypatch.setattr(Transport, "stream", stream)
    return calls


def test_every_route_is_sent_by_a_method(sent: List[Tuple[r.Route, tuple]]) -> None:
    c = Client("http://slipway.invalid")
    ref = "o/p/n"
    c.healthz(), c.readyz(), c.metrics(), c.openapi(), c.whoami()
    c.audit(actor="a", project="o/p", deployment=ref, kind="k", status="s", from_="f", to="t", limit=1, cursor="c")
    c.tokens.create("t", global_admin=True, grants=[Grant("o/p", "viewer")], expires_in="1h")
    c.tokens.list(), c.tokens.get("t"), c.tokens.revoke("t")
    c.deployments.create("o/p", "n", {"image": "i"}, target="t", environment="e", labels={"a": "b"}, wait=1,
                         idempotency_key="k")
    c.deployments.get(ref, if_none_match='"1.1"')
    c.deployments.list(project="o/p", owner="o", target="t", environment="e", labels=["a=b"], search="s", status="s",
                       health="h", q="q", include_terminated=True, sort="name", view="full", limit=1, cursor="c")
    c.deployments.update(ref, {"replicas": None}, message="m", if_match="1", wait=1, idempotency_key="k")
    c.deployments.delete(ref, free_name=True, wait=1)
    c.deployments.rollback(ref, 1, message="m")
    c.deployments.pause(ref, message="m"), c.deployments.resume(ref), c.deployments.abort(ref)
    c.aliases.set(ref, "a", 1), c.aliases.delete(ref, "a")
    c.revisions.list(ref, limit=1, cursor="c"), c.revisions.get(ref, 1), c.revisions.diff(ref, 1, 2)
    c.operations.get("op", wait=1), c.operations.wait("op")
    c.promotions.plan(ref, "o/p/m"), c.promotions.apply("pr"), c.promotions.get("pr")
    next(c.events.watch(deployment=ref, project="o/p", types=["t"], after="0"))
    c.targets.list(), c.targets.get("t")
    c.targets.put("t", TargetRegistration(namespace="n", base_url="b", instance_types={},
                                          connection=TargetConnection(in_cluster=True)))
    c.targets.delete("t")
    c.webhooks.create("http://x", ["*"]), c.webhooks.list(), c.webhooks.get("w"), c.webhooks.delete("w")
    c.webhooks.deliveries("w", state="dead", limit=1, cursor="c"), c.webhooks.redeliver("w", "d")

    used = {(route.method, route.path) for route, _ in sent}
    missing = [f"{x.method} {x.path}" for x in r.ROUTES if (x.method, x.path) not in used]
    assert not missing, f"no method sends {missing}"
    assert len(r.ROUTES) == len({(x.method, x.path) for x in r.ROUTES}) == 37


def test_an_undeclared_parameter_is_refused() -> None:
    t = Transport("http://slipway.invalid", None, 1, 1, 0, "test")
    with pytest.raises(AssertionError, match="does not declare the parameter dryRun"):
        t.url(r.CREATE_DEPLOYMENT, ("o", "p"), {"dryRun": True})
