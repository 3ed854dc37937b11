"""Sphinx configuration for the earlyhelp documentation.

Build with ``scripts/build-docs.sh`` (warnings are errors). Before Sphinx reads the
sources this file writes the generated parts: the API pages (``api/``, from each
package's public names, see ``_gen_api.py``) and a copy of ``../notebooks`` (executed
with their outputs by myst-nb; the committed notebooks have none).
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
# earlyhelp is imported as installed, or from the source tree when PYTHONPATH says so
# (scripts/build-docs.sh --source): the kernels that run the pages inherit the same.
os.environ.setdefault("EARLYHELP_NO_PROGRESS", "1")  # no progress bars in rendered outputs
# tqdm.auto warns in a kernel without ipywidgets even when no bar is shown
os.environ.setdefault("PYTHONWARNINGS", "ignore:IProgress not found")

import earlyhelp  # noqa: E402
import pandas as pd  # noqa: E402
from _gen_api import listing, write_pages  # noqa: E402


def _copy_notebooks() -> None:
    target = HERE / "notebooks"
    target.mkdir(exist_ok=True)
    sources = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for old in target.glob("*.ipynb"):
        if old.name not in {s.name for s in sources}:
            old.unlink()
    for source in sources:
        copy = target / source.name
        if not copy.exists() or copy.read_bytes() != source.read_bytes():
            shutil.copyfile(source, copy)


write_pages(HERE / "api")
_copy_notebooks()

project = "earlyhelp"
author = "the earlyhelp authors"
copyright = "the earlyhelp authors, MIT licence"
release = earlyhelp.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "_templates", "**.ipynb_checkpoints", "README.md"]
templates_path = ["_templates"]
root_doc = "index"

# API reference: signatures carry the types and defaults; numpydoc renders the sections.
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# Rejects public functions and methods without a docstring, undocumented or unknown
# parameters, and a missing Returns section.
numpydoc_validation_checks = {"GL08", "PR01", "PR02", "RT01"}
# Constants carry their type's docstring (a tuple's, a dataclass's): not theirs to validate.
CONSTANTS = {f"{part.module}.{name}" for _, parts in listing() for part in parts for name in part.data}
# Results that are DataFrames take pandas' constructor arguments: pandas documents those.
FRAMES = {f"{part.module}.{name}" for _, parts in listing() for part in parts for name in part.classes
          if issubclass(getattr(sys.modules[part.module], name), pd.DataFrame)}
numpydoc_validation_exclude = {r"\.__\w+__$"} | {"^" + name.replace(".", r"\.") + "$" for name in CONSTANTS | FRAMES}

# Cross-references: ours must resolve (-n); other projects' inventories are not
# fetched (the build runs offline), so references into them are not checked.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(pandas|pd|numpy|np|matplotlib|sklearn|scipy|sqlalchemy|pyarrow|click|tqdm|datetime|pathlib|os|"
               r"typing|collections|dataclasses|enum|numbers|types|io|hashlib)(\..*)?"),
    (r"py:class", r"(array-like|optional|default.*|callable|path-like|file-like|mapping|sequence|iterable)"),
    (r"py:class", r"(str|int|float|bool|bytes|dict|list|tuple|set|object|None|type|Path|DataFrame|Series|"
                  r"Timestamp|Figure|Axes|ndarray|Any|Optional|Union|Sequence|Mapping|Iterable|Callable|Hashable)"),
    (r"py:class", r"Dtype"),  # pandas' typing alias in the constructor of results that are DataFrames
    # records in public signatures that their packages do not export (yet)
    (r"py:class", r"earlyhelp\.flow\.(scenario\.Change|categories\.AgeBracket)"),
    # internal modules, documented through the public objects that use them
    (r"py:.*", r"earlyhelp\.(_native|data\.(names|events|ssd_profiles)|forecast\.intervals)(\..*)?"),
    (r"py:class", r"(Names|Published|PublishPolicy|LocalCodes)"),
]

# Pages written in MyST and notebooks executed at build time.
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 4
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_in_temp = True   # files a notebook writes never land among the sources
nb_merge_streams = True

html_theme = "pydata_sphinx_theme"
html_title = f"earlyhelp {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_static_path: list = []
html_last_updated_fmt = None


def _skip_generated_members(app, what, name, obj, skip, options):
    """scikit-learn adds ``set_*_request`` methods to estimators; they are its API, documented there."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def _no_type_docstring(app, what, name, obj, options, lines):
    """A constant shows its own doc comment, never its type's docstring."""
    own = type(obj).__doc__
    if name in CONSTANTS and own and " ".join(" ".join(lines).split()) == " ".join(own.split()):
        lines.clear()


def setup(app):
    app.connect("autodoc-skip-member", _skip_generated_members)
    app.connect("autodoc-process-docstring", _no_type_docstring, priority=100)
