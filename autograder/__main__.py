"""Entry point for `python -m autograder`."""

import sys

from .cli import main

# The guard matters: grading's worker processes are started with "spawn",
# which imports this module again (as __mp_main__) in every worker.
if __name__ == "__main__":
    sys.exit(main())
