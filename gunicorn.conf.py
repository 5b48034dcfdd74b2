"""gunicorn settings, read automatically when gunicorn starts in this directory (``gunicorn clinic.wsgi``).

Production runs behind a buffering reverse proxy (deploy/nginx.conf): gunicorn listens on loopback only
unless ``GUNICORN_BIND`` says otherwise, so slow clients meet nginx, not the sync workers. The access log
masks calendar-feed tokens (clinic/logmask.py).
"""

import logging
import os

bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# The client address nginx forwards, then the usual request line, status, size and time.
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def _mask_feed_tokens():
    from clinic.logmask import MaskFeedTokens

    for name in ("gunicorn.access", "gunicorn.error"):
        log = logging.getLogger(name)
        if not any(isinstance(f, MaskFeedTokens) for f in log.filters):
            log.addFilter(MaskFeedTokens())


def on_starting(server):
    _mask_feed_tokens()


def post_worker_init(worker):
    _mask_feed_tokens()
