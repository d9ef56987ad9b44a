"""`python -I -m action`: what the composite action runs."""

import io
import sys

from action.main import main

if isinstance(sys.stdout, io.TextIOWrapper):  # the runner reads workflow commands as UTF-8, whatever the locale
    sys.stdout.reconfigure(encoding="utf-8", errors="backslashreplace")
sys.exit(main())
