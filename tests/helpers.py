"""Shared test helpers: read-only access to a warehouse file."""
from contextlib import contextmanager

import duckdb


@contextmanager
def read_only(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()
