"""Service requests: the one-stop shop's procedure catalogue, dossiers on the
national status list, working-day deadlines, once-only reuse of digitised data,
ratings and aggregate statistics."""
