"""Share links: the view's settings as query parameters, optionally locked by a signed token.

A report link may carry `token=...`: an HMAC-SHA256 over the experiment, the settings and an
expiry time, keyed with a secret from `.streamlit/secrets.toml` (`[share] secret = "..."`). A
forwarded link then opens only the read-only report for exactly that view until it expires;
changing any parameter, or the expiry, breaks the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from experiments.i18n.language import LANG_PARAM
from experiments.i18n.text import Text

TOKEN_PARAM = "token"
VIEW_PARAM = "view"

TokenStatus = Literal["valid", "missing", "expired", "tampered", "malformed"]

# expiry (Unix seconds, ASCII digits only) "." urlsafe-base64 HMAC-SHA256 without padding
_TOKEN_SHAPE = re.compile(r"[0-9]{1,12}\.[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class TokenCheck:
    """Outcome of checking a report token.

    Attributes:
        status: valid / missing / expired / tampered / malformed.
        message: what to tell the person who opened the link (a catalogue `Text`, '' when
            valid).
        expires_at: Unix time the token stops working (None when unreadable).
    """

    status: TokenStatus
    message: str
    expires_at: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "valid"


def _canonical(params: Mapping[str, str]) -> bytes:
    """The signed text: every parameter except the token itself and the language (a reader
    may switch a report to their own language without breaking the link), in a fixed order."""
    unsigned = (TOKEN_PARAM, LANG_PARAM)
    items = sorted((str(k), str(v)) for k, v in params.items() if k not in unsigned)
    return json.dumps(items, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(
    params: Mapping[str, str], secret: str, *, ttl_seconds: int, now: float | None = None
) -> str:
    """A token binding these exact parameters until now + ttl_seconds."""
    expires = int((time.time() if now is None else now) + ttl_seconds)
    mac = hmac.new(secret.encode(), _canonical(params) + b"|" + str(expires).encode(), "sha256")
    return f"{expires}.{_b64(mac.digest())}"


def verify(params: Mapping[str, str], secret: str, *, now: float | None = None) -> TokenCheck:
    """Check the token in `params` against the other parameters."""
    token = params.get(TOKEN_PARAM)
    if not token:
        return TokenCheck("missing", Text("share.link.missing"))
    # str.isdigit() accepts '²' and int() then raises; a fixed ASCII shape is checked first
    if not _TOKEN_SHAPE.fullmatch(str(token)):
        return TokenCheck("malformed", Text("share.link.malformed"))
    expires_text, _, signature = str(token).partition(".")
    expires = int(expires_text)
    mac = hmac.new(
        secret.encode(), _canonical(params) + b"|" + expires_text.encode(), hashlib.sha256
    )
    if not hmac.compare_digest(_b64(mac.digest()).encode(), signature.encode()):
        return TokenCheck("tampered", Text("share.link.tampered"), expires)
    if (time.time() if now is None else now) > expires:
        return TokenCheck("expired", Text("share.link.expired"), expires)
    return TokenCheck("valid", "", expires)


def share_url(base_url: str, page: str, params: Mapping[str, str]) -> str:
    """The full link for a page and its parameters (base_url e.g. http://10.0.0.5:8501)."""
    base = base_url.rstrip("/")
    path = f"/{page.strip('/')}" if page else "/"
    query = urlencode([(k, str(v)) for k, v in params.items() if v not in (None, "")])
    return f"{base}{path}?{query}" if query else f"{base}{path}"
