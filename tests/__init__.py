"""convkit's test suite; `tests.oracles` holds the independent references tests compare with."""
