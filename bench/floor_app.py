"""The floor: a Flask app that answers intake's requests without doing intake.

bench/load.py --floor runs its clients against it under the same gunicorn settings, to show
what the server, the framework and the client cost on this machine before any of the app's
work: the most submissions per second any Flask intake could reach here.
"""

import itertools

from flask import Flask, jsonify, request

app = Flask(__name__)
_ids = itertools.count(1)


@app.post("/api/v1/reports")
def submit():
    """Parse the JSON body and answer 201 with a small feature, as intake's shape."""
    body = request.get_json()
    report_id = next(_ids)
    return jsonify({"type": "Feature", "id": report_id,
                    "geometry": {"type": "Point", "coordinates": [body["lon"], body["lat"]]},
                    "properties": {"description": body["description"]}}), 201, {
        "Location": f"/api/v1/reports/{report_id}"}


@app.get("/api/v1/categories")
def categories():
    """Answer the readiness probe."""
    return jsonify([])
