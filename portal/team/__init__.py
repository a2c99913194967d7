"""The people a candidate meets before their first day: their hiring manager's welcome, their
buddy and their team, with photos."""
