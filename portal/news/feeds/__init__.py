"""The news pipeline: feed settings → fetch → parse → sanitise → store, refreshing on a schedule.

Modules (each a plain module without request knowledge; callers commit):
- types:    the data passed between the steps.
- config:   reads and validates a feeds file (feeds.yaml); the origins news images may come from.
- settings: HR's changes to a feed (add, edit, turn off or on, delete), each audited.
- transfer: importing a feeds file (the conflict rule) and exporting the feeds as one.
- preview:  "Test this feed": the whole pipeline but the store, showing what would be stored.
- fetch:    fetching a feed through portal.core.http: conditional GET, Retry-After.
- parse:    feedparser on downloaded bytes, with the defences feedparser lacks.
- sanitize: nh3 allow-list sanitising of feed HTML, plain-text titles, safe links.
- store:    deduplicates and upserts entries, keeping earlier ones.
- refresh:  which feeds are due, refreshing several at once, adaptive intervals and back-off.
"""
