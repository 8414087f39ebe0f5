"""SPIP Desktop: case tracking for a French probation service (SPIP)."""

__version__ = "0.1.0"
