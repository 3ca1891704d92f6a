"""Models of the credits app (filled by its issue)."""
