from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolios"

    def ready(self) -> None:
        from portfolio import home, personal_data

        home.register()
        personal_data.register()
