"""Reads an iCalendar feed from stdin with an independent parser (PyPI's `icalendar`) and
prints its events as JSON: uid, summary, location, and every start and end as UTC instants,
weekly rules expanded by `dateutil` in the time zone the feed's own VTIMEZONE defines (so a
wrong daylight-saving rule in the feed shows as a wrong instant)."""

import json
import sys
from datetime import timezone

import icalendar
from dateutil.rrule import rrulestr


def main():
    calendar = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
    # Built from the feed's own definition, not looked up by name in the tz database.
    zones = {
        str(zone["TZID"]): zone.to_tz(lookup_tzid=False) for zone in calendar.walk("VTIMEZONE")
    }
    events = []
    for event in calendar.walk("VEVENT"):
        tzid = event["DTSTART"].params.get("TZID")
        if tzid not in zones:
            raise SystemExit(f"DTSTART names time zone {tzid!r}, which the feed does not define")
        zone = zones[tzid]
        start = event.decoded("DTSTART").replace(tzinfo=zone)
        length = event.decoded("DTEND").replace(tzinfo=zone) - start
        rule = event.get("RRULE")
        starts = list(rrulestr(rule.to_ical().decode(), dtstart=start)) if rule else [start]
        events.append(
            {
                "uid": str(event["UID"]),
                "summary": str(event["SUMMARY"]),
                "location": str(event["LOCATION"]) if "LOCATION" in event else None,
                "starts": [s.astimezone(timezone.utc).isoformat() for s in starts],
                "ends": [(s + length).astimezone(timezone.utc).isoformat() for s in starts],
            }
        )
    json.dump({"name": str(calendar.get("X-WR-CALNAME", "")), "events": events}, sys.stdout)


main()
