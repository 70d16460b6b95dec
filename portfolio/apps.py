from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolios"

    def ready(self) -> None:
        from portfolio import caching, home, personal_data
        from revision import signals

        home.register()
        personal_data.register()
        # An import may renumber or reword the marking points the cached unit
        # pages and coverage matrices show.
        signals.topic_content_changed.connect(
            caching.on_topic_content_changed, dispatch_uid="portfolio-page-cache"
        )
