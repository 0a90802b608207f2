"""Reads of the catalog domain, one module per part (import from the module)."""
