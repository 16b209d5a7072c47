"""``python -m helpers.book ...``: see :mod:`helpers.book.cli`."""

import sys

from .cli import main

sys.exit(main())
