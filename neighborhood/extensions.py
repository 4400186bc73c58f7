"""Flask extensions, created unbound; create_app binds them."""

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from neighborhood.core.api import Api


class Base(DeclarativeBase):
    """Declarative base shared by every model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
login_manager = LoginManager()
# Rate limits are per route (no default limit); storage from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
babel = Babel()
# Responses compressed (zstd, br or gzip, as the browser accepts): phones on slow networks.
compress = Compress()
