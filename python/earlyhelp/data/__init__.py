"""The data model: tables, code lists, readers, validation and derived events."""
from __future__ import annotations

from . import codes, schema
from .dataset import Dataset
from .readers import read_dataset, read_published, write_dataset

__all__ = ["Dataset", "codes", "read_dataset", "read_published", "schema", "write_dataset"]
