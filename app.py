"""The Flask site: a short factory wiring the blueprints of web/ over archive/."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, jsonify, render_template, request, session
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from archive import editors, news, xref
from archive.config import Settings, load_settings
from archive.errors import ArchiveError, DocumentGoneError
from archive.labels import facet_label
from archive.permalinks import permalink_for
from web import batch, documents, findings, guards, resources, search
from web import editors as editor_views
from web import news as news_views

CSP = ("default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'; "
       "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
# The HTTP errors the views raise with abort(), told the way an ArchiveError is.
HTTP_MESSAGES = {
    400: "The form was stale or incomplete (missing security token). "
         "Reload the page and try again.",
    403: "Only editors can change the archive. Sign in first.",
    404: "There is nothing at this address. Check the link, or search.",
}


def create_app(settings: Settings | None = None,
               clock: Callable[[], float] = time.time) -> Flask:
    """Build the site for the archive in `settings.var` (default: from DOCKET_* variables);
    `clock` (seconds) times the sign-in throttle."""
    app = Flask(__name__)
    settings = settings or load_settings()
    app.config.update(DOCKET=settings, DOCKET_CLOCK=clock)
    app.secret_key = editors.secret_key(settings.var)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_SECURE=settings.secure_cookies,
                      MAX_CONTENT_LENGTH=news.MAX_BYTES)
    if settings.proxy_hops > 0:  # the client's address and scheme as the proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops,
                                x_proto=settings.proxy_hops)
    for blueprint in (search.bp, batch.bp, documents.bp, news_views.bp, editor_views.bp,
                      findings.bp):
        app.register_blueprint(blueprint)
    app.before_request(guards.same_origin_only)
    app.teardown_appcontext(resources.close_resources)
    app.after_request(security_headers)
    app.register_error_handler(ArchiveError, render_error)
    for status in HTTP_MESSAGES:
        app.register_error_handler(status, render_error)
    app.jinja_env.tests["web_url"] = news.is_web_url  # only http(s) links become hrefs
    app.jinja_env.filters["plain_evidence"] = xref.plain_evidence
    app.jinja_env.globals["facet_label"] = facet_label  # macros see globals, not context
    app.context_processor(lambda: {
        "archive_name": settings.archive_name, "permalink_for": permalink_for,
        "editor": session.get("editor"), "csrf_token": lambda: editors.csrf_token(session)})
    return app


def security_headers(response):
    """Every response: a strict Content-Security-Policy, no sniffing, no framing."""
    response.headers.update(SECURITY_HEADERS)
    return response


def render_error(exc: ArchiveError | HTTPException):
    """The one error handler: error.html with the error's status, or JSON for .json/.csv."""
    if isinstance(exc, HTTPException):  # abort(code) says the usual; abort(code, text) more
        given = exc.description != type(exc).description
        error = ArchiveError(exc.description if given else HTTP_MESSAGES[exc.code])
        error.status = exc.code
        exc = error
    doc = exc.document if isinstance(exc, DocumentGoneError) else None
    retry = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(retry)} if retry else {}
    if request.path.endswith((".json", ".csv")):
        return jsonify(error=str(exc), status=exc.status), exc.status, headers
    return render_template("error.html", error=exc, document=doc,
                           query=request.args.get("q", "")), exc.status, headers  # kept in the box
