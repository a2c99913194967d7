"""The news pipeline: feeds.yaml → fetch → parse → sanitise → store, and refreshing on a schedule.

Modules (each a plain module without request knowledge; callers commit):
- types:    the data passed between the steps.
- config:   reads and validates feeds.yaml; syncs the feeds table with it.
- fetch:    fetching a feed through portal.core.http: conditional GET, Retry-After.
- parse:    feedparser on downloaded bytes, with the defences feedparser lacks.
- sanitize: nh3 allow-list sanitising of feed HTML, plain-text titles, safe links.
- store:    deduplicates and upserts entries, keeping earlier ones.
- refresh:  which feeds are due, refreshing several at once, adaptive intervals and back-off.
"""
