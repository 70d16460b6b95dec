"""Signals other apps listen to (revision sits low in the dependency order, so it
announces changes rather than calling the apps above it)."""

from django.dispatch import Signal

# Sent inside the import's transaction after a topic was created or changed,
# with `topic` and `unit`. practice/ regenerates the unit's cards from it.
topic_content_changed = Signal()
