"""Database models: one aggregate per file in this package, each imported here.

Importing a model here registers its tables with ``db.metadata``, which is what
``flask db migrate`` compares against the database.
"""
