"""Pages of the community domain, one module per part; each defines its ``urls``."""
