"""Staff accounts in their editorial role: an editor, or a medical reviewer with the profile a byline names.

Used by `manage.py add_staff` and by the demo accounts `make run` offers.
"""

import secrets

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from .models import Reviewer
from .roles import EDITORS, MEDICAL_REVIEWERS
from .slugs import give_slugs
from .text import single_line_problem

ROLES = {"editor": EDITORS, "reviewer": MEDICAL_REVIEWERS}


class StaffError(ValueError):
    """What is wrong with the account asked for, in one sentence naming the argument."""


@transaction.atomic
def add_staff(*, email, role, name="", credentials="", username="", password=None, replace_password=False):
    """Create (or update) a staff account in `role`; return (user, reviewer profile or None, password set or "").

    A password is generated when none is given. An existing account keeps its password unless
    `replace_password`. A reviewer gets a profile named `name` (linked, or made if none has that name).
    """
    if role not in ROLES:
        raise StaffError(f"--role must be one of {', '.join(ROLES)}, not {role!r}.")
    try:
        validate_email(email)
    except ValidationError:
        raise StaffError(f"EMAIL {email!r} is not an e-mail address.") from None
    if role == "reviewer" and not name.strip():
        raise StaffError('--name is required for a reviewer: the byline prints it, e.g. --name "Judith Stewart".')
    for argument, value in (("--name", name), ("--credentials", credentials)):
        if problem := single_line_problem(value):
            raise StaffError(f"{argument} {problem}.")
    username = username or email.split("@")[0]
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if not created and user.email and user.email.lower() != email.lower():
        raise StaffError(f"--username {username!r} belongs to another account ({user.email}); choose another.")
    first, _, last = name.strip().partition(" ")
    user.email, user.is_staff, user.is_active = email, True, True
    if name.strip():
        user.first_name, user.last_name = first, last
    chosen = ""
    if created or replace_password or password:
        chosen = password or secrets.token_urlsafe(12)
        user.set_password(chosen)
    user.save()
    # One role: a reviewer made an editor can no longer sign off.
    user.groups.remove(*Group.objects.filter(name__in=ROLES.values()).exclude(name=ROLES[role]))
    user.groups.add(Group.objects.get(name=ROLES[role]))
    reviewer = _profile(user, name.strip(), credentials.strip()) if role == "reviewer" else None
    return user, reviewer, chosen


def _profile(user, name, credentials) -> Reviewer:
    mine = Reviewer.objects.filter(user=user).first()
    if mine is not None:
        return mine
    existing = Reviewer.objects.filter(name=name, credentials=credentials).first()
    if existing is not None:
        if existing.user_id is not None:
            raise StaffError(f"The reviewer {existing} is already linked to the account {existing.user.username!r}.")
        existing.user = user
        existing.save(update_fields=["user"])
        return existing
    reviewer = Reviewer(name=name, credentials=credentials, user=user)
    give_slugs(Reviewer, [reviewer], "name")
    reviewer.save()
    return reviewer
