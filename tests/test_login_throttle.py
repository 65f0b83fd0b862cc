"""Login throttling: one account, or one address, is slowed and then locked; nobody else is."""

import time

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def staff(db):
    User.objects.create_user("pat", password="right-password-1", is_staff=True)
    User.objects.create_user("sam", password="right-password-2", is_staff=True)


def sign_in(client, username, password, address="203.0.113.7"):
    """Post the admin sign-in form from `address`; return (signed in?, page text)."""
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)
    return response.status_code == 302, response.content.decode()


def test_five_failures_lock_the_account_even_against_the_right_password(client, staff, settings):
    settings.DRUGREF_LOGIN_ACCOUNT_LIMIT = 3  # lock at the 3rd failure: no slow-down steps to wait through
    for _ in range(3):
        assert not sign_in(client, "pat", "wrong")[0]
    ok, page = sign_in(client, "pat", "right-password-1")
    assert not ok
    assert "Too many failed sign-ins for this account or from this address. Try again in 15 minutes." in page
    # From another address too: the account is locked, not the address.
    assert not sign_in(client, "PAT ", "right-password-1", address="198.51.100.9")[0]
    # Another account from the same address is not affected.
    assert sign_in(client, "sam", "right-password-2")[0]


def test_failures_slow_down_before_they_lock(client, staff):
    for _ in range(3):
        assert not sign_in(client, "pat", "wrong")[0]
    ok, page = sign_in(client, "pat", "right-password-1")
    assert not ok and "Try again in 2 seconds." in page
    time.sleep(2.1)
    assert sign_in(client, "pat", "right-password-1")[0]
    client.logout()
    # Signing in cleared the count: three more mistakes are needed before the next slow-down.
    for _ in range(2):
        assert not sign_in(client, "pat", "wrong")[0]
    assert sign_in(client, "pat", "right-password-1")[0]


def test_many_failures_from_one_address_lock_that_address_only(client, staff, settings):
    settings.DRUGREF_LOGIN_ADDRESS_LIMIT = 6
    for n in range(6):  # a different account each time: no account reaches its own limit
        assert not sign_in(client, f"guess-{n}", "wrong", address="192.0.2.1")[0]
    assert not sign_in(client, "sam", "right-password-2", address="192.0.2.1")[0]
    assert sign_in(client, "sam", "right-password-2", address="192.0.2.2")[0]


def test_a_few_mistakes_behind_a_shared_address_lock_out_no_one_else(client, staff):
    for _ in range(2):
        assert not sign_in(client, "pat", "wrong", address="192.0.2.50")[0]
    assert sign_in(client, "sam", "right-password-2", address="192.0.2.50")[0]


def test_the_address_behind_trusted_proxies_is_the_one_counted(client, staff, settings):
    settings.DRUGREF_TRUSTED_PROXIES = 1
    settings.DRUGREF_LOGIN_ADDRESS_LIMIT = 2
    for n in range(2):
        client.post(LOGIN, {"username": f"x{n}", "password": "w"}, HTTP_X_FORWARDED_FOR="spoofed, 192.0.2.9")
    blocked = client.post(
        LOGIN, {"username": "sam", "password": "right-password-2"}, HTTP_X_FORWARDED_FOR="other, 192.0.2.9"
    )
    assert blocked.status_code == 200
    allowed = client.post(LOGIN, {"username": "sam", "password": "right-password-2"}, HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert allowed.status_code == 302


def test_sign_in_works_while_the_cache_is_down(client, staff, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "drugref.redis_cache.Cache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    for _ in range(6):
        assert not sign_in(client, "pat", "wrong")[0]
    assert sign_in(client, "pat", "right-password-1")[0]
