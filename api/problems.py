"""Every error the API answers is an RFC 9457 problem (`application/problem+json`).

The engine's errors map to statuses here, so routes raise what the engine raises and never
build error bodies themselves. A 500 means a bug: its body says nothing of the internals.
Titles and details are in the request's language (`api.language`); types, statuses and the
places of refused fields are codes and never change.
"""

from __future__ import annotations

import http
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match

from engine.errors import (
    BackendUnavailable,
    BadQuery,
    Conflict,
    GridchainError,
    ImportProblem,
    ImportRefused,
    IssueConflict,
    NotFound,
)
from engine.lang import current, say

PROBLEM_MEDIA_TYPE = "application/problem+json"
# A backend that does not answer is asked again after this long: a Neo4j cluster elects a new
# leader, or a restarted server comes back, within seconds.
RETRY_AFTER_SECONDS = 5


class FieldError(BaseModel):
    """A request value that was refused: where it was (path, query, body) and why."""

    location: str
    field: str
    message: str


class RowProblem(BaseModel):
    """A refused row of an uploaded data set, placed as the CLI places it."""

    file: str
    line: int
    column: str
    message: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
    problems: list[RowProblem] | None = None
    current_status: str | None = None  # an issue a step was refused for: where it stands


DESCRIPTIONS = {
    400: "The body cannot be parsed (not JSON, or not multipart form data), or a key in the URL.",
    401: "No API key, or an unknown one.",
    403: "The key's role may not read or write this.",
    404: "No such node or assignment.",
    409: "Something with that id exists already, or the issue's status refuses the step.",
    413: "The upload is too large.",
    422: "A parameter, body or uploaded row was refused.",
    503: "The backend cannot be reached, or is busy: ask again after `Retry-After` seconds.",
}


# The Chinese titles; English ones are the standard reason phrases.
TITLES_ZH = {
    400: "请求有误",
    401: "未认证",
    403: "无权访问",
    404: "未找到",
    405: "不支持此方法",
    409: "冲突",
    413: "内容过大",
    422: "无法处理的请求",
    429: "请求过多",
    500: "服务器内部错误",
    503: "服务不可用",
    507: "存储空间不足",
}


def title(status: int) -> str:
    phrase = http.HTTPStatus(status).phrase
    return phrase if current() == "en" else TITLES_ZH.get(status, phrase)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` entry of each status; see `use_problem_media_type`."""
    return {s: {"model": Problem, "description": DESCRIPTIONS[s]} for s in statuses}


def problem(
    status: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
    errors: list[FieldError] | None = None,
    problems: Sequence[ImportProblem] = (),
    current_status: str | None = None,
) -> JSONResponse:
    body = Problem(
        title=title(status),
        status=status,
        detail=detail,
        errors=errors,
        problems=[RowProblem(**vars(p)) for p in problems] or None,
        current_status=current_status,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


# Pydantic's messages in Chinese, by error type; `{…}` take the error's context. A type not
# here keeps pydantic's English message.
MESSAGES_ZH = {
    "missing": "必填",
    "extra_forbidden": "不接受此字段",
    "json_invalid": "不是有效的 JSON",
    "json_type": "应为 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "至多 {max_length} 个字符",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "date_parsing": "应为 YYYY-MM-DD 格式的日期",
    "date_from_datetime_parsing": "应为 YYYY-MM-DD 格式的日期",
}


def message(error: Mapping[str, Any]) -> str:
    """A refused value's message in the current language."""
    context = error.get("ctx") or {}
    if error.get("type") == "value_error" and "error" in context:
        return str(context["error"])  # our own validators' words, already in the language
    template = MESSAGES_ZH.get(str(error.get("type")))
    if current() == "en" or template is None:
        return str(error.get("msg", "invalid"))
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return str(error.get("msg", "invalid"))


def field_errors(exc: RequestValidationError) -> list[FieldError]:
    found = []
    for error in exc.errors():
        location, *names = error.get("loc", ("request",))
        found.append(
            FieldError(
                location=str(location),
                field=".".join(str(n) for n in names) or str(location),
                message=message(error),
            )
        )
    return found


def refused_fields(
    exc: ImportRefused, location: str = "body", names: Mapping[str, str] | None = None
) -> RequestValidationError:
    """A JSON body refused by the importer: its problems are fields, not rows of a file;
    `names` maps a ledger column to the body field that gave it, where they differ."""
    return RequestValidationError(
        [
            {
                "loc": (location, (names or {}).get(p.column, p.column)),
                "msg": p.message,
                "type": "value_error",
            }
            for p in exc.problems
        ]
    )


def refused_field(location: str, field: str, message: str) -> RequestValidationError:
    """One value of a request refused by a rule of a route's own, placed as pydantic's are."""
    return RequestValidationError(
        [{"loc": (location, field), "msg": message, "type": "value_error"}]
    )


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    detail = str(exc.detail)
    if detail == http.HTTPStatus(exc.status_code).phrase:  # Starlette's own: no route, say
        detail = title(exc.status_code)
    return problem(exc.status_code, detail, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path: Starlette names only the first route's,
    and a path may have one route per method (GET and POST /issues)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


async def on_invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc)
    detail = "; ".join(f"{e.location} {e.field}: {e.message}" for e in errors)
    return problem(422, detail, errors=errors)


async def on_engine_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GridchainError)
    if isinstance(exc, NotFound):
        return problem(404, str(exc))
    if isinstance(exc, ImportRefused):
        count = exc.total
        shown = say(
            f"导入被拒绝，未存储任何内容（{count} 个问题）",
            f"import refused, nothing stored ({count} problems)",
        )
        return problem(422, shown, problems=exc.problems)
    if isinstance(exc, BadQuery):
        return problem(422, str(exc))
    if isinstance(exc, IssueConflict):
        return problem(409, str(exc), current_status=exc.status)
    if isinstance(exc, Conflict):
        return problem(409, str(exc))
    if isinstance(exc, BackendUnavailable):
        return problem(503, str(exc), headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return problem(400, str(exc))


async def on_bug(request: Request, exc: Exception) -> JSONResponse:
    # Starlette raises the exception on after this answer, so the server logs its traceback.
    return problem(
        500,
        say("服务器内部错误；详情见服务器日志", "internal error; the server log has the details"),
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(GridchainError, on_engine_error)
    app.add_exception_handler(Exception, on_bug)


def use_problem_media_type(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI documents an error model in the route's own media type (JSON, or HTML for a
    page); every error is a problem."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and content:
                    response["content"] = {PROBLEM_MEDIA_TYPE: next(iter(content.values()))}
    return schema
