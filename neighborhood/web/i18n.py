"""Languages: English and Spanish, chosen by the switch (a cookie) or else by the browser."""

from flask import Flask, current_app, has_request_context, request

from neighborhood.extensions import babel

LANGUAGE_COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    """Return the language for this request: the chosen one, else the browser's best match."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and jobs: messages in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(list(languages)) or \
        current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Return the city's time zone: dates on pages are local to the city, not the visitor."""
    return current_app.config["CITY_TIMEZONE"]


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our selectors and the catalogs in neighborhood/translations."""
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
