"""React to revision content changes: regenerate the unit's cards after commit."""

from outbox import services as outbox_services


def on_topic_content_changed(sender, *, topic, unit, **kwargs) -> None:
    """Queue the unit's card regeneration with the import's own transaction."""
    outbox_services.enqueue("practice.tasks.practice_unit_cards_sync_task", unit.pk)
