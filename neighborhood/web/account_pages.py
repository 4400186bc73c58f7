"""Signing in and out of the site, choosing the language, and the app's offline files."""

from urllib.parse import urlsplit

from flask import (current_app, make_response, redirect, render_template, request, send_file,
                   session, url_for)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from neighborhood.accounts import auth, services
from neighborhood.core.errors import Unauthorized
from neighborhood.web.blueprint import bp
from neighborhood.web.i18n import LANGUAGE_COOKIE, ONE_YEAR


def local_target(target: str | None, default: str = "/") -> str:
    """Return target when it is a path on this site, else default (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; on success start a fresh session and go where the user was."""
    target = local_target(request.values.get("next"))
    if request.method == "GET":
        return render_template("web/login.html", next=target)
    email = request.form.get("email", "").strip()
    try:
        user = services.authenticate(email, request.form.get("password", ""))
    except Unauthorized:
        return render_template("web/login.html", next=target, email=email,
                               error=_("Wrong email or password.")), 401
    session.clear()  # nothing from before sign-in carries over (session fixation)
    auth.start_session(user)
    return redirect(target, code=303)


@bp.post("/logout")
def logout():
    """Sign out of this browser."""
    auth.end_session()
    session.clear()
    return redirect(url_for("web.index"), code=303)


@bp.get("/language/<code>")
def choose_language(code):
    """Remember the chosen language for a year and go back to the page."""
    response = redirect(local_target(request.args.get("next")), code=303)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=ONE_YEAR, samesite="Lax",
                            httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/csrf-token")
def csrf_token():
    """Return this session's CSRF token, for scripts sending a queue a kept page made."""
    response = current_app.json.response({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sw.js")
def service_worker():
    """Return the service worker from the site's root, so it controls every page."""
    path = current_app.static_folder + "/js/sw.js"
    response = make_response(send_file(path, mimetype="text/javascript", max_age=0))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """Return the web app manifest (installable, opens on the report form)."""
    body = {"name": f"Neighborhood {current_app.config['CITY_NAME']}",
            "short_name": "Neighborhood", "start_url": url_for("web.new_report"),
            "display": "standalone", "background_color": "#ffffff", "theme_color": "#0b4f94",
            "icons": [{"src": url_for("static", filename="img/icon.svg"), "sizes": "any",
                       "type": "image/svg+xml"}]}
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    return response
