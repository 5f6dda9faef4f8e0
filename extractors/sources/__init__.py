"""One package per source kind, each with its selectors, paths and limits as data in its settings module."""
