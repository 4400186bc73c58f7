"""Schemas of the hotspot and incident API."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from neighborhood.reports.schemas import (BBoxField, PointSchema, no_control_chars,
                                          plausible_date)
from neighborhood.spatial.services import CELL_MODES, RESOLUTIONS, STEP_UNITS
from neighborhood.workflow.states import Family


class HotspotQuerySchema(Schema):
    """Which reports, which window, which grid."""

    class Meta:
        unknown = RAISE

    category = fields.String(validate=[validate.Length(min=1, max=64), no_control_chars])
    family = fields.String(validate=validate.OneOf([f.value for f in Family]))
    days = fields.Integer(validate=validate.Range(7, 3660), load_default=365, metadata={
        "description": "Window length in days, ending at `end`."})
    end = fields.DateTime(validate=plausible_date, metadata={
        "description": "Window end (ISO 8601, exclusive; years 1900-2999); default: just after "
                       "the newest matching report, i.e. the last `days` of data."})
    resolution = fields.Integer(validate=validate.OneOf(RESOLUTIONS), load_default=9,
                                metadata={"description": "H3 resolution: 9 (blocks, ~0.1 km²) "
                                                         "or 8 (neighbourhoods, ~0.7 km²)."})
    k = fields.Integer(validate=validate.Range(1, 3), load_default=1, metadata={
        "description": "Neighbours: the cell and the cells within k rings."})
    cells = fields.String(validate=validate.OneOf(CELL_MODES), load_default="observed",
                          metadata={"description": "observed: cells with reports; boundary: "
                                                   "every cell inside the city (zeros count)."})
    trend = fields.Boolean(load_default=False, metadata={
        "description": "Also classify each cell's trend (emerging hotspots)."})
    step = fields.String(validate=validate.OneOf(STEP_UNITS), load_default="month")

    @validates_schema
    def _one_selector(self, data, **kwargs):
        if data.get("category") and data.get("family"):
            raise ValidationError("Give a category or a family, not both.", "family")


class PolygonSchema(Schema):
    """A GeoJSON polygon: [[[lon, lat], ...]]."""

    type = fields.Constant("Polygon", dump_only=True)
    coordinates = fields.List(fields.List(fields.List(fields.Float())))


class CellPropertiesSchema(Schema):
    """One H3 cell's statistics."""

    count = fields.Integer()
    z = fields.Float(allow_none=True, metadata={"description": "Gi* z-score."})
    p = fields.Float(allow_none=True, metadata={"description": "Two-sided p-value."})
    fdr_p = fields.Float(allow_none=True, metadata={
        "description": "Benjamini-Hochberg adjusted p-value."})
    bin = fields.Integer(validate=validate.Range(-3, 3), metadata={
        "description": "+3/+2/+1: hotspot at 99/95/90 % confidence after FDR; negative: cold."})
    pattern = fields.Integer(validate=validate.Range(-8, 8), metadata={
        "description": "With trend=true: the emerging hotspot category code."})
    pattern_name = fields.String()
    trend_z = fields.Float(metadata={"description": "Mann-Kendall z of the cell's Gi* series."})


class CellFeatureSchema(Schema):
    type = fields.Constant("Feature", dump_only=True)
    id = fields.String(metadata={"description": "The H3 cell id."})
    geometry = fields.Nested(PolygonSchema)
    properties = fields.Nested(CellPropertiesSchema)


class StackSchema(Schema):
    """Many reports at one exact point, left out of the statistics."""

    lon = fields.Float()
    lat = fields.Float()
    reports = fields.Integer()


class HotspotCollectionSchema(Schema):
    """H3 hexagons with Gi* statistics, as a GeoJSON FeatureCollection."""

    type = fields.Constant("FeatureCollection", dump_only=True)
    features = fields.List(fields.Nested(CellFeatureSchema))
    start = fields.String(metadata={"format": "date-time", "description": "Window start."})
    end = fields.String(metadata={"format": "date-time", "description": "Window end."})
    reports = fields.Integer(metadata={"description": "Reports the statistics cover."})
    resolution = fields.Integer()
    k = fields.Integer()
    cells_mode = fields.String()
    steps = fields.Integer(metadata={"description": "With trend=true: the time steps."})
    excluded_reports = fields.Integer(metadata={
        "description": "Reports left out because they sit on a coincident-point stack."})
    excluded_stacks = fields.List(fields.Nested(StackSchema))


class IncidentQuerySchema(Schema):
    """Which reports to group."""

    class Meta:
        unknown = RAISE

    category = fields.String(required=True, validate=[validate.Length(min=1, max=64),
                                                      no_control_chars])
    bbox = BBoxField(metadata={"description": "minLon,minLat,maxLon,maxLat"})
    radius = fields.Float(validate=validate.Range(5, 200), load_default=30.0,
                          metadata={"description": "Metres (default 30)."})


class IncidentPropertiesSchema(Schema):
    size = fields.Integer()
    report_ids = fields.List(fields.Integer())


class IncidentFeatureSchema(Schema):
    type = fields.Constant("Feature", dump_only=True)
    geometry = fields.Nested(PointSchema, metadata={"description": "The group's centroid."})
    properties = fields.Nested(IncidentPropertiesSchema)


class IncidentCollectionSchema(Schema):
    """Groups of open reports about the same spot."""

    type = fields.Constant("FeatureCollection", dump_only=True)
    features = fields.List(fields.Nested(IncidentFeatureSchema))
