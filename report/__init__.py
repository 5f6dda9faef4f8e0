"""The campaign report: one self-contained HTML page built from the warehouse's analyst views."""
