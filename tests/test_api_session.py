"""Logging in to the pages, the session cookie, no key in any URL or log, and the language of
each request (issue 10, items 1 and 6; SPEC §6.2, §8), over real HTTP and in a real browser."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from counties import AS_OF
from serving import GRIDCHAIN, KEYS, Server, key_file, small_county_store

from api.auth import Principal
from api.sessions import FailedLogins, Sessions, SessionSettings
from api.urls import local_path

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

PROBLEM = "application/problem+json"
COOKIE = "gridchain_session"
WRONG_KEY = "a-key-nobody-holds-00000000"


def set_cookies(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def attributes(set_cookie: str) -> set[str]:
    """The attributes of one Set-Cookie, lower case: {"httponly", "samesite=strict", …}."""
    return {part.strip().lower() for part in set_cookie.split(";")[1:]}


def log_in(client: httpx.Client, key: str, wanted: str | None = None) -> httpx.Response:
    return client.post("/login", data={"key": key, **({"next": wanted} if wanted else {})})


@pytest.fixture(scope="module")
def short_sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose sessions end after one idle second."""
    folder = tmp_path_factory.mktemp("short-sessions")
    idle = {"GRIDCHAIN_SESSION_IDLE_SECONDS": "1"}
    running = Server(
        small_county_store(folder), key_file(folder), folder / "server.log", env=idle
    ).start()
    yield running
    running.stop()


# ---- logging in and out --------------------------------------------------------------------


def test_the_login_page_is_chinese_by_default_and_english_on_request(server: Server) -> None:
    with server.client() as browser:
        page = browser.get("/login")
        english = browser.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<title>登录</title>" in page.text and ">登录</button>" in page.text
    assert '<input type="password" name="key"' in page.text
    assert '<form method="post" action="/login">' in page.text
    assert "form-action 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert ">Log in</button>" in english.text and "登录" not in english.text


def test_a_right_key_opens_a_session_in_a_strict_httponly_cookie(server: Server) -> None:
    with server.client() as browser:
        response = log_in(browser, KEYS["inspector"], "/view/gaps?scope=T1")
        assert response.status_code == 303
        assert response.headers["location"] == "/view/gaps?scope=T1"
        [cookie] = set_cookies(response)
        assert cookie.startswith(f"{COOKIE}=")
        assert {"httponly", "samesite=strict", "path=/"} <= attributes(cookie)
        assert "secure" not in attributes(cookie)  # plain http: a Secure cookie would not come back
        assert KEYS["inspector"] not in cookie
        dashboard = browser.get("/", params={"as_of": AS_OF.isoformat()})
    assert dashboard.status_code == 200
    assert dashboard.headers["content-type"].startswith("text/html")
    assert KEYS["inspector"] not in dashboard.text


def test_the_cookie_is_secure_when_the_request_came_over_https(server: Server) -> None:
    # Uvicorn believes X-Forwarded-Proto from a proxy on this machine, as behind nginx.
    with server.client() as browser:
        response = browser.post(
            "/login", data={"key": KEYS["inspector"]}, headers={"X-Forwarded-Proto": "https"}
        )
    [cookie] = set_cookies(response)
    assert "secure" in attributes(cookie)


