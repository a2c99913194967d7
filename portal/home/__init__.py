"""The candidate's home page: the countdown, their timeline, news and the pulse check, composed
from the features below it.
"""
