"""gunicorn settings for production: `make serve`, which runs
`gunicorn -c gunicorn.conf.py 'portal:create_app()'`.

Sync workers hold one connection each for the whole of a request, so they must sit behind a
buffering proxy that reads slow clients' requests and answers whole (deploy/nginx.conf; why in
deploy/README.md). Never expose this port to the internet directly.
"""

import os

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
max_requests = 1000
max_requests_jitter = 100
# Each worker builds its own app, engine and connection pool after the fork: no database
# connection is ever shared between processes.
preload_app = False
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
