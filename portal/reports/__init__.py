"""HR's reports over the offers' outcomes: engagement over time, answer time against the
promise, reneges and no-shows by department, location and recruiter, and the calibration of
the portal's warnings; charts drawn on the server as SVG, every report also as CSV."""
