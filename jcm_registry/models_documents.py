"""Document models (issue 6): generated PDFs with their SHA-256, number and version."""
