"""What HTTP mode makes sure of before bolt sees a request: Slack signed it, and it reads.

The signature is checked first, on the raw bytes as they came off the wire,
so that nothing a stranger sends is parsed, logged or stored. Only then is
the body read, here rather than by bolt, for two reasons:

- bolt tells an interaction from a slash command by looking for the word
  ``payload`` anywhere in the raw form, so a command whose text, channel name
  or user name holds that word was taken for an interaction and dropped. A
  form is a slash command when it has a ``command`` field, whatever else it
  says; it is an interaction when its ``payload`` field holds one.
- a body bolt cannot parse (not UTF-8, not JSON, a JSON array) made bolt raise,
  answer 500 and log a traceback. Here it is ``MalformedRequest``, which HTTP
  mode answers 400 with one line saying why (never the body itself).

Slack's scheme (https://api.slack.com/authentication/verifying-requests-from-slack):
``v0=`` and the hex HMAC-SHA256, keyed with the signing secret, of
``v0:{X-Slack-Request-Timestamp}:{raw body}``; a timestamp more than five
minutes from now is refused, so a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any
from urllib.parse import parse_qsl

VERSION = "v0"
MAX_AGE_SECONDS = 300
"""How far a request's timestamp may be from now, as Slack advises."""
MAX_FORM_FIELDS = 100
"""A slash command has about a dozen fields; a form with hundreds is not Slack's."""

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class MalformedRequest(Exception):
    """A request Slack signed whose body Convene cannot read; the message says why."""


def signature_problem(
    secret: str, raw: bytes, timestamp: str | None, signature: str | None, *, now: float
) -> str | None:
    """Why the request is not Slack's (a short phrase, no request content), or None when it is."""

    if not secret:
        return "no signing secret is set (SLACK_SIGNING_SECRET)"
    if timestamp is None or signature is None:
        return "it carries no Slack signature"
    if not _TIMESTAMP.fullmatch(timestamp):
        return "its timestamp is not a number"
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return "its timestamp is more than five minutes from now"
    if not _SIGNATURE.fullmatch(signature):
        return "its signature is not of Slack's form"
    base = b"%s:%s:%s" % (VERSION.encode(), timestamp.encode(), raw)
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return "its signature does not match"
    return None


def read_body(raw: bytes, content_type: str | None) -> tuple[str, dict[str, Any]]:
    """The body as text and as the object bolt routes on; ``MalformedRequest`` if it is neither
    a JSON object (the Events API) nor a form Slack sends (a slash command, an interaction)."""

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequest("its body is not UTF-8") from None
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/json" or text.lstrip()[:1] in ("{", "["):
        return text, _json_object(text, "its JSON body")
    try:
        form = dict(parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS))
    except ValueError:
        raise MalformedRequest(f"its form has more than {MAX_FORM_FIELDS} fields") from None
    if "command" in form:
        return text, form
    if "payload" in form:
        return text, _json_object(form["payload"], "its payload")
    if form.get("ssl_check") == "1":
        return text, form
    raise MalformedRequest("its form is neither a slash command nor an interaction")


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedRequest(f"{what} is not JSON") from None
    if not isinstance(parsed, dict):
        raise MalformedRequest(f"{what} is JSON but not an object")
    if not isinstance(parsed.get("type"), str):
        raise MalformedRequest(f"{what} has no type")
    return parsed
