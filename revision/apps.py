from django.apps import AppConfig


class RevisionConfig(AppConfig):
    name = "revision"
    verbose_name = "Revision content"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from centres.models import Role
        from centres.navigation import NavItem, register_nav
        from revision import personal_data

        personal_data.register()

        register_nav(
            NavItem(
                _("Revision"), "revision:unit-list", frozenset(Role.values), order=10
            )
        )
        register_nav(
            NavItem(_("Search"), "revision:search", frozenset(Role.values), order=11)
        )
