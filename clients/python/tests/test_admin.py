"""Promotions, targets, tokens, webhooks, audit and the service routes."""
from __future__ import annotations

import pytest

import slipway
from slipway import Client, Grant

IMAGE = "ghcr.io/acme/scorer:1.0"


def test_promotion_plan_then_apply(client: Client, project: str) -> None:
    client.deployments.create(project, "staging", {"image": "ghcr.io/acme/scorer:2.0", "env": {"MODE": "a"}}, wait=60)
    client.deployments.create(project, "prod", {"image": IMAGE, "replicas": 2}, wait=60)
    plan = client.promotions.plan(project + "/staging", project + "/prod", use_source_env=["MODE"])
    assert plan.dry_run and plan.status == "planned", plan
    assert "ghcr.io/acme/scorer:2.0" in plan.diff_text and plan.plan
    assert client.promotions.get(plan.id).id == plan.id

    applied = client.promotions.apply(plan.id)
    assert applied.status == "applied", applied
    prod = client.deployments.get(project + "/prod")
    assert prod.image == "ghcr.io/acme/scorer:2.0" and prod.replicas.desired == 2


def test_a_promotion_with_undecided_env_needs_input(client: Client, project: str) -> None:
    client.deployments.create(project, "src", {"image": IMAGE, "env": {"FEATURE_FLAG": "x"}}, wait=60)
    client.deployments.create(project, "dst", {"image": IMAGE}, wait=60)
    plan = client.promotions.plan(project + "/src", project + "/dst")
    assert plan.status == "needs-input" and plan.missing == ["FEATURE_FLAG"], plan


def test_service_routes(client: Client) -> None:
    assert client.healthz().status == "ok"
    assert client.readyz().status == "ready"
    assert "slipway_" in client.metrics()
    assert client.openapi()["openapi"] == "3.0.3"
    me = client.whoami()
    assert me.principal.global_admin and me.actor


def test_targets(client: Client) -> None:
    targets = client.targets.list().items
    assert targets and any(t.default for t in targets)
    t = client.targets.get(targets[0].name)
    assert t.name == targets[0].name and t.instance_types is not None
    with pytest.raises(slipway.NotFoundError):
        client.targets.get("no-such-target")
    reg = slipway.TargetRegistration(namespace="", base_url="", instance_types={},
                                     connection=slipway.TargetConnection(in_cluster=True))
    with pytest.raises(slipway.ValidationError) as bad:
        client.targets.put("eu", reg)
    assert bad.value.errors, bad.value


def test_tokens_carry_their_grants(dev, client: Client, project: str) -> None:  # type: ignore[no-untyped-def]
    made = client.tokens.create("py-viewer", grants=[Grant(project=project, role="viewer")], expires_in="1h")
    assert made.token.startswith("slw_") and made.grants == [Grant(project=project, role="viewer")]
    viewer = dev.client(token=made.token)
    assert viewer.whoami().principal.token_id == made.id
    assert viewer.deployments.list(project=project).items == []
    with pytest.raises(slipway.ForbiddenError):
        viewer.deployments.create(project, "nope", {"image": IMAGE})
    assert made.id in [t.id for t in client.tokens.list().items]
    assert client.tokens.get(made.id).name == "py-viewer"
    assert client.tokens.revoke(made.id).revoked_at is not None
    with pytest.raises(slipway.UnauthenticatedError):
        viewer.whoami()


def test_webhooks(client: Client) -> None:
    hook = client.webhooks.create("http://127.0.0.1:9/hook", ["slipway.deployment.*"], description="py")
    assert hook.secret and hook.id
    assert client.webhooks.get(hook.id).events == ["slipway.deployment.*"]
    assert hook.id in [w.id for w in client.webhooks.list().items]
    page = client.webhooks.deliveries(hook.id, limit=5)
    for d in page.items:
        assert client.webhooks.redeliver(hook.id, d.id).id == d.id
        break
    client.webhooks.delete(hook.id)
    with pytest.raises(slipway.NotFoundError):
        client.webhooks.get(hook.id)


def test_audit(client: Client, project: str) -> None:
    op = client.deployments.create(project, "audited", {"image": IMAGE}, wait=60)
    page = client.audit(project=project, kind="create_deployment")
    assert [o.id for o in page.items] == [op.id]
