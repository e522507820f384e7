"""What a service refuses, with a code the API and the pages map to an HTTP status."""

from __future__ import annotations

from tierwise.errors import TierwiseError


class ServiceError(TierwiseError):
    """Base of the refusals below; ``code`` is the API's error code, ``status`` its HTTP status."""

    code = "error"
    status = 400


class NotFound(ServiceError, LookupError):
    code = "not_found"
    status = 404


class Forbidden(ServiceError, PermissionError):
    code = "forbidden"
    status = 403


class BadInput(ServiceError, ValueError):
    code = "bad_input"
    status = 422


class NotLoggedIn(ServiceError):
    code = "not_authenticated"
    status = 401


class Conflict(ServiceError):
    code = "conflict"
    status = 409
