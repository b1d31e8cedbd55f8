"""``python -m scalargrad``: the same as the ``scalargrad`` command."""

import sys

from scalargrad.cli import main

sys.exit(main())
