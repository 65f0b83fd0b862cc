"""Trying the review loop at once: staff accounts in their role, demo accounts, and who can sign off."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from monographs import editorial
from monographs.models import Article, Reviewer

ADMIN = "/admin/monographs/article/"


def _add_staff(*args):
    out = StringIO()
    call_command("add_staff", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_add_staff_makes_a_reviewer_who_can_sign_off_with_a_byline(client):
    printed = _add_staff("--role", "reviewer", "--name", "Judith Stewart", "--credentials", "BPharm", "j@example.org")
    password = printed.split("Password: ")[1].split()[0]
    user = User.objects.get(username="j")
    assert (user.email, user.is_staff, user.has_perm(editorial.SIGN_OFF_PERMISSION)) == ("j@example.org", True, True)
    assert str(Reviewer.objects.get(user=user)) == "Judith Stewart, BPharm"
    assert "Signs off as: Judith Stewart, BPharm" in printed
    assert client.login(username="j", password=password)


@pytest.mark.django_db
def test_add_staff_makes_an_editor_who_cannot_sign_off():
    _add_staff("--role", "editor", "--name", "Sam Editor", "--username", "sam", "sam@example.org")
    user = User.objects.get(username="sam")
    assert user.has_perm("monographs.change_article") and not user.has_perm(editorial.SIGN_OFF_PERMISSION)
    assert not Reviewer.objects.filter(user=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "editor", "not-an-address"], "EMAIL 'not-an-address' is not an e-mail address."),
        (["--role", "reviewer", "x@example.org"], "--name is required for a reviewer"),
        (["--role", "editor", "--username", "taken", "y@example.org"], "--username 'taken' belongs to another"),
        (["--role", "reviewer", "--name", "Judith \u202eStewart", "z@example.org"], "--name contains a direction"),
    ],
)
def test_add_staff_refuses_bad_input_in_one_line_and_changes_nothing(args, message):
    User.objects.create_user("taken", email="someone@example.org")
    before = list(User.objects.values_list("username", "is_staff"))
    with pytest.raises(CommandError) as refused:
        _add_staff(*args)
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert list(User.objects.values_list("username", "is_staff")) == before


@pytest.mark.django_db
def test_add_staff_run_again_changes_the_role_and_keeps_the_password(client):
    printed = _add_staff("--role", "reviewer", "--name", "Judith Stewart", "j@example.org")
    password = printed.split("Password: ")[1].split()[0]
    assert "Password unchanged." in _add_staff("--role", "editor", "j@example.org")
    user = User.objects.get(username="j")
    assert [group.name for group in user.groups.all()] == ["Editors"]
    assert not user.has_perm(editorial.SIGN_OFF_PERMISSION)
    assert client.login(username="j", password=password)


@pytest.mark.django_db
def test_demo_accounts_are_refused_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="local development only"):
        call_command("load_demo", "--demo-accounts", stdout=StringIO())
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_accounts_try_the_whole_loop(settings, client):
    """make run's accounts: the editor submits, Judith is offered the sign-off and signs it off."""
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo", "--demo-accounts", stdout=out)
    passwords = {line.split()[2]: line.split()[4] for line in out.getvalue().splitlines() if "Demo account:" in line}
    assert set(passwords) == {"editor", "judith", "alex"}
    assert Reviewer.objects.get(user__username="judith").name == "Judith Stewart"  # the demo's own reviewer

    assert client.login(username="editor", password=passwords["editor"])
    besponsa = Article.objects.canonical().get(slug__startswith="how-does-besponsa")
    client.post(f"{ADMIN}{besponsa.pk}/start-draft/", {})
    draft = editorial.working_copy(Article.objects.get(pk=besponsa.pk))
    page = client.get(f"{ADMIN}{draft.pk}/change/").content.decode()
    assert client.post(f"{ADMIN}{draft.pk}/change/", _form(page) | {"_submit_for_review": ["1"]}).status_code == 302

    page = client.get(f"{ADMIN}{draft.pk}/change/").content.decode()
    assert "It can be signed off by Alex Morgan, PharmD or Judith Stewart, BPharm." in page
    assert "You cannot: Your account is not in the Medical reviewers group" in page

    client.logout()
    assert client.login(username="judith", password=passwords["judith"])
    page = client.get(f"{ADMIN}{besponsa.pk}/change/").content.decode()
    assert "You cannot" not in page
    sign_off = client.get(f"{ADMIN}{besponsa.pk}/sign-off/").content.decode()
    number = sign_off.split('name="revision" value="')[1].split('"')[0]
    assert client.post(f"{ADMIN}{besponsa.pk}/sign-off/", {"revision": number}).status_code == 302
    assert Article.objects.get(pk=besponsa.pk).sign_offs.first().reviewer.name == "Judith Stewart"


@pytest.mark.django_db
def test_the_answer_page_says_why_a_reviewer_is_not_offered_the_sign_off(medical_reviewer, client):
    """A reviewer who wrote the version, and a reviewer account without a byline, are told why."""
    from django.contrib.auth.models import Group

    client.force_login(medical_reviewer)
    page = client.get(f"{ADMIN}add/").content.decode()
    new = {"question": ["Is it safe?"], "slug": ["is-it-safe"], "answer": ["Yes, mostly."], "_submit_for_review": ["1"]}
    new |= {"sources-0-title": ["Prescribing information"]}
    assert client.post(f"{ADMIN}add/", _form(page) | new).status_code == 302
    article = Article.objects.get(slug="is-it-safe")
    page = client.get(f"{ADMIN}{article.pk}/change/").content.decode()
    assert "You cannot: You wrote part of revision 1, so another medical reviewer must sign it off" in page
    assert "Nobody can sign it off yet" in page

    unlinked = User.objects.create_user("nobyline", password="pw", is_staff=True)
    unlinked.groups.add(Group.objects.get(name="Medical reviewers"))
    client.force_login(unlinked)
    page = client.get(f"{ADMIN}{article.pk}/change/").content.decode()
    assert "You cannot: Your account is not linked to a reviewer profile" in page


def _form(page):
    from .support import form_values

    return form_values(page, "article_form")
