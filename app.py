"""The Flask site: thin views over archive/ (search, documents, status)."""
from flask import Flask


def create_app(settings=None) -> Flask:
    app = Flask(__name__)
    return app
