"""The small error hierarchy shared by every stage; the API maps it to HTTP status codes in one place."""

from __future__ import annotations


class PaperkgError(Exception):
    """Base class: a user-facing error with a clear message (no driver tracebacks)."""

    http_status = 500


class PaperNotFound(PaperkgError):
    http_status = 404

    @classmethod
    def unknown(cls, paper_id: str) -> PaperNotFound:
        """The one wording of this error in every command and endpoint."""
        return cls(f"unknown paper id {paper_id!r}")


class EntityNotFound(PaperkgError):
    http_status = 404

    @classmethod
    def unknown(cls, query: str) -> EntityNotFound:
        return cls(f"unknown entity {query!r}")


class IndexNotReady(PaperkgError):
    http_status = 409


class ModelMismatch(PaperkgError):
    http_status = 409


class GraphUnavailable(PaperkgError):
    http_status = 503


class BadRecord(PaperkgError):
    """A record that cannot become a paper; carries where it came from and why."""

    http_status = 422

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason if field is None else f"{field}: {reason}")
        self.reason = reason
        self.field = field


class BadInput(PaperkgError):
    """An input file or request that cannot be read at all."""

    http_status = 422


class ConfigError(PaperkgError, ValueError):
    """A setting the run cannot work with: a bad value, an unknown backend, a backend not installed.

    A ValueError too, so callers that caught the generic error before still do. The server's configuration is
    wrong, not the request: 500 over HTTP, exit code 1 on the command line.
    """

    http_status = 500


class ServerBusy(PaperkgError):
    """The server is already doing this expensive work for another request: retry later (503, Retry-After)."""

    http_status = 503
    retry_after = 30


class CollectionNotFound(PaperkgError):
    http_status = 404


class CollectionExists(PaperkgError):
    http_status = 409
