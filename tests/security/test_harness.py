"""The harness itself: the resolver walk finds views through includes, sees an
undeclared view, and refuses an unknown URL kwarg with instructions."""

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path

from centres.access import role_required
from tests.security import routes
from tests.security.world import UnknownKwarg, builder_for


def forgotten(request, widget_id):
    return HttpResponse("anyone")


@role_required("admin")
def guarded(request):
    return HttpResponse("admins")


inner = ([path("widgets/<int:widget_id>/", forgotten, name="widget")], "gadgets")
urlpatterns = [
    path("guarded/", guarded, name="guarded"),
    path("gadgets/", include(inner)),
]


@override_settings(ROOT_URLCONF=__name__)
def test_walk_goes_through_includes_and_sees_undeclared_views():
    found = {route.id: route for route in routes.all_routes()}

    assert set(found) == {"guarded", "gadgets:widget"}
    assert found["guarded"].allowed_roles == frozenset({"admin"})
    assert found["gadgets:widget"].allowed_roles is None
    assert found["gadgets:widget"].route == "gadgets/widgets/<int:widget_id>/"
    assert found["gadgets:widget"].kwarg_names == ("widget_id",)
    assert found["gadgets:widget"].url({"widget_id": 7}) == "/gadgets/widgets/7/"


def test_unknown_kwarg_fails_loudly_with_instructions():
    with pytest.raises(UnknownKwarg) as error:
        builder_for("widget_id", "gadgets:widget")

    message = str(error.value)
    assert "tests/security/objects/<your_app>.py" in message
    assert "@register('widget_id')" in message
