"""Use cases: one public method, one unit of work, domain objects in and out."""
