"""CSV and GeoJSON writers for exported rows: pure, no Flask, no database.

Each writer turns an iterable of row chunks into UTF-8 pieces of the response body, one piece
per chunk. The first piece is yielded only once the first chunk has been read, so a query
that fails at once fails before anything is sent (a 500, not a truncated 200).
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from neighborhood.exports.schemas import COLUMNS, ExportRowSchema

# OWASP's CSV-injection triggers, plus the apostrophe itself so that the escape is reversible.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralize_formula(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula (OWASP advice)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _text(value: str | None) -> str | None:
    return value if value is None else neutralize_formula(value)


def _time(value: datetime | None) -> str | None:
    return value if value is None else value.isoformat()


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _json_text(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False) if value else "{}"


# How each column becomes a CSV cell, by its documented type; None: as is (the csv module
# writes numbers with str(), which reads back exactly, and None as an empty cell).
_CELL = {"String": _text, "DateTime": _time, "Boolean": _flag, "Dict": _json_text,
         "Integer": None, "Float": None}
CSV_CELLS = tuple((name, _CELL[type(field).__name__])
                  for name, field in ExportRowSchema().fields.items())
TEXT_COLUMNS = tuple(name for name, cell in CSV_CELLS if cell is _text)  # formula-checked
TIME_COLUMNS = tuple(name for name, cell in CSV_CELLS if cell is _time)


def csv_pieces(chunks: Iterable[list[dict]]) -> Iterator[bytes]:
    """Yield an RFC 4180 CSV (header row, CRLF, UTF-8) of the rows, one piece per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for chunk in chunks:
        writer.writerows([[row[name] if cell is None else cell(row[name])
                            for name, cell in CSV_CELLS] for row in chunk])
        yield _take(buffer)
    if buffer.tell():  # no rows: the header alone
        yield _take(buffer)


def feature(row: dict) -> dict:
    """Return a row as a GeoJSON Feature; its properties are the same columns."""
    properties = dict(row)
    for name in TIME_COLUMNS:
        properties[name] = _time(properties[name])
    return {"type": "Feature", "id": row["id"],
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            "properties": properties}


def geojson_pieces(chunks: Iterable[list[dict]]) -> Iterator[bytes]:
    """Yield a GeoJSON FeatureCollection of the rows, one feature a line, one piece per chunk."""
    separator = '{"type":"FeatureCollection","features":[\n'
    for chunk in chunks:
        if not chunk:
            continue
        body = ",\n".join(json.dumps(feature(row), ensure_ascii=False, allow_nan=False,
                                     separators=(",", ":")) for row in chunk)
        yield (separator + body).encode()
        separator = ",\n"
    yield ("\n]}\n" if separator == ",\n" else separator + "]}\n").encode()


def _take(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode()
