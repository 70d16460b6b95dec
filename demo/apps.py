from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world (`seed_demo`). Sits above every other app so it may call all
    of their services; nothing imports it."""

    name = "demo"
