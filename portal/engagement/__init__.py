"""Who is going cold: statuses with reasons, the pulse check, the recruiter's and HR's
dashboards, the daily digest, status changes, retention and /what-we-record.
"""
