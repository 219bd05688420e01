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
                f"Neo4j 暂时无法完成（已重试）：{refusal(exc)}",
                f"Neo4j could not do it for now (retried): {refusal(exc)}",
            )
        ) from exc
    except Neo4jError as exc:
        if isinstance(exc, ConstraintError) or exc.code == CONSTRAINT_VIOLATED:
            raise Conflict(
                say(
                    f"Neo4j 拒绝了这次写入：与已存的数据冲突（{refusal(exc)}）",
                    f"Neo4j refused the write: it clashes with stored data ({refusal(exc)})",
                )
            ) from exc
        raise GridchainError(
            say(
                f"Neo4j 拒绝了一条语句：{refusal(exc)}",
                f"Neo4j refused a statement: {refusal(exc)}",
            )
        ) from exc


def refusal(error: Neo4jError) -> str:
    return one_line(f"{error.code}: {error.message}")


def one_line(text: str) -> str:
    return " ".join(text.split())  # the server's and driver's messages span lines; users get one


def unreachable(uri: str, error: Exception) -> BackendUnavailable:
    reason = one_line(str(error))
    return BackendUnavailable(
        say(f"连不上 Neo4j（{uri}）：{reason}", f"cannot reach Neo4j at {uri}: {reason}")
    )
