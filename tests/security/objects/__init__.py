"""Builders for URL kwargs, one module per app; every module here is imported by
tests/security/world.py. See world.py's docstring for how to add one."""
