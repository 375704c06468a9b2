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


def test_upload_and_download_same_bytes(ckan, org):
    """ckanapi uploads with `files=` (multipart); the download is the same bytes."""
    import hashlib
    import io
    import urllib.request

    pkg = ckan.action.package_create(name=f"py-upload-{SUFFIX}", owner_org=ORG_NAME)
    data = ("ma_truong,ten_truong\n" + "".join(f"{i},Trường số {i}\n" for i in range(5000))).encode()
    upload = io.BytesIO(data)
    upload.name = "Danh sách trường.csv"
    res = ckan.call_action(
        "resource_create",
        {"package_id": pkg["id"], "name": "Tệp tải lên", "format": "CSV"},
        files={"upload": upload},
    )
    assert res["url_type"] == "upload"
    assert res["size"] == len(data)
    assert res["hash"] == hashlib.sha256(data).hexdigest()
    assert res["mimetype"] == "text/csv"
    assert "/resource/" + res["id"] + "/download/" in res["url"]
    with urllib.request.urlopen(res["url"]) as response:
        assert response.read() == data
        assert "filename*=UTF-8''Danh%20s%C3%A1ch" in response.headers["Content-Disposition"]

    # A new version through resource_patch, as `ckanapi load --upload-resources` does.
    newer = data + b"5000,Tr\xc6\xb0\xe1\xbb\x9dng m\xe1\xbb\x9bi\n"
    upload = io.BytesIO(newer)
    upload.name = "Danh sách trường.csv"
    patched = ckan.call_action("resource_patch", {"id": res["id"]}, files={"upload": upload})
    assert patched["size"] == len(newer)
    with urllib.request.urlopen(patched["url"]) as response:
        assert response.read() == newer
