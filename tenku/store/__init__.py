"""Persistence: SQLAlchemy tables and migrations (``db``, ``models``) and blob storage
(``blobs``: a local folder or an S3-compatible bucket)."""
