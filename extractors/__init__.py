"""Extractors: discover, fetch and parse one kind of source each; they return records, never store them.

extractors.registry maps each source kind to its extractor; importing this package loads none of them.
"""
