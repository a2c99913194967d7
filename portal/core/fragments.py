"""Rendered pieces of pages kept per process, keyed by everything they show.

A template wraps a piece whose HTML depends only on a few values in
`{% call cached_fragment("menu", role, path, unread) %}…{% endcall %}`: the first page that
needs it renders it, the next ones reuse the HTML. The key is the name and the values given,
plus what every piece depends on without saying so (the app, the reader's language and the
path the app is mounted under), so a piece is never shown for facts it was not made from: a
value that changes (an unread count) is part of the key and makes a new entry, not a stale one.
Pieces that hold anything personal beyond their key (a CSRF token, a name) must stay outside.

Each app keeps at most FRAGMENT_LIMIT pieces; past that it starts again from empty, which
costs one render per piece. Development (debug) renders every time, so edited templates show.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import Flask, current_app, request
from markupsafe import Markup, escape

from portal.core.i18n import reader_language

FRAGMENT_LIMIT = 4096
_STORE = "portal.fragments"


def cached_fragment(
    name: str, *values: Hashable, caller: Callable[[], str], keep: bool = True
) -> Markup:
    """The HTML of the `{% call %}` block for these values, rendered once per process;
    rendered every time when `keep` is false (what it shows may change unseen)."""
    store: dict[tuple[Hashable, ...], Markup] | None = current_app.extensions.get(_STORE)
    if store is None or not keep:
        return escape(caller())
    key = (name, reader_language(), request.script_root, *values)
    html = store.get(key)
    if html is None:
        html = escape(caller())  # a macro's output is Markup already: kept as it is
        if len(store) >= FRAGMENT_LIMIT:
            store.clear()
        store[key] = html
    return html


def init_fragments(app: Flask) -> None:
    if not app.debug:
        app.extensions[_STORE] = {}
    app.jinja_env.globals["cached_fragment"] = cached_fragment
