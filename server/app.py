"""``create_app(settings)``: the Starlette application and its lifespan.

Nothing connects at import or in ``create_app``: the database is migrated and live contests are
recovered when the lifespan starts; the clock-sync pinger and the collector policy
(``server.collector``) are lifespan tasks; on shutdown uvicorn closes the WebSockets (1001/1012),
the runners stop and the database is released.

The contest WebSocket (``/ws/{contest_id}``) is served straight from the application's entry
point rather than through Starlette's middleware and router: a connection lives for hours, and
every layer it passes through keeps a coroutine frame alive per connection (several KiB each for
thousands of audience screens). Everything else goes through Starlette as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from circulation_bridge import ConfigurationError
from displays import STATIC_DIR, render_page
from displays.pages import PageKind
from server.admin import AdminApi
from server.admin import page_routes as admin_page_routes
from server.api import Api
from server.collector import housekeeper
from server.contests import ContestService, ServiceError
from server.kiosk_api import KioskApi
from server.lobby import LobbyApi
from server.registration import Registrar, retention_loop
from server.results import ResultsApi
from server.settings import Settings, StartupError
from server.ws import pinger, serve

log = logging.getLogger(__name__)

PAGES: dict[str, PageKind] = {
    "host": "host",
    "play": "tablet",
    "screen": "screen",
    "watch": "audience",
    "kiosk": "kiosk",
}


MEDIA_HEADERS = {
    "Cache-Control": "public, max-age=3600",
    "X-Content-Type-Options": "nosniff",
    # An SVG can carry script; opened on its own it must run nothing and load nothing.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
}

WS_PATH = re.compile(r"/ws/([^/]+)")


class QuizApp(Starlette):
    """The Starlette application, with the contest WebSocket served from the entry point."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            match = WS_PATH.fullmatch(scope["path"])
            if match is not None:
                scope["app"] = self
                scope["path_params"] = {"contest_id": match[1]}
                await serve(WebSocket(scope, receive, send), self.state.service, send)
                return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings) -> QuizApp:
    """Build the application for ``settings``."""
    service = ContestService(settings)
    try:  # the libraries' settings are read once, here; nothing connects until a card check
        registrar = Registrar.from_environ(
            service, dict(settings.environ), settings.kiosk_lookup_timeout
        )
    except ConfigurationError as wrong:
        raise StartupError(wrong.message) from None
    api = Api(service, registrar)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service.start()
        # Everything loaded so far (packs, recovered contests, modules) lives as long as the
        # process: keep it out of the collector's full passes, which otherwise stall fan-out.
        gc.freeze()
        loop = asyncio.get_running_loop()
        tasks = [
            loop.create_task(pinger(service), name="pinger"),
            loop.create_task(housekeeper(service.connections), name="collector"),
            loop.create_task(
                retention_loop(registrar, settings.player_retention_days), name="retention"
            ),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await registrar.stop()
            await service.stop()

    def language(request: Request) -> str:
        lang = request.query_params.get("lang", settings.default_lang)
        return lang if lang in ("lv", "lt", "en") else settings.default_lang

    def page_for(kind: PageKind) -> Callable[[Request], Awaitable[Response]]:
        async def page(request: Request) -> Response:
            return await render(kind, request)

        return page

    async def render(kind: PageKind, request: Request) -> Response:
        contest_id = request.path_params["contest_id"]
        try:
            runner = await service.ensure(contest_id)  # a finished contest loads on first use
        except ServiceError as refused:  # 404 unknown, 503 database unavailable
            html = render_page("index", contest_id="", lang=language(request))
            return HTMLResponse(html, status_code=refused.status)
        html = render_page(
            kind,
            contest_id=contest_id,
            lang=language(request),
            contest_title=runner.state.title,
        )
        return HTMLResponse(html)

    async def index(request: Request) -> Response:
        return HTMLResponse(render_page("index", contest_id="", lang=language(request)))

    async def media(request: Request) -> Response:
        found = service.media_file(request.path_params["path"])
        if found is None:
            return Response("not found", status_code=404, media_type="text/plain")
        file, content_type = found
        return FileResponse(file, media_type=content_type, headers=MEDIA_HEADERS)

    routes = [
        *api.routes(),
        *KioskApi(api, registrar).routes(),
        *AdminApi(api).routes(),
        *ResultsApi(api).routes(),
        *LobbyApi(api).routes(),
        *admin_page_routes(service),
        Route("/", index),
        *(Route(f"/{path}/{{contest_id:str}}", page_for(kind)) for path, kind in PAGES.items()),
        Route("/media/{path:path}", media),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = QuizApp(routes=routes, lifespan=lifespan)
    app.state.service = service
    app.state.settings = settings
    return app
