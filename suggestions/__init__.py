"""Criteria suggestions: which marking points a piece of evidence shows.

Owns the matching engine only (no models). Sits above `revision` and below
`portfolio`/`assessments`, which store and display what it suggests.
"""
