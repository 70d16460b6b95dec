"""Demo step: two centres, each with an admin, two assessors, an IQA and learners
in two cohorts. Bulk inserts so `--learners 5000` takes seconds."""

from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction

from centres import services
from centres.models import Cohort, Enrolment, Membership, Role, User

CENTRES = [
    {
        "slug": "northgate",
        "prefix": "north",
        "name": "Northgate College",
        "staff": {
            "admin": ("Priya", "Shah"),
            "assessor-1": ("Daniel", "Okafor"),
            "assessor-2": ("Helen", "Marsh"),
            "iqa": ("Gareth", "Lloyd"),
        },
        "cohorts": [
            "Customer Service L3 — September 2026",
            "Customer Service L3 — January 2027",
        ],
    },
    {
        "slug": "riverside",
        "prefix": "river",
        "name": "Riverside Training",
        "staff": {
            "admin": ("Fiona", "Campbell"),
            "assessor-1": ("Tomasz", "Nowak"),
            "assessor-2": ("Aisha", "Rahman"),
            "iqa": ("Martin", "Hughes"),
        },
        "cohorts": ["Apprentices 2026 — Group A", "Apprentices 2026 — Group B"],
    },
]

FIRST_NAMES = [
    "Olivia",
    "Jack",
    "Amelia",
    "Harry",
    "Isla",
    "Oliver",
    "Ava",
    "George",
    "Mia",
    "Noah",
    "Sophie",
    "Leo",
    "Grace",
    "Arthur",
    "Freya",
    "Oscar",
    "Chloe",
    "Mohammed",
    "Lily",
    "Ethan",
    "Zara",
    "Rhys",
    "Niamh",
    "Callum",
    "Aoife",
    "Kai",
    "Ellie",
    "Yusuf",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Patel",
    "Khan",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Clarke",
    "Murphy",
    "Kaur",
    "Begum",
    "Davies",
    "Morgan",
]

COHORT_DATES = [
    (date(2026, 9, 1), date(2027, 7, 31)),
    (date(2027, 1, 11), date(2027, 12, 17)),
]

ROLE_OF = {
    "admin": Role.ADMIN,
    "assessor-1": Role.ASSESSOR,
    "assessor-2": Role.ASSESSOR,
    "iqa": Role.IQA,
}


def seed(world) -> None:
    password_hash = make_password(world.password)
    qualification = world.data["qualification"]
    world.data["centres"] = {}
    for spec in CENTRES:
        with transaction.atomic():
            _seed_centre(world, spec, qualification, password_hash)


def _seed_centre(world, spec, qualification, password_hash) -> None:
    centre = services.centre_create(name=spec["name"], slug=spec["slug"])
    staff = {}
    for key, (first, last) in spec["staff"].items():
        username = f"{spec['prefix']}-{key}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@{spec['slug']}.example.org",
                password=password_hash,
            )
        services.membership_grant(user=user, centre=centre, role=ROLE_OF[key])
        staff[key] = user
        world.accounts.append(
            {
                "username": username,
                "password": world.password,
                "role": ROLE_OF[key].value,
                "centre": centre.name,
            }
        )

    cohorts = []
    for index, name in enumerate(spec["cohorts"]):
        cohort = Cohort.objects.filter(centre=centre, name=name).first()
        if cohort is None:
            cohort = services.cohort_create(
                centre=centre,
                name=name,
                qualification=qualification,
                start_date=COHORT_DATES[index][0],
                end_date=COHORT_DATES[index][1],
                assessors=[staff[f"assessor-{index + 1}"]],
                iqas=[staff["iqa"]],
            )
        cohorts.append(cohort)

    learners = _seed_learners(world, spec, centre, password_hash)
    _enrol(world, learners, cohorts)
    world.data["centres"][spec["slug"]] = {
        "centre": centre,
        "staff": staff,
        "cohorts": cohorts,
        "learners": learners,
    }
    world.say(f"{centre.name}: {len(learners)} learners in {len(cohorts)} cohorts")


def _seed_learners(world, spec, centre, password_hash) -> list[User]:
    total = world.learners_per_centre
    width = max(2, len(str(total)))
    usernames = [f"{spec['prefix']}-learner-{n:0{width}d}" for n in range(1, total + 1)]
    existing = set(
        User.objects.filter(username__in=usernames).values_list("username", flat=True)
    )
    new_users = []
    for n, username in enumerate(usernames):
        if username in existing:
            continue
        first = FIRST_NAMES[(n + len(spec["prefix"])) % len(FIRST_NAMES)]
        last = LAST_NAMES[(n * 7 + len(spec["slug"])) % len(LAST_NAMES)]
        new_users.append(
            User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@{spec['slug']}.example.org",
                password=password_hash,
            )
        )
    for start in range(0, len(new_users), 1000):
        User.objects.bulk_create(new_users[start : start + 1000])
        world.progress(
            f"{spec['prefix']} learners",
            min(start + 1000, len(new_users)),
            len(new_users),
        )
    learners = list(User.objects.filter(username__in=usernames).order_by("username"))
    have = set(
        Membership.objects.filter(
            centre=centre, role=Role.LEARNER, user__in=learners
        ).values_list("user_id", flat=True)
    )
    Membership.objects.bulk_create(
        [
            Membership(user=u, centre=centre, role=Role.LEARNER)
            for u in learners
            if u.pk not in have
        ],
        batch_size=1000,
    )
    for learner in learners:
        world.accounts.append(
            {
                "username": learner.username,
                "password": world.password,
                "role": Role.LEARNER.value,
                "centre": centre.name,
            }
        )
    return learners


def _enrol(world, learners, cohorts) -> None:
    have = set(
        Enrolment.objects.filter(cohort__in=cohorts).values_list(
            "learner_id", "cohort_id"
        )
    )
    rows = []
    for n, learner in enumerate(learners):
        cohort = cohorts[n % len(cohorts)]
        if (learner.pk, cohort.pk) not in have:
            rows.append(
                Enrolment(
                    learner=learner,
                    cohort=cohort,
                    learner_reference=f"L{learner.pk:06d}",
                )
            )
    Enrolment.objects.bulk_create(rows, batch_size=1000)
