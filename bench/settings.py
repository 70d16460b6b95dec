"""Settings for the benchmark stack: the project's own settings plus the
query-count header. Used only by bench/run.py (DJANGO_SETTINGS_MODULE=bench.settings),
never in production, so the header cannot leak query counts to real users."""

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES, MIDDLEWARE, USING_POSTGRES

# Outermost, so the count includes what the session, auth and centre middleware do.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
BENCH_QUERY_HEADER = True

# `BENCH_DB_POOL=off` measures what psycopg's pool is worth (bench/measures.py).
if os.environ.get("BENCH_DB_POOL") == "off" and USING_POSTGRES:
    DATABASES["default"]["OPTIONS"].pop("pool", None)
