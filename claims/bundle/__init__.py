"""Bundles: the JSON interchange format of the tracker (contract in bundle.schema.json).

validation checks a bundle or one record, importer and exporter move whole bundles, and
claims.services writes single records with the same rules.
"""
