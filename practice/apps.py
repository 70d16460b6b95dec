from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice cards"

    def ready(self) -> None:
        from practice import home

        home.register()
