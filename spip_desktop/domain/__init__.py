"""Business rules of SPIP Desktop: standard library only, no Qt, no database."""
