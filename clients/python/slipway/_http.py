"""The SDK's HTTP: urllib, retries of transport failures, Idempotency-Keys,
problem+json as exceptions, and Server-Sent Events."""
from __future__ import annotations

import json
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import _json
from .errors import APIConnectionError, APIError, Problem, problem_error
from .routes import Route

QueryValue = Union[str, int, bool, Sequence[str], None]


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def duration(seconds: float) -> str:
    """Seconds as a Go duration (the API's ``wait``): 30s, 1500ms."""
    if float(seconds).is_integer():
        return f"{int(seconds)}s"
    return f"{int(round(seconds * 1000))}ms"


class Transport:
    """Sends requests on routes, for the client's resource classes."""

    def __init__(self, server: str, token: Optional[str], timeout: float, retries: int, backoff: float,
                 user_agent: str) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.user_agent = user_agent

    def url(self, route: Route, path_params: Sequence[Any], query: Optional[Mapping[str, QueryValue]] = None) -> str:
        path, rest = "", route.path
        params = list(path_params)
        while "{" in rest:
            head, _, tail = rest.partition("{")
            name, _, rest = tail.partition("}")
            if not params:
                raise ValueError(f"{route.method} {route.path}: no value for {{{name}}}")
            value = str(params.pop(0))
            if value == "":
                raise ValueError(f"{route.method} {route.path}: {{{name}}} is empty")
            path += head + urllib.parse.quote(value, safe="")
        if params:
            raise ValueError(f"{route.method} {route.path}: too many path parameters")
        url = self.server + path + rest
        pairs: List[Tuple[str, str]] = []
        for k, v in (query or {}).items():
            self._declared(route, k)
            if v is None or v is False or v == "":
                continue
            values = v if isinstance(v, (list, tuple)) else [v]
            pairs += [(k, "true" if x is True else str(x)) for x in values]
        return url + ("?" + urllib.parse.urlencode(pairs) if pairs else "")

    @staticmethod
    def _declared(route: Route, name: str) -> None:
        if not any(p.lower() == name.lower() for p in route.params):
            raise AssertionError(f"{route.method} {route.path} does not declare the parameter {name}")

    def headers(self, route: Route, extra: Optional[Mapping[str, Optional[str]]], accept: str) -> Dict[str, str]:
        h = {"Accept": accept, "User-Agent": self.user_agent}
        for k, v in (extra or {}).items():
            self._declared(route, k)
            if v:
                h[k] = v
        if route.method not in ("GET", "HEAD") and "Idempotency-Key" not in h:
            # One key for every try, so a retried command has one effect.
            h["Idempotency-Key"] = secrets.token_hex(16)
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        return h

    def call(self, route: Route, path_params: Sequence[Any] = (), *, query: Optional[Mapping[str, QueryValue]] = None,
             headers: Optional[Mapping[str, Optional[str]]] = None, body: Any = None, content_type: str = "application/json",
             accept: str = "application/json", timeout: Optional[float] = None) -> Answer:
        """Send a request on route, retrying transport failures; an error
        answer raises (a ProblemError subclass for a problem document)."""
        url = self.url(route, path_params, query)
        h = self.headers(route, headers, accept)
        data = None
        if body is not None:
            data = json.dumps(_json.encode(body)).encode()
            h["Content-Type"] = content_type
        req = urllib.request.Request(url, data=data, headers=h, method=route.method)
        pause, last = self.backoff, None
        for attempt in range(self.retries):
            if attempt and pause > 0:
                time.sleep(pause)
                pause *= 2
            try:
                with urllib.request.urlopen(req, timeout=timeout or self.timeout) as resp:
                    return Answer(resp.status, resp.headers, resp.read())
            except urllib.error.HTTPError as e:
                answer = Answer(e.code, e.headers, e.read())
                if e.code == 304:
                    return answer
                raise error_of(answer) from None
            except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as e:
                last = e
        raise APIConnectionError(self.server, last or OSError("no attempt"))

    def stream(self, route: Route, *, query: Mapping[str, QueryValue], headers: Mapping[str, Optional[str]],
               timeout: float) -> Iterator[Tuple[str, str, str, Optional[int]]]:
        """Open an event stream and yield (id, event, data, retry ms) per
        event (retry alone, with empty data, when the server sets it). It
        ends when the stream ends; a refusal raises, a connection that fails
        raises APIConnectionError."""
        req = urllib.request.Request(self.url(route, (), query), headers=self.headers(route, headers, "text/event-stream"))
        try:
            resp = urllib.request.urlopen(req, timeout=timeout)
        except urllib.error.HTTPError as e:
            raise error_of(Answer(e.code, e.headers, e.read())) from None
        except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as e:
            raise APIConnectionError(self.server, e) from None
        with resp:
            ev_id, ev_type, data = "", "", []  # type: Tuple[str, str, List[str]]
            while True:
                try:
                    raw = resp.readline()
                except (ConnectionError, socket.timeout, TimeoutError, OSError):
                    return  # dropped: the caller resumes
                if not raw:
                    return
                line = raw.decode("utf-8").rstrip("\r\n")
                if line == "":
                    if data:
                        yield ev_id, ev_type, "\n".join(data), None
                    ev_id, ev_type, data = "", "", []
                    continue
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "id":
                    ev_id = value
                elif name == "event":
                    ev_type = value
                elif name == "data":
                    data.append(value)
                elif name == "retry" and value.isdigit():
                    yield "", "", "", int(value)


def error_of(answer: Answer) -> APIError:
    """The exception for an error answer."""
    ctype = (answer.headers.get("Content-Type") or "").split(";")[0].strip()
    if ctype in ("application/problem+json", "application/json"):
        try:
            doc = json.loads(answer.body)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and doc.get("title"):
            problem = _json.decode(Problem, doc)
            problem.status = problem.status or answer.status
            return problem_error(problem)
    text = answer.body.decode("utf-8", "replace").strip()[:200]
    return APIError(answer.status, f"the API answered {answer.status}: {text}")
