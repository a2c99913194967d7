"""gunicorn settings for production: `make serve`, which runs
`gunicorn -c gunicorn.conf.py 'portal:create_app()'`.

Sync workers hold one connection each for the whole of a request, so they must sit behind a
buffering proxy that reads slow clients' requests and answers whole (deploy/nginx.conf; why in
deploy/README.md). Never expose this port to the internet directly.
"""

import os
from typing import Any

# Address nginx's upstream points at; keep it on loopback (or a private network).
bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A worker silent this long is killed and replaced (a stuck request, not a slow client: nginx
# hands over only whole requests).
timeout = 30
graceful_timeout = 30
# Recycle workers now and then so a slow leak cannot grow forever; jitter keeps them from
# restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))  # 0: never recycle
max_requests_jitter = 100
# Each worker builds its own app, engine and connection pool after the fork: no database
# connection is ever shared between processes. (With preload, post_fork below keeps it so.)
preload_app = False
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")


def post_fork(server: Any, worker: Any) -> None:
    """In a new worker, forget the database connections inherited from the master.

    Only preloading (`preload_app = True`, or `--preload`) builds the app in the master, and a
    connection the master opened (at import, in a preloaded check) would then be copied into
    every worker: two processes talking over one socket corrupt each other's conversations. So
    each worker gives every engine of the preloaded app a new, empty pool. `close=False`, as
    SQLAlchemy advises for a forked child: the inherited connections are dropped, not closed,
    since closing them would also end them for the master and the other workers.
    """
    app = getattr(worker.app, "callable", None)  # the WSGI app; None unless preloaded
    sqlalchemy = getattr(app, "extensions", {}).get("sqlalchemy")
    if sqlalchemy is None:
        return
    with app.app_context():  # Flask-SQLAlchemy finds the app's engines through its context
        for engine in sqlalchemy.engines.values():
            engine.dispose(close=False)
