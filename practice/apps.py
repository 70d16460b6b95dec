from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice cards"

    def ready(self) -> None:
        from practice import home, receivers
        from revision import signals

        home.register()
        signals.topic_content_changed.connect(
            receivers.on_topic_content_changed, dispatch_uid="practice-cards-sync"
        )
