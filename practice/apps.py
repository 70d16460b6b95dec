from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice cards"

    def ready(self) -> None:
        from practice import home, personal_data, receivers
        from revision import signals

        home.register()
        personal_data.register()
        signals.topic_content_changed.connect(
            receivers.on_topic_content_changed, dispatch_uid="practice-cards-sync"
        )
