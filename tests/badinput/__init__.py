"""Bad input corpus: malformed, hostile and odd pages and feeds, each with the outcome it must have."""
