"""The private thread between a candidate and their recruiter: questions, answers, the
recruiter's inbox, HR's view of overdue questions, the FAQ and answer emails.
"""
