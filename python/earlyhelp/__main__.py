"""``python -m earlyhelp``: the same command line as the ``earlyhelp`` script."""
from .cli.main import main

raise SystemExit(main())
