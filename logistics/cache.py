"""The public-cache tags of pickup points: every response that shows a point
hangs on one tag, bumped by any write to any point (they are few and change
rarely)."""

POINTS = "logistics:points"


def points_changed() -> tuple[str, ...]:
    return (POINTS,)
