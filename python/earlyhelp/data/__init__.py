"""The data model: tables, code lists, readers, validation and derived events."""
from __future__ import annotations

from . import codes, schema
from .dataset import Dataset
from .readers import read_dataset, read_published, write_dataset
from .ssda903 import read_ssda903

__all__ = ["Dataset", "codes", "read_dataset", "read_published", "read_ssda903", "schema", "write_dataset"]
