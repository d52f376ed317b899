"""Rate limits of the anonymous feedback doors (the ``/feedback/<token>/`` pages
and ``POST /api/v1/feedback/submit/``): at most
``ECOENFORCE_FEEDBACK_RATE_PER_IP`` requests per client address and
``ECOENFORCE_FEEDBACK_RATE_PER_TOKEN`` per link in a window of
``ECOENFORCE_FEEDBACK_RATE_WINDOW`` seconds, counted in the default cache.

A window starts with the first request and lasts its length (the counter's
key expires then), so a count never resets halfway through a burst. Links'
tokens are counted by their hash: no raw token is written to the cache.

The client address is ``REMOTE_ADDR``, or behind a reverse proxy the last
address of ``X-Forwarded-For`` (the one the nearest proxy appended, which the
client cannot choose).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from cases.feedback_services import token_hash

PREFIX = "ecoenforce:feedback-rate"


def client_address(request) -> str:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one request under ``key``; ``True`` while within ``limit``."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def feedback_rate_ok(request, raw_token: str | None = None) -> bool:
    """Count this request against its address and its link; ``False`` once
    either is over its limit (answer 429)."""
    window = int(settings.ECOENFORCE_FEEDBACK_RATE_WINDOW)
    ok = _hit(
        f"{PREFIX}:ip:{client_address(request)}",
        int(settings.ECOENFORCE_FEEDBACK_RATE_PER_IP),
        window,
    )
    if raw_token:
        ok = (
            _hit(
                f"{PREFIX}:token:{token_hash(raw_token)[:40]}",
                int(settings.ECOENFORCE_FEEDBACK_RATE_PER_TOKEN),
                window,
            )
            and ok
        )
    return ok


def retry_after() -> int:
    return int(settings.ECOENFORCE_FEEDBACK_RATE_WINDOW)
