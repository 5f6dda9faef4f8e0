"""Pure transforms that turn extracted documents into clean, canonical, classified records.

Nothing in this package touches the network, the database or Prefect: every function takes values and
returns values, so it can be tested and replayed offline over stored raw responses.
"""
