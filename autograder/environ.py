"""The process environment, changed for a block and then put back as it was."""

import contextlib
import os


@contextlib.contextmanager
def environment(values):
    """Set the environment variables `values` ({name: str}) for the block, then restore them.

    A variable that was not set before is removed again; one that was gets its
    old value back, whatever the block did to it.
    """
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


__all__ = ["environment"]
