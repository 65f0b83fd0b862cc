"""gunicorn settings for drugref: `gunicorn -c deploy/gunicorn.conf.py drugref.wsgi` (or `make serve`).

Everything an operator tunes comes from the environment (README, "Deploy").
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers, one request each; threads > 1 switches to gthread (helps when pages wait on the database).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
# A request that takes longer than this is killed and its worker replaced (an import belongs on the command line).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# On a restart (SIGHUP, a deploy) or SIGTERM, workers finish the requests they have before they go.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# Replace each worker after this many requests (with jitter, so they do not all restart at once).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10000))
max_requests_jitter = max_requests // 10
# Behind a load balancer, trust its X-Forwarded-* headers (its address, or * on a private network).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs: one JSON object per line on stdout, the access log included (drugref/logs.py).
# GUNICORN_ACCESS_LOG= (empty) turns the access log off where the load balancer keeps one.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logger_class = "drugref.logs.GunicornLogger"
# No control socket: several instances on one host would share its one default path.
control_socket_disable = True


def when_ready(server):
    # Say at start-up, plainly, if the database cannot be reached: a typo in DATABASE_URL is not an outage.
    # The app servers start anyway (answering 503) and reconnect by themselves once it is reachable.
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drugref.settings")  # as drugref/wsgi.py, not yet imported here
    django.setup()
    from django.db import connections

    from drugref.health import database_problem

    try:
        if problem := database_problem():
            server.log.error("%s (DATABASE_URL); answering 503 until it can be reached", problem)
    finally:
        connections.close_all()  # the workers fork from here: none may inherit this connection


def post_worker_init(worker):
    # Each worker retries the purges a cache or front cache has not yet acknowledged (monographs/caching/outbox.py),
    # and carries out the scheduled go-lives and take-downs whose time has come (monographs/editorial.py).
    from monographs import editorial
    from monographs.caching import outbox

    outbox.start_delivery(also=editorial.carry_out_schedules)
