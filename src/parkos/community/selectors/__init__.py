"""Reads of the community domain, one module per part (import from the module)."""
