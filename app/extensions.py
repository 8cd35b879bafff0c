"""Extension singletons, unbound; ``create_app`` initialises each with ``init_app``.

The flask-smorest ``Api`` is the exception: it keeps one app and one spec, so the
factory makes one per application (tests build several apps in one process).
"""

from __future__ import annotations

from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from app.db import Base

# Routes commit, then serialise what they hold: reloading every attribute after the
# commit would cost a query per object and show nothing new.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
jwt = JWTManager()
limiter = Limiter(key_func=get_remote_address)
