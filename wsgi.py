"""WSGI entry point for production servers, e.g. `gunicorn -w 2 wsgi:app`."""

from neighborhood import create_app

app = create_app()
