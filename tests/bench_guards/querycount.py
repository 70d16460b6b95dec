"""The shared check behind every page's query-count test: the same number of
queries at a small and a large data size (issue #8).

    from tests.bench_guards.querycount import assert_same_query_count

    def test_portfolio_page_query_count(client_for, learner, unit):
        def grow(n):  # make the page's data n items big
            factories.EvidenceFactory.create_batch(n, learner=learner, unit=unit)
        assert_same_query_count(client_for(learner), url, grow, small=5, large=50)
"""

from collections.abc import Callable

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext


def count_queries(client, url: str) -> tuple[int, list[str]]:
    """GET `url` once (after one warm-up GET) and count its SQL statements, with
    cached page pieces built afresh (centres.caching): the count is the page's
    cost when nothing is cached, which must not grow with the data."""
    with override_settings(PAGE_CACHE=False):
        first = client.get(url)
        assert first.status_code == 200, f"{url} answered {first.status_code}"
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(captured), [q["sql"] for q in captured.captured_queries]


def assert_same_query_count(
    client, url: str, grow: Callable[[int], object], *, small: int = 5, large: int = 50
) -> int:
    """Grow the data to `small`, count; grow to `large`, count; the two must match.
    Returns the count so the caller can also pin it (<= 10 per issue #8)."""
    grow(small)
    at_small, _ = count_queries(client, url)
    grow(large - small)
    at_large, queries = count_queries(client, url)
    assert at_small == at_large, (
        f"{url}: {at_small} queries with {small} items, {at_large} with {large}:\n"
        + "\n".join(queries)
    )
    return at_large
