"""The public list of departments."""

from flask.views import MethodView
from flask_smorest import Blueprint

from neighborhood.core.errors import error_response
from neighborhood.routing.schemas import DepartmentSchema
from neighborhood.routing.services import list_departments

blp = Blueprint("routing_api", __name__, url_prefix="/api/v1",
                description="Departments reports are routed to.")


@blp.route("/departments", endpoint="departments")
class Departments(MethodView):
    @blp.response(200, DepartmentSchema(many=True))
    @error_response(blp, 401)
    def get(self):
        """List the city's departments."""
        return list_departments()
