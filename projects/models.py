"""Models of the projects app (filled by its issue)."""
