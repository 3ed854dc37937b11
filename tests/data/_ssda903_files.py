"""Small SSDA903 folders for the read_ssda903 tests: two children's header and episodes rows."""
from __future__ import annotations

from pathlib import Path

H = "CHILD,SEX,DOB,ETHNIC\n1001,1,01/05/2010,WBRI\n1002,2,03/06/2012,WBRI\n"
EPH = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC\n"
E = EPH + "1001,01/05/2021,S,C2,N1,U4,PR1,01/09/2021,E4A\n1002,03/06/2021,S,C2,N1,K2,PR1,,\n"


def folder(root: Path, files: dict) -> Path:
    """Write ``{relative path: text or bytes}`` under ``root``; returns ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root
