"""Curated company news: the feeds pipeline (`portal.news.feeds`), HR's curation, the
candidate's news and the "What's new" and weekly summary emails.
"""
