"""python -m tests.corpora: write tests/corpora/README.md (see report.py)."""

import sys

from tests.corpora.report import main

sys.exit(main())