def test_a_session_carries_its_keys_scope(server: Server) -> None:
    with server.browser(KEYS["t1_admin"]) as browser:
        assert browser.get("/view/gaps", params={"scope": "T1"}).status_code == 200
        refused = browser.get("/view/gaps", params={"scope": "T2"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM


def test_a_wrong_key_shows_the_form_again_with_401_and_no_cookie(server: Server) -> None:
    with server.client() as browser:
        response = log_in(browser, WRONG_KEY, "/view/gaps")
        empty = log_in(browser, "")
    assert response.status_code == 401
    assert set_cookies(response) == []
    assert "密钥不正确" in response.text
    assert '<input type="password" name="key"' in response.text
    assert 'name="next" value="/view/gaps"' in response.text
    assert WRONG_KEY not in response.text
    assert empty.status_code == 401 and set_cookies(empty) == []


def test_logout_clears_the_cookie_and_ends_the_session(server: Server) -> None:
    with server.browser(KEYS["inspector"]) as browser:
        token = browser.cookies[COOKIE]
        response = browser.post("/logout")
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        [cleared] = set_cookies(response)
        assert cleared.startswith(f"{COOKIE}=") and "max-age=0" in attributes(cleared)
        assert browser.get("/").status_code == 303
    with httpx.Client(base_url=server.url, cookies={COOKIE: token}) as replayed:
        again = replayed.get("/")
    assert again.status_code == 303
    assert again.headers["location"] == "/login?next=%2F"


def test_a_page_without_a_session_goes_to_the_login_page(server: Server) -> None:
    with server.client() as browser:
        home = browser.get("/")
        listing = browser.get("/view/gaps", params={"scope": "T1", "kind": "uncovered_household"})
        forged = httpx.Client(base_url=server.url, cookies={COOKIE: "made-up"}).get("/")
    assert home.status_code == 303
    assert home.headers["location"] == "/login?next=%2F"
    assert listing.status_code == 303
    assert listing.headers["location"] == (
        "/login?next=%2Fview%2Fgaps%3Fscope%3DT1%26kind%3Duncovered_household"
    )
    assert forged.status_code == 303


def test_the_json_api_takes_no_session_cookie(server: Server) -> None:
    # A page of another site could make a logged-in browser send it; keys alone write.
    with server.browser(KEYS["t1_admin"]) as browser:
        reading = browser.get("/gaps")
        writing = browser.post("/households/H1/color", json={"color": "red"})
    assert reading.status_code == 401 and writing.status_code == 401
    assert reading.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_next_never_leads_off_the_site(server: Server, elsewhere: str) -> None:
    with server.client() as browser:
        form = browser.get("/login", params={"next": elsewhere})
        logged_in = log_in(browser, KEYS["inspector"], elsewhere)
        switched = browser.get("/lang/en", params={"next": elsewhere})
    assert 'name="next" value="/"' in form.text
    assert logged_in.status_code == 303 and logged_in.headers["location"] == "/"
    assert switched.status_code == 303 and switched.headers["location"] == "/"


def test_local_paths_are_kept_and_others_replaced() -> None:
    assert local_path("/view/gaps?scope=T1&kind=x") == "/view/gaps?scope=T1&kind=x"
    assert local_path("/") == "/"
    for elsewhere in (None, "", "http://a.example", "//a.example", "/\\a.example", "/a b", "a"):
        assert local_path(elsewhere) == "/"


# ---- no key in a URL, nor in the log -------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/view/gaps", "/gaps", "/health", "/login", "/no/such"])
def test_a_key_in_the_url_is_refused_everywhere(server: Server, path: str) -> None:
    with server.client() as browser:
        response = browser.get(path, params={"key": KEYS["inspector"]})
        english = browser.get(
            path, params={"key": KEYS["inspector"]}, headers={"Accept-Language": "en"}
        )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert "密钥不能放在网址里" in response.json()["detail"]
    assert "a key never goes in a URL" in english.json()["detail"]
    assert KEYS["inspector"] not in response.text
    log = server.log.read_text()
    assert f"GET {path}?key=%2A%2A%2A" in log  # logged, and blanked
    assert KEYS["inspector"] not in log


def test_a_key_in_the_url_is_refused_even_beside_a_good_header(server: Server) -> None:
    with server.client(KEYS["inspector"]) as script:
        response = script.get("/gaps", params={"scope": "T1", "key": KEYS["t1_admin"]})
    assert response.status_code == 400
    assert KEYS["t1_admin"] not in server.log.read_text()


def test_the_key_typed_at_login_reaches_no_log(server: Server) -> None:
    with server.client() as browser:
        log_in(browser, KEYS["m1_member"])
        log_in(browser, WRONG_KEY)
    log = server.log.read_text()
    assert "POST /login" in log
    assert KEYS["m1_member"] not in log and WRONG_KEY not in log


# ---- the language of each request ----------------------------------------------------------


def test_problems_are_chinese_by_default_and_english_on_request(server: Server) -> None:
    with server.client() as anonymous:
        chinese = anonymous.get("/gaps").json()
        english = anonymous.get("/gaps", headers={"Accept-Language": "en-US,en;q=0.8"}).json()
        preferred = anonymous.get("/gaps", headers={"Accept-Language": "en;q=0.5, zh-CN"}).json()
    assert chinese["title"] == "未认证" and "需要 API 密钥" in chinese["detail"]
    assert english["title"] == "Unauthorized" and "an API key is required" in english["detail"]
    assert preferred["title"] == "未认证"
    assert chinese["type"] == english["type"] and chinese["status"] == english["status"] == 401


def test_sync_routes_speak_the_requests_language(server: Server) -> None:
    # /gaps runs in the thread pool: its refusal is written there, in the request's language.
    with server.client(KEYS["m1_member"]) as member:
        chinese = member.get("/gaps").json()
        english = member.get("/gaps", headers={"Accept-Language": "en"}).json()
    assert chinese["detail"] == "网格员只能查看所包抓户的责任链，不能查看片区"
    assert english["detail"] == "a grid member reads the chains of its households, not areas"
    assert chinese["title"] == "无权访问" and english["title"] == "Forbidden"


def test_concurrent_requests_each_keep_their_language(server: Server) -> None:
    def refusal(lang: str) -> tuple[str, str]:
        with server.client(KEYS["t1_admin"]) as admin:
            body = admin.get("/stats", params={"scope": "T2"}, headers={"Accept-Language": lang})
        return lang, body.json()["detail"]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(refusal, ["zh", "en"] * 12))
    for lang, detail in answers:
        assert ("lies outside township" in detail) == (lang == "en"), (lang, detail)
        assert ("不在乡镇" in detail) == (lang == "zh"), (lang, detail)


def test_refused_fields_are_explained_in_the_language(server: Server) -> None:
    with server.client(KEYS["inspector"]) as inspector:
        chinese = inspector.get("/gaps", params={"limit": 0}).json()
        english = inspector.get("/gaps", params={"limit": 0}, headers={"Accept-Language": "en"})
        date = inspector.get("/stats", params={"as_of": "2024/06/01"}).json()
    assert chinese["errors"] == [{"location": "query", "field": "limit", "message": "应不小于 1"}]
    assert english.json()["errors"][0]["message"] == "Input should be greater than or equal to 1"
    assert date["errors"][0]["message"] == "应为 YYYY-MM-DD 格式的日期"


def test_the_language_cookie_outweighs_accept_language(server: Server) -> None:
    with server.client() as browser:
        switched = browser.get("/lang/en", params={"next": "/login?next=%2Fview%2Fgaps"})
        assert switched.status_code == 303
        assert switched.headers["location"] == "/login?next=%2Fview%2Fgaps"
        [cookie] = set_cookies(switched)
        assert cookie.startswith("gridchain_lang=en")
        assert {"path=/", "samesite=lax", f"max-age={365 * 24 * 3600}"} <= attributes(cookie)
        chinese_browser = {"Accept-Language": "zh-CN,zh;q=0.9"}
        assert browser.get("/gaps", headers=chinese_browser).json()["title"] == "Unauthorized"
        assert ">Log in</button>" in browser.get("/login", headers=chinese_browser).text
        browser.get("/lang/zh")
        english_browser = {"Accept-Language": "en"}
        assert browser.get("/gaps", headers=english_browser).json()["title"] == "未认证"


def test_an_unknown_language_is_refused(server: Server) -> None:
    with server.client() as browser:
        response = browser.get("/lang/fr")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


# ---- how long a session lives, and how often a key may be guessed -------------------------


def test_an_idle_session_expires(short_sessions: Server) -> None:
    with short_sessions.client() as browser:
        assert log_in(browser, KEYS["inspector"]).status_code == 303
        time.sleep(1.5)  # past the one idle second this server allows
        expired = browser.get("/")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/login?next=%2F"


def test_bad_session_settings_stop_the_server_at_start(tmp_path: Path) -> None:
    command = [str(GRIDCHAIN), "--db", str(small_county_store(tmp_path)), "serve"]
    result = subprocess.run(
        [*command, "--keys", str(key_file(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "GRIDCHAIN_SESSION_IDLE_SECONDS": "soon", "GRIDCHAIN_LANG": "en"},
    )
    assert result.returncode == 2
    assert "GRIDCHAIN_SESSION_IDLE_SECONDS='soon'" in result.stderr
    assert "positive number of seconds" in result.stderr


def test_too_many_wrong_keys_refuse_logins_for_a_while(tmp_path: Path) -> None:
    server = Server(small_county_store(tmp_path), key_file(tmp_path), tmp_path / "log").start()
    try:
        with server.client() as guesser:
            wrong = [log_in(guesser, f"{WRONG_KEY}{n}").status_code for n in range(10)]
            blocked = log_in(guesser, KEYS["inspector"])
    finally:
        server.stop()
    assert wrong == [401] * 10
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "60"
    assert set_cookies(blocked) == []
    assert "次数过多" in blocked.text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


INSPECTOR = Principal("inspector")


def test_a_session_ends_when_idle_or_at_the_end_of_its_lifetime() -> None:
    clock = Clock()
    live = Sessions(SessionSettings(idle_seconds=10, lifetime_seconds=25), clock)
    token = live.open(INSPECTOR)
    for _ in range(2):
        clock.now += 9
        assert live.find(token) == INSPECTOR  # each use restarts the idle time
    clock.now += 9  # 27 s since it opened
    assert live.find(token) is None
    idle = live.open(INSPECTOR)
    clock.now += 11
    assert live.find(idle) is None
    assert live.held == {}  # expired sessions are dropped, not kept


def test_sessions_are_capped_dropping_the_least_recently_used() -> None:
    live = Sessions(SessionSettings(most=2), Clock())
    first, second = live.open(INSPECTOR), live.open(INSPECTOR)
    assert live.find(first) == INSPECTOR
    third = live.open(INSPECTOR)
    assert live.find(second) is None
    assert live.find(first) == INSPECTOR and live.find(third) == INSPECTOR
    live.close(first)
    assert live.find(first) is None
    assert len({first, second, third}) == 3 and all(len(t) >= 43 for t in (first, third))


def test_failed_logins_leave_the_window_and_a_success_forgets_them() -> None:
    clock = Clock()
    failures = FailedLogins(most=3, window=60, clock=clock)
    for _ in range(3):
        failures.failed("10.0.0.1")
    assert failures.blocked("10.0.0.1") and not failures.blocked("10.0.0.2")
    clock.now += 61
    assert not failures.blocked("10.0.0.1")
    failures.failed("10.0.0.1")
    failures.succeeded("10.0.0.1")
    assert failures.failures == {}


# ---- in a real browser ---------------------------------------------------------------------


def test_a_browser_logs_in_without_the_key_in_any_url(server: Server) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium: apt-get install chromium")
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            context = chromium.new_context(locale="zh-CN")
            page = context.new_page()
            visited: list[str] = []
            page.on("framenavigated", lambda frame: visited.append(frame.url))
            page.goto(f"{server.url}/view/gaps?scope=T1")
            assert page.url == f"{server.url}/login?next=%2Fview%2Fgaps%3Fscope%3DT1"
            assert page.locator("button").inner_text() == "登录"
            page.fill("input[name=key]", KEYS["inspector"])
            page.click("button[type=submit]")
            page.wait_for_url(f"{server.url}/view/gaps?scope=T1")
            assert page.locator("input[name=key]").count() == 0  # the page, not the form
            assert page.locator("table").count() >= 1
            assert COOKIE not in page.evaluate("document.cookie")
            [cookie] = [c for c in context.cookies() if c["name"] == COOKIE]
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            history = page.evaluate("history.length")
        finally:
            chromium.close()
    assert history >= 2
    assert visited and all(KEYS["inspector"] not in url and "key=" not in url for url in visited)
