"""`python -m action`: what the composite action runs."""

import sys

from action.main import main

sys.exit(main())
