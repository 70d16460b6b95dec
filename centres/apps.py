from django.apps import AppConfig


class CentresConfig(AppConfig):
    name = "centres"
    verbose_name = "Centres and people"

    def ready(self) -> None:
        from centres import home, personal_data  # noqa: F401 (registers its part)

        home.register()
