"""The one exception the release raises, and its kind for malformed markers."""


class ReleaseError(Exception):
    """The release stopped; the message says why and names the file to look at."""


class MarkerError(ReleaseError):
    """A solution marker is nested, unclosed, stray, malformed or inside a string.

    `str()` reads `path:line: what is wrong`, the form editors jump to.
    """

    def __init__(self, path, line, message):
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}")
