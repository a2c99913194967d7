"""What became of each offer (joined, reneged before start, no-show), recorded by HR or the
candidate's recruiter, or by the portal once the joining moment has passed; with the facts the
reports and the calibration of the statuses read."""
