"""The SQLite backend of the embedded mode (``ENGINE = "parkos.core.sqlite"``): see base.py."""
