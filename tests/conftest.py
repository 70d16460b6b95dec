"""Shared fixtures: actors at two centres, a seeded world, and a real Chromium.

The browser fixtures point pytest-playwright at Debian's Chromium (Playwright cannot
download its own browsers here) and skip, saying why, when it is not installed.
"""

import os
import shutil
from pathlib import Path

import pytest

# pytest-django's live_server with Playwright's sync API needs this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("CRITERION_TESTING", "1")

from tests import factories

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_PATH = Path(__file__).resolve().parent.parent / "node_modules/axe-core/axe.min.js"
PASSWORD = factories.PASSWORD


@pytest.fixture(autouse=True)
def _empty_local_cache():
    """Start every test with an empty local-memory cache: ids repeat from test
    to test (each test's transaction rolls back), so a page cached for one
    test's learner 3 must not be served to the next test's learner 3. A Redis
    cache is left alone (it may hold the Celery broker's queues)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


# --- Actors -----------------------------------------------------------------------
@pytest.fixture
def centre(db):
    return factories.CentreFactory(name="Northgate College", slug="northgate")


@pytest.fixture
def other_centre(db):
    return factories.CentreFactory(name="Riverside Training", slug="riverside")


@pytest.fixture
def qualification(db):
    return factories.QualificationFactory()


@pytest.fixture
def cohort(centre, qualification, assessor, iqa):
    cohort = factories.CohortFactory(centre=centre, qualification=qualification)
    cohort.assessors.add(assessor)
    cohort.iqas.add(iqa)
    return cohort


@pytest.fixture
def learner(centre):
    return factories.member(centre, "learner", username="learner")


@pytest.fixture
def enrolled_learner(learner, cohort):
    factories.EnrolmentFactory(learner=learner, cohort=cohort)
    return learner


@pytest.fixture
def assessor(centre):
    return factories.member(centre, "assessor", username="assessor")


@pytest.fixture
def iqa(centre):
    return factories.member(centre, "iqa", username="iqa")


@pytest.fixture
def centre_admin(centre):
    return factories.member(centre, "admin", username="centreadmin")


@pytest.fixture
def other_learner(other_centre):
    return factories.member(other_centre, "learner", username="otherlearner")


@pytest.fixture
def other_admin(other_centre):
    return factories.member(other_centre, "admin", username="otheradmin")


@pytest.fixture
def client_for(client):
    """Log the test client in as a user: `client_for(user)` returns the client."""

    def login(user):
        client.force_login(user)
        return client

    return login


# --- Browser ----------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip(
            "Chromium is not installed (apt-get install chromium): browser tests need it"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def axe():
    """Run axe-core on a Playwright page; returns serious/critical violations."""
    if not AXE_PATH.exists():
        pytest.skip(
            "axe-core is not installed (npm install axe-core@4): accessibility checks need it"
        )
    source = AXE_PATH.read_text()

    def check(page):
        # Evaluated through the DevTools protocol: a <script> tag would (rightly) be
        # blocked by our Content-Security-Policy.
        page.evaluate(source)
        result = page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in {"serious", "critical"}
        ]

    return check


@pytest.fixture
def sign_in(live_server):
    """Sign a Playwright page in through the real login form."""

    def do(page, username, password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("domcontentloaded")
        return page

    return do
