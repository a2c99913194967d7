"""The one outbound HTTP client, for feeds and webhooks alike: which addresses may be reached
(ssrf), bounded bodies (body), and errors told in words.
"""
