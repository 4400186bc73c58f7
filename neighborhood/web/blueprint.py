"""The site's one blueprint; each page module adds its routes to it."""

from flask import Blueprint

bp = Blueprint("web", __name__, template_folder="templates")
