"""Secrets in URLs never reach the logs: calendar-feed tokens are masked in access and error log lines.

A calendar feed is fetched by a calendar app with the token in the path (``/calendar/feed/<token>.ics``);
anyone reading the access log could otherwise subscribe to a patient's appointments. ``MaskFeedTokens`` is
attached to gunicorn's access log (``gunicorn.conf.py``) and to Django's log handler (settings LOGGING).
"""

from __future__ import annotations

import logging
import re

FEED_TOKEN = re.compile(r"(/calendar/feed/)[^/?#\s\"']+?(\.ics)")
MASK = r"\1[token]\2"


def mask(value):
    return FEED_TOKEN.sub(MASK, value) if isinstance(value, str) else value


class MaskFeedTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.msg)
        if isinstance(record.args, dict):  # gunicorn's access atoms: keep its dict type, change in place
            for key, value in list(record.args.items()):
                record.args[key] = mask(value)
        elif isinstance(record.args, tuple):
            record.args = tuple(mask(value) for value in record.args)
        return True
