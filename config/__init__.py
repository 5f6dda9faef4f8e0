"""Configuration files read at start-up: sources.toml (config.sources)."""
