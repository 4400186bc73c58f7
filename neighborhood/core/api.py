"""flask-smorest Api with the project's error renderer."""

import flask_smorest

from neighborhood.core import errors


class Api(flask_smorest.Api):
    """Api that renders errors through core.errors (keeps Allow on 405, HTML off /api)."""

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)
