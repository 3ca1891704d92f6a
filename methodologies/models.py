"""Models of the methodologies app (filled by its issue)."""
