"""Add `X-Bench-Queries: <n>` to every response: the SQL statements the request ran.

Switched on only by bench.settings (BENCH_QUERY_HEADER = True) and the environment
variable CRITERION_BENCH=1; with either missing Django drops the middleware at start.
"""

import os
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.http import HttpRequest, HttpResponse

HEADER = "X-Bench-Queries"


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        if not (
            getattr(settings, "BENCH_QUERY_HEADER", False)
            and os.environ.get("CRITERION_BENCH") == "1"
        ):
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        # execute_wrapper covers this thread's connection, which is the request's.
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[HEADER] = str(count)
        return response
