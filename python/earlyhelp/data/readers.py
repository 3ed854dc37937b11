"""Reading Datasets from folders of CSV or Parquet, and published aggregates."""
from __future__ import annotations

from typing import Optional

from .schema import TABLES


def resolve_table_name(name: str) -> Optional[str]:
    """Our table name for ``name`` (ours or an SSD table name, any case), or None."""
    lowered = name.strip().lower()
    for table in TABLES.values():
        if lowered == table.name or lowered in (a.lower() for a in table.aliases):
            return table.name
    return None


def read_dataset(path, *, code_map=None, validate: bool = True):
    """Load a Dataset from a folder of ``<table>.csv`` or ``<table>.parquet`` files.

    Files are matched to tables by name (ours or SSD names such as ``ssd_person``).
    """
    from pathlib import Path

    import pandas as pd

    from .._errors import Problem, ValidationError
    from .dataset import Dataset

    folder = Path(path)
    if not folder.is_dir():
        raise ValidationError([Problem(str(folder), None, "not a folder")])
    frames = {}
    for file in sorted(folder.iterdir()):
        suffix = file.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            continue
        name = resolve_table_name(file.stem)
        if name is None:
            continue
        frames[name] = pd.read_parquet(file) if suffix == ".parquet" else pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""])
    return Dataset.from_frames(code_map=code_map, validate=validate, **frames)


def read_published(path):
    """Load published aggregates in the DfE tidy format (markers become missing with a status)."""
    import pandas as pd

    return pd.read_csv(path, dtype=str)


def write_dataset(ds, path, *, format: str = "parquet") -> list:
    """Write every table of ``ds`` to ``path/<table>.parquet`` (or ``.csv``); returns the files."""
    from pathlib import Path

    if format not in ("parquet", "csv"):
        raise ValueError(f"format must be 'parquet' or 'csv', not {format!r}")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, frame in ds.tables.items():
        file = folder / f"{name}.{format}"
        if format == "parquet":
            frame.to_parquet(file, index=False)
        else:
            frame.to_csv(file, index=False)
        files.append(file)
    return files
