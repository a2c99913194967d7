"""Who someone is: users and their role, a candidate's profile, the audit log, the scoped
look-ups every page goes through, and the audience blueprints with their role checks.
"""
