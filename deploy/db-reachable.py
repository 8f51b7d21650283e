"""Exit 0 when the database URL given as the only argument accepts a connection within 3 seconds."""
import sys

from sqlalchemy import create_engine, text

try:
    engine = create_engine(sys.argv[1], connect_args={"connect_timeout": 3})
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
except Exception:  # any failure means "not reachable": the caller skips that run
    sys.exit(1)
