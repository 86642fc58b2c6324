"""convkit's autograder: the instructor's tool, one subpackage per verb.

    python -m autograder release --course DIR   build the student release
    python -m autograder refs                   regenerate assignment/reference/

`autograder.api` offers the same functions to programs.
"""

import sys

# nbformat validates notebooks with jsonschema, and jsonschema imports
# rfc3987_syntax when it is installed (jupyter-events asks for it): that module
# builds a Lark grammar as it is imported, 1.6 to 1.9 s of CPU against 0.2 s for
# the rest of nbformat (measured here), in every grader process, worker and CLI
# run that reads a notebook. It only serves the "iri" and "iri-reference"
# formats, which nbformat's schemas never use, so the autograder does without:
# an entry of None makes the import fail, and jsonschema skips those two checks.
sys.modules.setdefault("rfc3987_syntax", None)

#: The same setting as Python statements, for the fresh interpreters the autograder
#: starts with `python -c` (nbgrader's command line in autograder/release/course.py).
SKIP_SLOW_IMPORTS = "import sys; sys.modules.setdefault('rfc3987_syntax', None)"
