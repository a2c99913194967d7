"""What candidates do, recorded as append-only events. Every feature records through
`portal.events.log`; engagement, the API and the recruiter's pages read them.
"""
