"""The editors area: signing in and out (CSRF-checked forms, a session cookie)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for

from archive import editors
from web.resources import get_clock, get_writable

bp = Blueprint("editors", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        if not editors.csrf_valid(session, request.form.get("csrf_token")):
            abort(400)
        name = request.form.get("name", "")
        if editors.sign_in(get_writable(), name, request.form.get("password", ""),
                           request.remote_addr or "unknown", get_clock()()):
            session.clear()
            session["editor"] = name
            return redirect(url_for("news.index"))
        flash("Wrong name or password.")
    return render_template("login.html")


@bp.post("/logout")
def logout():
    if editors.csrf_valid(session, request.form.get("csrf_token")):
        session.clear()
    return redirect(url_for("search.home"))
