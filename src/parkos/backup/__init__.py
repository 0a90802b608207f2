"""Backup and restore: `parkos backup` writes a consistent snapshot of the database and the uploaded files
with a manifest of checksums while the server runs; `parkos restore` brings one back on a fresh machine."""
