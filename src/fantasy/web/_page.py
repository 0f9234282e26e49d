"""The built-in chat page: three static files shipped in the package, and a no-script fallback.

``GET /`` serves ``static/index.html``, whose HTML already holds the chat form;
``chat.js`` enhances it (streaming over the Vercel UI message stream, markdown, tool
cards, approvals, stop). Without scripts the form posts to ``POST /``, which answers
with the agent's reply on a plain page. No CDN, no build step: the page works offline.
"""

from __future__ import annotations

import html
import logging
from functools import cache
from importlib import resources
from urllib.parse import parse_qs

from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from fantasy.agent import Agent
from fantasy.web._body import read_body
from fantasy.web._common import RequestError, error_text

__all__ = ["SECURITY_HEADERS", "routes"]

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}
"""Headers of every page response: the page loads nothing but its own files."""

logger = logging.getLogger("fantasy.web")

_TYPES = {"chat.js": "text/javascript; charset=utf-8", "chat.css": "text/css; charset=utf-8"}


@cache
def _static(name: str) -> str:
    return resources.files("fantasy.web").joinpath("static", name).read_text("utf-8")


def _index(title: str, endpoint: str) -> str:
    return (
        _static("index.html")
        .replace("{{title}}", html.escape(title))
        .replace("{{endpoint}}", html.escape(endpoint))
    )


def routes(agent: Agent, *, endpoint: str, title: str, limit: int) -> list[Route]:
    """The page's routes; ``endpoint`` is the agent endpoint, relative to the page."""
    page = _index(title, endpoint)

    async def index(request: Request) -> Response:
        del request
        return HTMLResponse(page, headers=SECURITY_HEADERS)

    async def asset(request: Request) -> Response:
        name = request.url.path.rsplit("/", 1)[-1]
        return Response(_static(name), media_type=_TYPES[name], headers=SECURITY_HEADERS)

    async def fallback(request: Request) -> Response:
        try:
            prompt = await _form_prompt(request, limit)
        except RequestError as error:
            return _plain(title, "", str(error), status=error.status)
        except ClientDisconnect:
            return Response(status_code=400)
        try:
            result = await agent.generate(prompt)
        except Exception as error:  # the page shows what went wrong, safely
            logger.warning("agent run failed: %s", type(error).__name__, exc_info=error)
            return _plain(title, prompt, error_text(error), status=200)
        return _plain(title, prompt, result.text, status=200)

    return [
        Route("/", index, methods=["GET"]),
        Route("/", fallback, methods=["POST"]),
        Route("/chat.js", asset, methods=["GET"]),
        Route("/chat.css", asset, methods=["GET"]),
    ]


async def _form_prompt(request: Request, limit: int) -> str:
    if request.headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
        raise RequestError("post the form as application/x-www-form-urlencoded", status=415)
    body = await read_body(request, limit)
    try:
        fields = parse_qs(body.decode("utf-8"), max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise RequestError("the form is not valid UTF-8 form data", status=400) from None
    prompt = " ".join(fields.get("prompt", [""])).strip()
    if not prompt:
        raise RequestError("the message is empty", status=422)
    return prompt


def _plain(title: str, prompt: str, answer: str, *, status: int) -> HTMLResponse:
    """The reply on a page that needs no script."""
    asked = f'<p class="msg user">{html.escape(prompt)}</p>' if prompt else ""
    text = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f'<meta name=viewport content="width=device-width, initial-scale=1">'
        f'<title>{html.escape(title)}</title><link rel=stylesheet href="chat.css"></head>'
        f'<body><main id="log">{asked}<div class="msg assistant"><p class="plain">'
        f"{html.escape(answer)}</p></div></main>"
        f'<p class="back"><a href="./">New message</a></p></body></html>'
    )
    return HTMLResponse(text, status_code=status, headers=SECURITY_HEADERS)
