from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Marking and quality assurance"

    def ready(self) -> None:
        from assessments import home, personal_data, portfolio_hooks

        home.register()
        personal_data.register()
        portfolio_hooks.register()
