"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi``."""

from app import create_app
from app.http_errors import answer_server_errors_as_problems

answer_server_errors_as_problems()  # gunicorn's own 400/414/431 answers too
app = create_app()
