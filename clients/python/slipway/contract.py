"""``python -m slipway.contract`` prints what the SDK covers of the API, as
JSON: every route (method, path template), the query and header parameters it
can send, and the fields of its request body and JSON answers, read from
:mod:`slipway.routes` and the dataclasses' type hints. The API's Go test
``TestClientsCoverTheDocument`` compares it with ``/v1/openapi.json``.

A shape is ``{"fields": {json name: shape}}`` for a dataclass,
``{"items": shape}`` for a list, ``{"values": shape}`` for a dict of a known
type, ``{"opaque": true}`` for JSON kept as it is (``Dict[str, Any]``,
``Any``), ``{}`` for a scalar.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import sys
import typing
from typing import Any, Dict

from . import _json
from .errors import Problem
from .routes import ROUTES


def shape(tp: Any) -> Dict[str, Any]:
    tp = _json.unoptional(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return {"opaque": True}
    if origin in (list, typing.List):
        return {"items": shape(args[0]) if args else {"opaque": True}}
    if origin in (dict, typing.Dict):
        if not args or args[1] is Any:
            return {"opaque": True}
        return {"values": shape(args[1])}
    if tp is _dt.datetime:
        return {}
    if origin is not None and dataclasses.is_dataclass(origin):
        return _fields(origin, _json.bound(origin, args))
    if dataclasses.is_dataclass(tp):
        return _fields(tp, _json.hints(tp))
    return {}


def _fields(cls: type, hints: Dict[str, Any]) -> Dict[str, Any]:
    return {"fields": {_json.json_name(f): shape(hints[f.name]) for f in _json.wire_fields(cls)}}


def contract() -> Dict[str, Any]:
    return {
        "routes": [{
            "method": r.method, "path": r.path, "params": list(r.params),
            "request": shape(r.request) if r.request else None,
            "answers": {str(status): shape(tp) for status, tp in r.answers.items()},
        } for r in ROUTES],
        "problem": shape(Problem),
    }


if __name__ == "__main__":
    json.dump(contract(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
