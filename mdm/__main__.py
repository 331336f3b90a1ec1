"""``python -m mdm``: the same as the ``mdm`` command."""

import sys

from mdm.cli import main

sys.exit(main())
