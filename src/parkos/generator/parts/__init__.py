"""The generator parts of the domains that exist; each module registers its parts on import."""
