"""One folder per run, written in full or not at all.

A scheduled job that dies half way must not leave a folder that looks like a
finished run. Files are written into ``<output>/.<run_id>.partial`` and the folder
is renamed to ``<output>/<run_id>`` only when everything has been written; on an
error the partial folder is deleted. A rename within one file system is atomic.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional

import pandas as pd

log = logging.getLogger("earlyhelp")


class RunFolder:
    """Collects a run's files in a temporary folder and publishes them at the end.

    Use as a context manager::

        with RunFolder(output, run_id) as run:
            run.write_table("forecasts", df)
        # here the folder exists as output/run_id, or not at all if the block raised

    Parameters
    ----------
    output : str or path-like
        the folder the run folder is published in.
    run_id : str
        the run folder's name.
    """

    def __init__(self, output: str | os.PathLike, run_id: str) -> None:
        self.output = Path(output)
        self.run_id = run_id
        self.final = self.output / run_id
        self.tmp = self.output / f".{run_id}.partial"
        self.files: List[str] = []
        self.notes: Dict[str, Any] = {}      # facts gathered while writing, for run.json

    def __enter__(self) -> "RunFolder":
        self.output.mkdir(parents=True, exist_ok=True)
        if self.final.exists():
            raise FileExistsError(f"run folder already exists: {self.final}")
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            log.error("run failed: no output folder written (partial files removed)")
            return False
        os.replace(self.tmp, self.final)
        return False

    # -- writers -----------------------------------------------------------------
    def path(self, name: str) -> Path:
        file = self.tmp / name
        file.parent.mkdir(parents=True, exist_ok=True)
        self.files.append(name)
        return file

    def write_table(self, name: str, frame: pd.DataFrame, *, csv_frame: Optional[pd.DataFrame] = None) -> None:
        """``name.parquet`` (typed) and ``name.csv`` (``csv_frame`` if given, e.g. with ``"c"`` markers).

        Parameters
        ----------
        name : str
            the file stem.
        frame : DataFrame
            the typed table.
        csv_frame : DataFrame, optional
            the table as published in CSV.
        """
        frame = frame.reset_index(drop=True)
        write_parquet(frame, self.path(f"{name}.parquet"))
        (csv_frame if csv_frame is not None else frame).to_csv(self.path(f"{name}.csv"), index=False,
                                                                lineterminator="\n")

    def write_bytes(self, name: str, data: bytes) -> None:
        self.path(name).write_bytes(data)

    def write_text(self, name: str, text: str) -> None:
        self.path(name).write_text(text, encoding="utf-8")

    def write_json(self, name: str, data: Any) -> None:
        self.write_text(name, json.dumps(data, indent=2, sort_keys=True, default=_json_default) + "\n")

    def hashes(self) -> Dict[str, str]:
        """SHA-256 of every file written so far (for run.json).

        Returns
        -------
        dict of str to str
            hex digest by file name.
        """
        return {name: sha256_file(self.tmp / name) for name in sorted(set(self.files))}


def write_parquet(frame: pd.DataFrame, file: Path) -> None:
    """Parquet written the same way every time (byte-identical for identical frames).

    Parameters
    ----------
    frame : DataFrame
        the table.
    file : Path
        where to write it.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, file, compression="zstd", write_statistics=False)


def sha256_file(file: Path) -> str:
    """The SHA-256 of a file's bytes, as hex.

    Parameters
    ----------
    file : Path
        the file.

    Returns
    -------
    str
    """
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def figure_png(fig) -> bytes:
    """A matplotlib figure as PNG bytes without metadata that varies between runs.

    Parameters
    ----------
    fig : matplotlib Figure
        the figure.

    Returns
    -------
    bytes
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def _json_default(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    return str(value)
