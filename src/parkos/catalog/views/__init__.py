"""Pages of the catalog domain, one module per part; each defines its ``urls``."""
