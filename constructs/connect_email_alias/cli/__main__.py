"""``python -m connect_email_alias.cli``: the same as the ``connect-email-alias`` console script."""

import sys

from .main import main

sys.exit(main())
