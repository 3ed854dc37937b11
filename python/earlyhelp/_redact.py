"""Credentials never leave a run: database URLs and messages with their secrets replaced by ``***``.

SQLAlchemy takes a password in several places: ``user:password@host``, query
parameters (``?password=``, ``?sslpassword=``, ``?sslkey_password=``, ...), and whole
ODBC connection strings (``?odbc_connect=DRIVER=...;UID=...;PWD=...``). Every
record (``run.json``), message and log line shows a URL only through :func:`redact_url`,
and text that may quote one (a driver's error) through :func:`redact_text`.
"""
from __future__ import annotations

import logging
import re
from typing import Any

MASK = "***"
#: query parameter names that hold a secret
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|credential|auth|(^|_)key$|apikey|api_key", re.IGNORECASE)
#: ``name=value`` pairs inside connection strings (ODBC, libpq keyword strings, URLs)
_SECRET_PAIR = re.compile(
    r"(?P<name>\b[\w.-]*(?:pass(?:word)?|pwd|secret|token|credential|api_?key|auth)[\w.-]*)"
    r"(?P<eq>\s*(?:=|%3D)\s*)"
    r"(?P<value>\{[^}]*\}|\"[^\"]*\"|'[^']*'|[^;&\s,'\"}]*)",
    re.IGNORECASE)
#: the password of ``scheme://user:password@host``
#: (to the last '@' before the host: a password may hold an '@' its writer did not encode)
_USERINFO = re.compile(r"(?P<head>[a-z][\w+.-]*://[^:/@\s]*:)(?P<pw>[^/\s]*)(?P<at>@)", re.IGNORECASE)


def redact_text(text: Any) -> str:
    """``text`` with every ``password=...``-like value and URL password replaced by ``***``."""
    out = _USERINFO.sub(lambda m: m["head"] + MASK + m["at"], str(text))
    return _SECRET_PAIR.sub(lambda m: m["name"] + m["eq"] + MASK, out)


def redact_url(url: str) -> str:
    """The database URL with every credential SQLAlchemy accepts replaced by ``***``."""
    try:
        from sqlalchemy.engine import make_url

        # masked as text first: SQLAlchemy splits user:p@ss@host at the first '@', which would
        # leave 'ss' in the host it renders
        parsed = make_url(redact_text(url))
    except Exception:  # noqa: BLE001 - a malformed URL is reported elsewhere
        return "<unparseable url>"
    query = {}
    for name, value in parsed.query.items():
        if _SECRET_NAME.search(name):
            query[name] = MASK if isinstance(value, str) else tuple(MASK for _ in value)
        elif isinstance(value, str):
            query[name] = redact_text(value)
        else:
            query[name] = tuple(redact_text(v) for v in value)
    text = parsed.set(query=query).render_as_string(hide_password=True)
    return redact_text(text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts credentials from every record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
