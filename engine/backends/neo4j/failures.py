"""What a driver error means for the one who asked: the server gone or busy (try again), a
write the stored state refuses, or a statement the server would not run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from neo4j.exceptions import (
    ConnectionPoolError,
    ConstraintError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from engine.errors import BackendUnavailable, Conflict, GridchainError
from engine.lang import say

CONSTRAINT_VIOLATED = "Neo.ClientError.Schema.ConstraintValidationFailed"


@contextmanager
def answering(uri: str) -> Iterator[None]:
    """Driver errors as one line for the user, by what they mean. Managed transactions have
    retried the transient ones already, so what still fails here is worth a 503."""
    try:
        yield
    except (ServiceUnavailable, SessionExpired, ConnectionPoolError) as exc:
        raise unreachable(uri, exc) from exc
    except TransientError as exc:
        raise BackendUnavailable(
            say(
                f"Neo4j 暂时无法完成（已重试）：{exc.code}: {exc.message}",
                f"Neo4j could not do it for now (retried): {exc.code}: {exc.message}",
            )
        ) from exc
    except Neo4jError as exc:
        if isinstance(exc, ConstraintError) or exc.code == CONSTRAINT_VIOLATED:
            raise Conflict(
                say(
                    f"Neo4j 拒绝了这次写入：与已存的数据冲突（{exc.code}: {exc.message}）",
                    f"Neo4j refused the write: it clashes with stored data "
                    f"({exc.code}: {exc.message})",
                )
            ) from exc
        raise GridchainError(
            say(
                f"Neo4j 拒绝了一条语句：{exc.code}: {exc.message}",
                f"Neo4j refused a statement: {exc.code}: {exc.message}",
            )
        ) from exc


def unreachable(uri: str, error: Exception) -> BackendUnavailable:
    reason = " ".join(str(error).split())  # the driver's messages span lines; users get one
    return BackendUnavailable(
        say(f"连不上 Neo4j（{uri}）：{reason}", f"cannot reach Neo4j at {uri}: {reason}")
    )
