"""Opening hours as text: "mo-fr 08:00-18:00; sa 09:00-12:00; ph 09:00-12:00"."""

from __future__ import annotations

import re

DAYS = ["mo", "tu", "we", "th", "fr", "sa", "su", "ph"]  # ph: public holidays
_ITEM = re.compile(r"^([a-z]{2})(?:-([a-z]{2}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class HoursError(ValueError):
    pass


def parse_hours(text: str) -> list[tuple[int, int, int]]:
    rows = []
    for item in filter(None, (part.strip().lower() for part in text.split(";"))):
        match = _ITEM.match(item)
        if not match or match.group(1) not in DAYS or (match.group(2) or "mo") not in DAYS:
            raise HoursError(item)
        first = DAYS.index(match.group(1))
        last = DAYS.index(match.group(2)) if match.group(2) else first
        opens = int(match.group(3)) * 60 + int(match.group(4))
        closes = int(match.group(5)) * 60 + int(match.group(6))
        rows += [(day, opens, closes) for day in range(first, last + 1)]
    return rows


def format_hours(rows: list[tuple[int, int, int]]) -> str:
    """Consecutive days with the same hours are written as a range."""
    by_hours: dict[tuple[int, int], list[int]] = {}
    for day, opens, closes in sorted(rows):
        by_hours.setdefault((opens, closes), []).append(day)
    items = []
    for (opens, closes), days in sorted(by_hours.items(), key=lambda kv: (kv[1][0], kv[0])):
        span = f"{opens // 60:02d}:{opens % 60:02d}-{closes // 60:02d}:{closes % 60:02d}"
        start = previous = days[0]
        for following in [*days[1:], -1]:
            if following == previous + 1 and following != 7:
                previous = following
                continue
            label = DAYS[start] if start == previous else f"{DAYS[start]}-{DAYS[previous]}"
            items.append((start, f"{label} {span}"))
            start = previous = following
    return "; ".join(text for _start, text in sorted(items))
