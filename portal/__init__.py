"""The candidate pre-boarding portal.

`create_app` builds the core (configuration, database, errors, security headers, templating) and
then plugs in each feature package, in layer order. See ARCHITECTURE.md for the map.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any

from flask import Flask

# The packages in layers, bottom to top: each may import those before it, never those after it
# (tests/architecture checks the code against this, and ARCHITECTURE.md draws it).
LAYERS = (
    "core",
    "people",
    "events",
    "mail",
    "webhooks",
    "timeline",
    "team",
    "accounts",
    "news",
    "questions",
    "engagement",
    "outcomes",
    "reports",
    "home",
    "api",
    "worker",
    "demo",
)
FEATURES = LAYERS[1:]  # everything above core plugs itself in through its `app.py`


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the portal. `config` overrides what the environment says (tests use it)."""
    from portal.core.app import build_app

    app = build_app(config)
    # Import every feature's wiring first: that adds its views to the audience blueprints,
    # which must all be in place before the first of them is registered.
    wiring = [import_module(f"portal.{feature}.app") for feature in FEATURES]
    for feature in wiring:
        feature.init_app(app)
    return app
