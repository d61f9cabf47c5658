"""Sign-in rules without Streamlit: password comparison and a growing delay after wrong guesses."""

from __future__ import annotations

import hmac
import threading
import time
import unicodedata
from dataclasses import dataclass, field

from experiments import config


def password_matches(typed: str, configured: str) -> bool:
    """Constant-time comparison of two passwords as UTF-8 bytes.

    `hmac.compare_digest` refuses `str` with non-ASCII characters (TypeError), so 'пароль'
    crashed the page and a Cyrillic configured password could never sign in. Both sides are
    NFC-normalized first: the same word typed on two keyboards may arrive composed or not.
    """
    if not configured:
        return False
    typed_bytes = unicodedata.normalize("NFC", typed).encode("utf-8")
    configured_bytes = unicodedata.normalize("NFC", configured).encode("utf-8")
    return hmac.compare_digest(typed_bytes, configured_bytes)


def delay_after(failures: int) -> float:
    """Seconds to wait before the next guess after `failures` wrong ones in a row.

    None for the first free guesses, then doubling from config.SIGN_IN_DELAY_BASE_SECONDS up
    to config.SIGN_IN_DELAY_MAX_SECONDS: 1, 2, 4, 8, ... so a script gets a handful of guesses
    a minute, a person who mistyped waits a second.
    """
    extra = failures - config.SIGN_IN_FREE_GUESSES
    if extra < 0:
        return 0.0
    delay = config.SIGN_IN_DELAY_BASE_SECONDS * 2**extra
    return float(min(delay, config.SIGN_IN_DELAY_MAX_SECONDS))


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0


@dataclass
class SignInThrottle:
    """Wrong-password counts per key (a browser session, a client address), process-wide.

    Both keys count: a new tab (new session) from the same address still waits, and an
    address shared by an office's NAT does not let one session's guesses go unpunished.
    """

    _records: dict[str, _Record] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_seconds(self, keys: list[str], now: float | None = None) -> float:
        """How long the holder of these keys must still wait before a guess is checked."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = [
                record.last_failure + delay_after(record.failures) - now
                for key in keys
                if (record := self._records.get(key)) is not None
            ]
        return max([0.0, *waits])

    def failed(self, keys: list[str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._records) > config.SIGN_IN_TRACKED_KEYS:  # bounded memory
                self._records.clear()
            for key in keys:
                record = self._records.setdefault(key, _Record())
                record.failures += 1
                record.last_failure = now

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._records.pop(key, None)
