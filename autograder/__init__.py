"""convkit's autograder: the instructor's tool, one subpackage per verb.

    python -m autograder release --course DIR   build the student release
    python -m autograder refs                   regenerate assignment/reference/

`autograder.api` offers the same functions to programs.
"""
