"""Decoding the API's JSON into the SDK's dataclasses, and requests back.

A dataclass field's JSON name is its name in camelCase (``running_revision``
is ``runningRevision``), or ``metadata={"json": ...}`` where the API spells it
otherwise (``base_url`` is ``baseURL``). A field typed ``Dict[str, Any]`` (or
``Any``) is kept as the JSON decoded it: a spec, a plan, a routing. The
contract (``python -m slipway.contract``) reads the same conventions.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import re
import typing
from typing import Any, Dict, Optional, Type, TypeVar, Union

T = TypeVar("T")

RAW = "raw"  # the field that keeps an answer's JSON as the API sent it


def json_name(f: dataclasses.Field) -> str:
    """The JSON name of a dataclass field."""
    if "json" in f.metadata:
        return f.metadata["json"]
    head, *rest = f.name.rstrip("_").split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def wire_fields(cls: type) -> list:
    """The fields of a dataclass that are on the wire: not ``raw``, nor one
    whose JSON name is None (a header's value, like a deployment's etag)."""
    return [f for f in dataclasses.fields(cls) if f.name != RAW and f.metadata.get("json", "") is not None]


def hints(cls: type) -> Dict[str, Any]:
    return typing.get_type_hints(cls)


def unoptional(tp: Any) -> Any:
    """``Optional[X]`` is X."""
    if typing.get_origin(tp) is Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


_FRACTION = re.compile(r"(\.\d{1,6})\d*")


def parse_time(s: str) -> _dt.datetime:
    """An RFC 3339 time as Go writes it (Z, up to nanoseconds)."""
    s = _FRACTION.sub(r"\1", s.replace("Z", "+00:00").replace("z", "+00:00"))
    return _dt.datetime.fromisoformat(s)


def decode(tp: Any, value: Any) -> Any:
    """``value`` (decoded JSON) as type ``tp``: dataclasses, lists, dicts,
    times and scalars; unknown JSON fields are left out (and kept in ``raw``)."""
    if value is None:
        return None
    tp = unoptional(tp)
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin in (list, typing.List):
        (item,) = typing.get_args(tp) or (Any,)
        return [decode(item, v) for v in value]
    if origin in (dict, typing.Dict):
        _, item = typing.get_args(tp) or (str, Any)
        return {k: decode(item, v) for k, v in value.items()}
    if tp is _dt.datetime:
        return parse_time(value)
    if origin is not None and dataclasses.is_dataclass(origin):  # a generic one: Page[Deployment]
        return _decode_dataclass(origin, value, bound(origin, typing.get_args(tp)))
    if dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, value, hints(tp))
    if tp is float and isinstance(value, int):
        return float(value)
    return value


def bound(generic: type, args: tuple) -> Dict[str, Any]:
    """The field types of a generic dataclass with its type parameters bound to args."""
    mapping = dict(zip(getattr(generic, "__parameters__", ()), args))

    def sub(t: Any) -> Any:
        if t in mapping:
            return mapping[t]
        o, a = typing.get_origin(t), typing.get_args(t)
        if o in (list, typing.List) and a:
            return typing.List[sub(a[0])]  # type: ignore[misc]
        return t

    return {k: sub(v) for k, v in hints(generic).items()}


def _decode_dataclass(tp: type, value: Any, h: Dict[str, Any]) -> Any:
    kwargs = {}
    for f in wire_fields(tp):
        name = json_name(f)
        if name in value:
            kwargs[f.name] = decode(h[f.name], value[name])
    obj = tp(**kwargs)
    if any(f.name == RAW for f in dataclasses.fields(tp)):
        object.__setattr__(obj, RAW, value)
    return obj


def encode(value: Any) -> Any:
    """A request dataclass (or value) as JSON: JSON names, None left out."""
    if dataclasses.is_dataclass(value):
        out = {}
        for f in wire_fields(type(value)):
            v = getattr(value, f.name)
            if v is not None:
                out[json_name(f)] = encode(v)
        return out
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    return value


def decode_as(cls: Type[T], value: Any) -> T:
    return typing.cast(T, decode(cls, value))


Opt = Optional
