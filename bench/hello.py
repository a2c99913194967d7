"""A bare Flask app, the floor bench/web.py measures the portal's pages against: one route, one
short HTML string, served by the same gunicorn settings (gunicorn.conf.py, 2 sync workers)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """The whole page."""
    return "<!doctype html><html lang=en><title>Hello</title><p>Hello, world!</p></html>"
