"""The one outbound HTTP client, for feeds and webhooks alike: which addresses may be reached
(ssrf), bounded bodies (body), and one exchange with its errors told in words (client).
"""

PORTAL_VERSION = "0.1"  # what the portal calls itself in the User-Agent of every request it makes
