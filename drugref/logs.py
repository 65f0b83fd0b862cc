"""Logs as one JSON object per line on stdout, each carrying the id of the request it belongs to.

`RequestIdMiddleware` takes the load balancer's X-Request-ID (when it is a sane
token) or makes one, sends it back on the response, and puts it on every log
record written while the request runs. `GunicornLogger` writes gunicorn's access
log in the same shape: method, path, status, duration and request id.
"""

import contextvars
import json
import logging
import re
import time
import uuid

from gunicorn.glogging import Logger

request_id = contextvars.ContextVar("request_id", default="")

_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class RequestIdMiddleware:
    """Outermost middleware: even a page served from the page cache gets this request's id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        token = request_id.set(given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id.get()
            return response
        finally:
            request_id.reset(token)


class RefusalsInOneLine(logging.Filter):
    """A request refused (403, 404, 400…) is logged as one line; only a server error (5xx) keeps its traceback."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if record.name.startswith("django.") and status is not None and status < 500:
            record.exc_info = record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if rid := request_id.get():
            entry["request_id"] = rid
        request = getattr(record, "request", None)  # Django's django.request records carry the request
        if request is not None and hasattr(request, "path"):
            entry |= {"method": request.method, "path": request.path}
        if (status := getattr(record, "status_code", None)) is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class GunicornLogger(Logger):
    """gunicorn's own logs in the same JSON shape, and an access log line per request."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        headers = {name.lower(): value for name, value in resp.headers}
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "level": "INFO",
            "logger": "gunicorn.access",
            "request_id": headers.get("x-request-id"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or None,
            "status": int(str(resp.status).split()[0]),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "read_from": environ.get("drugref.read_from"),  # with read replicas: "replica_1", or "default"
        }
        self.access_log.info(json.dumps({k: v for k, v in entry.items() if v is not None}, ensure_ascii=False))
