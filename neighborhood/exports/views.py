"""Open-data exports of public reports (CSV and GeoJSON, streamed): thin views over queries."""

import re

from flask import Response, current_app, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from neighborhood.core.db import utcnow
from neighborhood.core.errors import error_response
from neighborhood.exports import formats, queries
from neighborhood.exports.schemas import ExportCollectionSchema, ExportQuerySchema, ExportRowSchema
from neighborhood.reports.queries import ReportFilter

blp = Blueprint("exports_api", __name__, url_prefix="/api/v1/exports",
                description="Open-data exports of public reports.")

CSV_TYPE = "text/csv; charset=utf-8"
GEOJSON_TYPE = "application/geo+json"
# How each column's type reads in a CSV cell.
CSV_KINDS = {"Integer": "integer", "Float": "decimal number", "String": "text",
             "Boolean": "`true` or `false`", "DateTime": "ISO 8601 time in UTC",
             "Dict": "a JSON object as text"}


def _file_header(extension: str) -> dict:
    return {"Content-Disposition": {
        "description": f'`attachment; filename="boston-reports-2015-12-31.{extension}"`: the '
                       "city's name and the day of the export.",
        "schema": {"type": "string"}}}


def _column_list() -> str:
    lines = []
    for name, field in ExportRowSchema().fields.items():
        kind = CSV_KINDS[type(field).__name__] + ("; empty for null" if field.allow_none else "")
        lines.append(f"- `{name}` ({kind}): {field.metadata['description']}")
    return "\n".join(lines)


CSV_DESCRIPTION = (
    "RFC 4180 CSV in UTF-8 with a header row, one report a line, oldest first. Columns:\n\n"
    f"{_column_list()}\n\n"
    "A text cell that starts with `=`, `+`, `-`, `@`, a tab, a carriage return or `'` gets one "
    "leading `'` so that spreadsheets do not run it as a formula (see docs/exports.md).")
GEOJSON_DESCRIPTION = (
    "A GeoJSON FeatureCollection, one feature a line, oldest first; each feature's "
    "`properties` hold the same columns as the CSV (`attributes` as an object, text as is).")


def _stream(args: dict, pieces, content_type: str, extension: str) -> Response:
    flt = ReportFilter(bbox=args.get("bbox"), categories=tuple(args.get("category", ())),
                       families=tuple(args.get("family", ())),
                       statuses=tuple(args.get("status", ())),
                       created_from=args.get("created_from"), created_to=args.get("created_to"))
    chunks = queries.export_chunks(flt, city_tz=current_app.config["CITY_TIMEZONE"])
    city = re.sub(r"[^a-z0-9]+", "-", current_app.config["CITY_NAME"].lower()).strip("-")
    filename = f"{city or 'city'}-reports-{utcnow():%Y-%m-%d}.{extension}"
    return Response(stream_with_context(pieces(chunks)), content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/reports.csv", endpoint="reports_csv")
class ReportsCsv(MethodView):
    @blp.arguments(ExportQuerySchema, location="query", unknown=RAISE)
    @blp.doc(responses={"200": {"description": CSV_DESCRIPTION, "headers": _file_header("csv"),
                                "content": {"text/csv": {"schema": {"type": "string"}}}}})
    @error_response(blp, 401)
    @error_response(blp, 422, "Invalid or unknown query parameters (the field and the reason).")
    def get(self, args):
        """Export the public reports a filter selects as CSV, streamed."""
        return _stream(args, formats.csv_pieces, CSV_TYPE, "csv")


@blp.route("/reports.geojson", endpoint="reports_geojson")
class ReportsGeoJson(MethodView):
    @blp.arguments(ExportQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, ExportCollectionSchema, content_type=GEOJSON_TYPE,
                  description=GEOJSON_DESCRIPTION, headers=_file_header("geojson"))
    @error_response(blp, 401)
    @error_response(blp, 422, "Invalid or unknown query parameters (the field and the reason).")
    def get(self, args):
        """Export the public reports a filter selects as GeoJSON, streamed."""
        return _stream(args, formats.geojson_pieces, GEOJSON_TYPE, "geojson")
