"""Drive a running kho server with the real `ckanapi` client.

Needs env KHO_URL (e.g. http://127.0.0.1:5000) and KHO_TOKEN (a sysadmin API
token). Run by scripts/python-client-test.sh with the venv made by
scripts/install-deps.sh:

    KHO_URL=... KHO_TOKEN=... ~/.cache/kho/venv/bin/python -m pytest tests/python/test_ckanapi.py
"""

import os
import uuid

import ckanapi
import ckanapi.errors
import pytest

SUFFIX = uuid.uuid4().hex[:8]
USER_NAME = f"pyuser-{SUFFIX}"
ORG_NAME = f"pyorg-{SUFFIX}"


def _env(name):
    value = os.environ.get(name, "").strip()
    if not value:
        pytest.fail(f"environment variable {name} must be set (see scripts/python-client-test.sh)")
    return value


@pytest.fixture(scope="module")
def ckan():
    with ckanapi.RemoteCKAN(_env("KHO_URL"), apikey=_env("KHO_TOKEN")) as client:
        yield client


@pytest.fixture(scope="module")
def user(ckan):
    created = ckan.action.user_create(
        name=USER_NAME, email=f"{USER_NAME}@example.org", password="secret-pass-123"
    )
    assert created["name"] == USER_NAME
    assert created["id"]
    return created


@pytest.fixture(scope="module")
def org(ckan, user):
    created = ckan.action.organization_create(name=ORG_NAME, title=f"Python org {SUFFIX}")
    assert created["name"] == ORG_NAME
    assert created["id"]
    ckan.action.organization_member_create(id=ORG_NAME, username=USER_NAME, role="editor")
    return created


def test_status_show(ckan):
    status = ckan.action.status_show()
    assert isinstance(status, dict)
    assert "ckan_version" in status


def test_user_show_returns_name(ckan, user):
    shown = ckan.action.user_show(id=user["id"])
    assert shown["name"] == USER_NAME
    assert ckan.action.user_show(id=USER_NAME)["id"] == user["id"]


def test_organization_show_lists_editor(ckan, org, user):
    shown = ckan.action.organization_show(id=ORG_NAME)
    assert shown["name"] == ORG_NAME
    assert shown["id"] == org["id"]
    capacities = {u["name"]: u["capacity"] for u in shown["users"]}
    assert capacities.get(USER_NAME) == "editor", shown["users"]


def test_organization_list_contains_org(ckan, org):
    assert ORG_NAME in ckan.action.organization_list()


def test_member_list_users(ckan, org, user):
    members = ckan.action.member_list(id=ORG_NAME, object_type="user")
    assert isinstance(members, list)
    for member in members:
        assert isinstance(member, list) and len(member) == 3, member
        assert member[1] == "user", member
    assert [user["id"], "user", "Editor"] in members, members


def test_bogus_action_raises(ckan):
    with pytest.raises(ckanapi.errors.CKANAPIError):
        ckan.call_action("no_such_action_" + SUFFIX, {})


def test_missing_organization_raises_not_found(ckan):
    with pytest.raises(ckanapi.NotFound):
        ckan.action.organization_show(id="missing-org-" + SUFFIX)


def test_invalid_organization_name_raises_validation_error(ckan):
    with pytest.raises(ckanapi.ValidationError) as excinfo:
        ckan.action.organization_create(name="Upper-Case-" + SUFFIX, title="Bad name")
    assert "name" in excinfo.value.error_dict, excinfo.value.error_dict
