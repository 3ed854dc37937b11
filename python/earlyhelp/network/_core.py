"""The compiled network engine, ``earlyhelp._core.network``."""
from __future__ import annotations

from .. import _core as _ext

core = _ext.network
core.CoreInputError = _ext.CoreInputError
