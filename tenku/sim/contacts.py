"""Turning MuJoCo's per-step contact list into events: the first touch of two bodies, with
the relative normal speed just before impact and an impulse estimate.

Two bodies resting on each other stay one contact (no event storm); they must be apart for
``GAP`` seconds before a new touch counts, which is how a bouncing ball gives one event per
bounce and a rolling ball none.
"""

from __future__ import annotations

import numpy as np

GAP = 0.03  # s apart before a new touch counts
MIN_SPEED = 0.02  # m/s: slower touches are resting contacts, not impacts


class ContactTracker:
    def __init__(self, geom_key: np.ndarray):
        """``geom_key[g]`` is the index of the body/static object geom ``g`` belongs to."""
        self.geom_key = geom_key
        self.last_seen: dict[tuple[int, int], float] = {}

    def new_touches(self, data, t: float) -> list[tuple[int, int, int]]:
        """(key_a, key_b, contact index) for pairs that started touching since last call."""
        n = data.ncon
        if n == 0:
            return []
        geoms = data.contact.geom[:n]
        dist = data.contact.dist[:n]
        ka = self.geom_key[geoms[:, 0]]
        kb = self.geom_key[geoms[:, 1]]
        out = []
        seen_now: dict[tuple[int, int], int] = {}
        for i in range(n):
            if dist[i] > 0:
                continue
            a, b = int(ka[i]), int(kb[i])
            key = (a, b) if a < b else (b, a)
            if key not in seen_now:
                seen_now[key] = i
        for key, i in seen_now.items():
            last = self.last_seen.get(key)
            if last is None or t - last > GAP:
                out.append((key[0], key[1], i))
            self.last_seen[key] = t
        return out
