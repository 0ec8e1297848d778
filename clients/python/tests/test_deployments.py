"""Deployments, revisions, aliases and operations against a real `slipway dev`."""
from __future__ import annotations

import pytest

import slipway
from slipway import Client

IMAGE = "ghcr.io/acme/scorer:1.0"


def test_lifecycle(client: Client, project: str) -> None:
    ref = project + "/scorer"
    op = client.deployments.create(project, "scorer", {"image": IMAGE, "replicas": 2}, labels={"team": "risk"},
                                   environment="staging", wait=60)
    assert op.status == "succeeded", op
    assert op.raw["id"] == op.id

    d = client.deployments.get(ref)
    assert d is not None
    assert (d.id, d.phase, d.revision, d.labels, d.environment) == (ref, "Running", 1, {"team": "risk"}, "staging")
    assert d.spec["image"] == IMAGE and d.replicas.ready == 2 and d.etag
    assert client.deployments.get(ref, if_none_match=d.etag) is None  # unchanged: 304

    page = client.deployments.list(project=project)
    assert [x.id for x in page.items] == [ref]
    assert [x.id for x in client.deployments.iter(project=project, limit=1)] == [ref]

    op = client.deployments.update(ref, {"image": "ghcr.io/acme/scorer:1.1"}, message="newer model",
                                   if_match=d.etag, wait=60)
    assert op.status == "succeeded" and op.revision == 2
    with pytest.raises(slipway.PreconditionFailedError) as stale:
        client.deployments.update(ref, {"replicas": 3}, if_match=d.etag)
    assert stale.value.status == 412

    revisions = client.revisions.list(ref)
    assert [r.revision for r in revisions.items] == [2, 1]
    assert client.revisions.get(ref, 1).spec["image"] == IMAGE
    diff = client.revisions.diff(ref, 1, 2)
    assert [(c.path, c.op, c.from_, c.to) for c in diff.changes] == [
        ("spec.image", "changed", IMAGE, "ghcr.io/acme/scorer:1.1")]
    assert "spec.image" in client.revisions.diff_text(ref, 1, 2)

    assert client.aliases.set(ref, "production", 2, wait=60).status == "succeeded"
    assert [(a.name, a.revision) for a in client.aliases.list(ref)] == [("production", 2)]

    op = client.deployments.rollback(ref, 1, message="back", wait=60)
    assert op.status == "succeeded" and op.revision == 3
    assert client.deployments.get(ref).image == IMAGE

    assert client.aliases.delete(ref, "production", wait=60).status == "succeeded"
    assert client.deployments.delete(ref, wait=60).status == "succeeded"
    assert client.deployments.get(ref).terminated


def test_operations_wait(client: Client, project: str) -> None:
    op = client.deployments.create(project, "waited", {"image": IMAGE})
    assert op.status in ("accepted", "running", "succeeded")
    ended = client.operations.wait(op.id, timeout=120)
    assert ended.status == "succeeded" and ended.ended
    assert ended.raise_for_status() is ended
    assert client.operations.get(op.id).status == "succeeded"


def test_a_rejected_command_raises_with_its_operation(client: Client, project: str) -> None:
    client.deployments.create(project, "twice", {"image": IMAGE}, wait=60)
    with pytest.raises(slipway.RejectedError) as rejected:
        client.deployments.create(project, "twice", {"image": IMAGE}, wait=60)
    assert rejected.value.reason == "AlreadyExists" and rejected.value.operation
    op = client.operations.get(rejected.value.operation)
    with pytest.raises(slipway.OperationFailed):
        op.raise_for_status()


def test_bad_input_names_the_field(client: Client, project: str) -> None:
    with pytest.raises(slipway.ValidationError) as bad:
        client.deployments.create(project, "bad", {"image": IMAGE, "replicas": -1})
    assert bad.value.status == 400
    assert bad.value.field("spec.replicas"), bad.value.errors
    with pytest.raises(slipway.NotFoundError):
        client.deployments.get(project + "/nothing")
    with pytest.raises(ValueError):
        client.deployments.get("not-a-ref")


def test_the_idempotency_key_makes_a_retry_one_command(client: Client, project: str) -> None:
    first = client.deployments.create(project, "once", {"image": IMAGE}, idempotency_key="py-once-" + project)
    again = client.deployments.create(project, "once", {"image": IMAGE}, idempotency_key="py-once-" + project)
    assert first.id == again.id


def test_a_request_without_a_token_is_unauthenticated(dev) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(slipway.UnauthenticatedError) as refused:
        dev.client(token="").deployments.list()
    assert refused.value.status == 401


def test_rollout_control_refuses_without_a_rollout(client: Client, project: str) -> None:
    ref = project + "/steady"
    client.deployments.create(project, "steady", {"image": IMAGE}, wait=60)
    with pytest.raises(slipway.ProblemError) as refused:
        client.deployments.pause(ref, message="hold", wait=30)
    assert refused.value.reason == "NoRolloutInFlight"
