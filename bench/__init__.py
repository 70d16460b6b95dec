"""Criterion's benchmark suite: `python -m bench.run` (make bench / make bench-quick).

It starts its own stack (a fresh database, the demo world at a stated size, gunicorn
on loopback), measures each page with wrk and writes bench/results/latest.json.
Nothing here is imported by the application; docs/performance.md explains the
figures.
"""
