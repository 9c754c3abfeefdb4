"""``python -m bot`` is the ``digestbot`` command."""

import sys

from .cli import main

sys.exit(main())
