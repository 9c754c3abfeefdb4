"""``python -m bot`` is the ``digestbot`` command."""

import sys

from bot.cli.main import main

sys.exit(main())
