"""Catalog content: the category tree, the providers and the service templates the 600-service
demo catalog is generated from (see ``catalog/catalog_data.py``), and the policies of the demo park."""
