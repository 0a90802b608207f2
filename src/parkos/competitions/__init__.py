"""The yearly start-up competition (东升杯创业大赛): editions and tracks, the configurable application form,
applications and their attachments, judging rounds (screening, online reviews, the final roadshow) with
conflict-of-interest checks, normalised ranking and re-review, results and appeals, and the awards the park
delivers through the catalog, bookings and rewards."""
