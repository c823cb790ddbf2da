"""Discord's rate limits for the local Discord: per-route buckets, a global limit, shared-resource 429s.

What Discord documents ("Rate Limits" topic) and the description's `X-RateLimit-*` response headers carry:
- Each route belongs to a bucket, named by `X-RateLimit-Bucket`; a bucket is counted separately for each
  value of its major parameters (channel_id, guild_id, webhook_id + webhook_token; here also an
  interaction's id + token, so each interaction counts on its own). Every answer on a limited route carries
  `X-RateLimit-Limit`, `-Remaining`, `-Reset` (epoch seconds), `-Reset-After` (seconds) and `-Bucket`.
- Beyond its limit a request is answered 429 with `{"message", "retry_after", "global": false, "code"}`,
  `Retry-After` and `X-RateLimit-Scope: user`; it does not count.
- The global limit, 50 requests a second for a bot, answers 429 with `"global": true`,
  `X-RateLimit-Global: true` and `X-RateLimit-Scope: global`. It is counted in windows of a second, and
  a refused request is told to wait for the window's end, when every slot opens at once: a log that slid
  would free one slot at a time, telling every waiting request to come back within milliseconds, and a
  client with many requests waiting would see some refused again and again until it gave up. Interaction
  endpoints (the callback and the interaction webhooks) are not bound to it, as Discord documents.
- `X-RateLimit-Scope: shared`: a 429 for a resource shared with others; it does not count against the bot.

Deterministic from the seed: each bucket's name and limit, and which request of a bucket meets a shared
429 (the n-th request of a bucket meets one or not, whatever the timing), are drawn from `seed`. When the
limits bite depends on how fast the client sends, as on Discord; the client is held to the headers.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

MAJOR = ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id", "interaction_token")
INTERACTION_ROUTES = ("/interactions/", "/webhooks/{webhook_id}/{webhook_token}")


@dataclass
class Limited:
    """A request refused with 429: why (`scope` user, global or shared), for how long, on which bucket."""

    method: str
    path: str
    scope: str
    retry_after: float
    bucket: str


@dataclass
class RateLimits:
    """Seeded limits; `FakeDiscord.rate_limit(seed, ...)` turns them on.

    route_limits: each bucket's limit is drawn from this range (inclusive) by the seed; window: seconds a
    bucket's window lasts from its first request; global_limit: requests a second on non-interaction
    routes; shared: the chance a request meets a shared-resource 429 (at most `shared_streak` in a row on
    one bucket, so a client that retries gets through), answered with retry_after `shared_retry`."""

    seed: int
    route_limits: tuple[int, int] = (2, 5)
    window: float = 1.0
    global_limit: int = 50
    shared: float = 0.0
    shared_retry: float = 0.1
    shared_streak: int = 2
    limited: list[Limited] = field(default_factory=list)  # every 429 answered, in order
    accepted: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    _windows: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)  # key -> (start, used)
    _seen: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    _streak: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    _ordinal: dict[tuple[str, str], int] = field(default_factory=dict)  # a resource's place in order of first use
    _global: tuple[float, int] = (-math.inf, 0)  # the global window: its start, requests counted in it

    def bucket(self, method: str, template: str) -> str:
        """The bucket's name (`X-RateLimit-Bucket`): a hash of the seed and the route, as opaque as Discord's."""
        return hashlib.sha256(f"{self.seed}:{method} {template}".encode()).hexdigest()[:32]

    def limit(self, bucket: str) -> int:
        low, high = self.route_limits
        return random.Random(f"{self.seed}:limit:{bucket}").randint(low, high)

    def check(self, method: str, template: str, params: dict[str, str], path: str
              ) -> tuple[dict[str, str], Limited | None]:
        """Count a request: the headers its answer carries, and the 429 it gets instead, if any."""
        now = time.monotonic()
        name = self.bucket(method, template)
        key = (name, "+".join(params[k] for k in MAJOR if k in params))
        limit = self.limit(name)
        start, used = self._windows.get(key, (now, 0))
        if now >= start + self.window:
            start, used = now, 0
        reset_after = max(start + self.window - now, 0.001)
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Bucket": name,
                   "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                   "X-RateLimit-Reset-After": f"{reset_after:.3f}"}
        interaction = template.startswith(INTERACTION_ROUTES)
        if not interaction:
            if now >= self._global[0] + 1.0:
                self._global = (now, 0)
            if self._global[1] >= self.global_limit:
                wait = max(self._global[0] + 1.0 - now, 0.001)
                return self._refuse(headers, method, path, "global", wait, name, limit - used)
        n = self._seen[key]
        self._seen[key] += 1
        # Drawn from the seed, the bucket and the resource's order of first use, never its id: snowflakes differ
        # from run to run, and the seed must decide which requests meet a shared 429.
        place = self._ordinal.setdefault(key, len(self._ordinal))
        if (self.shared and self._streak[key] < self.shared_streak
                and random.Random(f"{self.seed}:shared:{name}:{place}:{n}").random() < self.shared):
            self._streak[key] += 1
            return self._refuse(headers, method, path, "shared", self.shared_retry, name, limit - used)
        self._streak[key] = 0
        if used >= limit:
            return self._refuse(headers, method, path, "user", reset_after, name, 0)
        self._windows[key] = (start, used + 1)
        self.accepted[key].append(now)
        if not interaction:
            self._global = (self._global[0], self._global[1] + 1)
        headers["X-RateLimit-Remaining"] = str(limit - used - 1)
        return headers, None

    def _refuse(self, headers: dict[str, str], method: str, path: str, scope: str, wait: float, bucket: str,
                remaining: int) -> tuple[dict[str, str], Limited]:
        headers = {**headers, "X-RateLimit-Remaining": str(max(remaining, 0)), "X-RateLimit-Scope": scope,
                   "Retry-After": str(math.ceil(wait))}
        if scope == "global":
            headers["X-RateLimit-Global"] = "true"
        hit = Limited(method, path, scope, round(wait, 3), bucket)
        self.limited.append(hit)
        return headers, hit

    @staticmethod
    def body(hit: Limited) -> dict[str, Any]:
        """The 429's body (RatelimitedResponse: Error's code and message, retry_after, global)."""
        return {"message": "You are being rate limited.", "retry_after": hit.retry_after,
                "global": hit.scope == "global", "code": 0}
