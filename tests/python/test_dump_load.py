"""The `ckanapi dump` / `ckanapi load` round trip between two kho servers.

The way a CKAN site is copied or migrated: dump organizations, groups and
datasets (private ones included) from one site as a sysadmin, load them into
another, and the second site holds the same catalogue. Here the source is a kho
on SQLite and the target a kho on Postgres, both fresh, both driven by the real
`ckanapi` command line (its `dump` and `load` commands start worker processes
that call `*_show`, `*_create` and `*_update` exactly as against CKAN).

Needs env KHO_URL / KHO_TOKEN (the source, a sysadmin token) and
KHO_TARGET_URL / KHO_TARGET_TOKEN (the target). Run by
`scripts/python-client-test.sh --dumpload-only` (and by every full run).
"""

import json
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import ckanapi
import pytest

SUFFIX = uuid.uuid4().hex[:8]
ORG_HEALTH = f"so-y-te-{SUFFIX}"
ORG_FINANCE = f"so-tai-chinh-{SUFFIX}"
GROUP = f"du-lieu-dan-sinh-{SUFFIX}"
DS_OPEN = f"benh-vien-{SUFFIX}"
DS_SHARED = f"ngan-sach-{SUFFIX}"
DS_RESTRICTED = f"ho-so-thue-{SUFFIX}"
DS_OPEN_2 = f"gia-thi-truong-{SUFFIX}"
DS_DRAFT = f"ban-nhap-{SUFFIX}"
DS_DELETED = f"da-xoa-{SUFFIX}"
OPEN = {DS_OPEN, DS_OPEN_2}
EVERY = OPEN | {DS_SHARED, DS_RESTRICTED, DS_DRAFT, DS_DELETED}

# The keys that may differ between the source's dump and the target's dump
# after the load, and why. Everything else must survive the trip, ids included:
# CKAN 2.12 lets a sysadmin create datasets, resources, organizations and
# groups with the ids they had (the create schemas' `id` validators), and keeps
# a sysadmin's dataset `metadata_modified` and resource `created` and
# `last_modified`, which is what makes `ckanapi load` a copy rather than a
# re-creation. kho must do the same.
IGNORED = {
    "datasets": {
        # The time of the target's package_create: CKAN's create schema has no
        # `metadata_created` (the input's goes to the ignored __extras).
        "metadata_created",
        # The loading user (the target's own `admin`, another account with
        # another id): package_create sets it from the caller, whatever the input says.
        "creator_user_id",
        # Computed: a dataset never updated owes the period of its `metadata_created`,
        # the target's own, and the declared update time is not part of the dict.
        "update_deadline",
        "update_status",
    },
    # Each dataset's `organization` is its owner's group dict: its `created`
    # is the organization's, below.
    "organization": {"created"},
    # Tags are the target's own rows, found or created by name: CKAN's tag
    # schema has no `id`, so the input's is dropped and a new tag gets a new id.
    "tags": {"id"},
    "resources": {
        # CKAN's resource_dict_save sets it to the time of the save whenever it
        # writes a resource, whatever the input says.
        "metadata_modified",
    },
    "organizations": {
        # The time of the target's organization_create: CKAN's group schema
        # ignores `created`.
        "created",
    },
    "groups": {"created"},
}


def _env(name):
    value = os.environ.get(name, "").strip()
    if not value:
        pytest.fail(f"environment variable {name} must be set (see scripts/python-client-test.sh)")
    return value


def _cli_env():
    # ckanapi's dump and load start their workers as `ckanapi ...` found on
    # PATH: the venv's bin directory (where this interpreter lives) first.
    env = dict(os.environ)
    bindir = os.path.dirname(sys.executable)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env, os.path.join(bindir, "ckanapi")


def ckanapi_cli(*args, url, token=None):
    """Run the `ckanapi` command line against `url`; fail the test on a non-zero exit."""
    env, exe = _cli_env()
    cmd = [exe, *args, "-r", url] + (["-a", token] if token else [])
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    shown = [c if c != token else "<token>" for c in cmd]
    assert done.returncode == 0, (
        f"{shown} exited {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    return done


def dump(thing, url, token, tmp_path, label):
    """`ckanapi dump THING --all` into a file; the records, one dict each."""
    out = tmp_path / f"{label}-{thing}.jsonl"
    args = ["dump", thing, "--all", "-O", str(out), "-q"]
    if thing == "datasets":
        # ckanapi passes these to package_list (CKAN itself ignores them there:
        # see COMPATIBILITY.md).
        args += ["--include-private", "--include-drafts", "--include-deleted"]
    ckanapi_cli(*args, url=url, token=token)
    with open(out, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return out, records


THINGS = ("organizations", "groups", "datasets")


def dump_all(url, token, tmp_path, label):
    """`dump_things` of organizations, groups and datasets, side by side (each
    `ckanapi` run spends most of its time starting Python twice)."""
    with ThreadPoolExecutor(max_workers=len(THINGS)) as pool:
        futures = {t: pool.submit(dump, t, url, token, tmp_path, label) for t in THINGS}
        return {t: f.result() for t, f in futures.items()}


def load(thing, path, url, token, action, count):
    """`ckanapi load THING` from a dump file: `count` records, each `action`ed
    (`create` or `update`) without error."""
    done = ckanapi_cli("load", thing, "-I", str(path), url=url, token=token)
    # Without -q, load reports one line per record on stderr:
    # `N [job ids] stats ACTION ERROR RESPONSE`; ERROR is None on success.
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == count, f"load {thing}: expected {count} records:\n{done.stderr}"
    for line in lines:
        assert f" {action} None " in line, f"load {thing}: {line}\n{done.stderr}"


@pytest.fixture(scope="module")
def source():
    with ckanapi.RemoteCKAN(_env("KHO_URL"), apikey=_env("KHO_TOKEN")) as client:
        yield client


@pytest.fixture(scope="module")
def target():
    with ckanapi.RemoteCKAN(_env("KHO_TARGET_URL"), apikey=_env("KHO_TARGET_TOKEN")) as client:
        yield client


@pytest.fixture(scope="module")
def catalogue(source):
    """Organizations, a group and datasets of every sharing level on the source."""
    source.action.organization_create(
        name=ORG_HEALTH,
        title="Sở Y tế",
        description="Cơ quan chuyên môn về **y tế** của tỉnh.",
        image_url="https://example.org/logo-so-y-te.png",
        agency_code="000.00.14.H57",
        focal_point_name="Nguyễn Văn An",
        focal_point_position="Chánh Văn phòng",
        focal_point_phone="0203 3825 123",
        focal_point_email="an.nv@syt.example.gov.vn",
        extras=[{"key": "dia_chi", "value": "Số 1, đường Trần Hưng Đạo"}],
    )
    source.action.organization_create(
        name=ORG_FINANCE,
        title="Sở Tài chính",
        agency_code="000.00.21.H57",
        focal_point_name="Trần Thị Bình",
        focal_point_email="binh.tt@stc.example.gov.vn",
    )
    source.action.group_create(
        name=GROUP,
        title="Dữ liệu dân sinh",
        description="Dữ liệu phục vụ người dân.",
        image_url="https://example.org/dan-sinh.png",
        extras=[{"key": "chu_de", "value": "dân sinh"}],
    )
    datasets = [
        dict(
            name=DS_OPEN,
            title="Danh sách bệnh viện",
            notes="Các bệnh viện công lập và tư nhân trên địa bàn tỉnh.",
            owner_org=ORG_HEALTH,
            sharing_level="open",
            license_id="cc-by",
            url="https://syt.example.gov.vn/benh-vien",
            version="2.1",
            author="Phòng Nghiệp vụ Y",
            author_email="nvy@syt.example.gov.vn",
            maintainer="Nguyễn Văn An",
            maintainer_email="an.nv@syt.example.gov.vn",
            tags=[{"name": "y tế"}, {"name": "bệnh viện"}],
            extras=[
                {"key": "nguon_du_lieu", "value": "Báo cáo thống kê y tế"},
                {"key": "so_ban_ghi", "value": "152"},
            ],
            update_frequency="quarterly",
            theme=["health", "society"],
            temporal_start="2020-01-01",
            temporal_end="2024-12-31",
            spatial="Tỉnh Lào Cai",
            legal_basis="Luật Khám bệnh, chữa bệnh 2023, **Điều 10**.",
            # No contact_*: shown from the organization's focal point.
            groups=[{"name": GROUP}],
            resources=[
                {
                    "name": "Danh sách (CSV)",
                    "url": "https://syt.example.gov.vn/benh-vien.csv",
                    "format": "CSV",
                    "description": "Mỗi dòng một bệnh viện.",
                    "mimetype": "text/csv",
                    "size": 20480,
                    "last_modified": "2024-06-30T08:00:00",
                    "ma_bang": "BV-01",
                },
                {
                    "name": "API",
                    "url": "https://syt.example.gov.vn/api/benh-vien",
                    "format": "JSON",
                    "resource_type": "api",
                },
            ],
        ),
        dict(
            name=DS_SHARED,
            title="Dự toán ngân sách chi tiết",
            notes="Dự toán ngân sách theo đơn vị, dùng chung giữa các cơ quan nhà nước.",
            owner_org=ORG_FINANCE,
            sharing_level="shared",
            license_id="other-closed",
            tags=[{"name": "ngân sách"}],
            extras=[{"key": "don_vi_tinh", "value": "triệu đồng"}],
            update_frequency="annual",
            theme=["finance"],
            temporal_start="2025-01-01",
            spatial="Tỉnh Lào Cai",
            legal_basis="Luật Ngân sách nhà nước 2015.",
            contact_name="Phòng Ngân sách",
            contact_email="ngansach@stc.example.gov.vn",
            groups=[{"name": GROUP}],
            resources=[
                {
                    "name": "Dự toán 2025",
                    "url": "https://stc.example.gov.vn/du-toan-2025.xlsx",
                    "format": "XLSX",
                }
            ],
        ),
        dict(
            name=DS_RESTRICTED,
            title="Hồ sơ thuế doanh nghiệp",
            owner_org=ORG_FINANCE,
            sharing_level="restricted",
            tags=[{"name": "thuế"}],
            update_frequency="monthly",
            theme=["finance", "economy-trade"],
            legal_basis="Luật Quản lý thuế 2019, Điều 99.",
            contact_name="Phòng Thuế",
            contact_email="thue@stc.example.gov.vn",
            resources=[
                {
                    "name": "Trích xuất",
                    "url": "https://stc.example.gov.vn/thue.csv",
                    "format": "CSV",
                }
            ],
        ),
        dict(
            # A plain CKAN client's dataset: `private` only, no profile fields.
            name=DS_OPEN_2,
            title="Giá thị trường",
            owner_org=ORG_FINANCE,
            private=False,
            groups=[{"name": GROUP}],
        ),
    ]
    created = [source.action.package_create(**d) for d in datasets]
    levels = {d["name"]: d["sharing_level"] for d in created}
    assert levels == {
        DS_OPEN: "open",
        DS_SHARED: "shared",
        DS_RESTRICTED: "restricted",
        DS_OPEN_2: "open",
    }, levels
    # A draft (open once published) and a deleted dataset: the sysadmin's dump
    # has them too (--include-drafts, --include-deleted), and they load as they are.
    created.append(
        source.action.package_create(
            name=DS_DRAFT,
            title="Bản nháp",
            owner_org=ORG_HEALTH,
            state="draft",
            sharing_level="open",
            resources=[{"name": "Sắp có", "url": "https://syt.example.gov.vn/sap-co.csv"}],
        )
    )
    source.action.package_create(name=DS_DELETED, title="Đã xoá", owner_org=ORG_HEALTH)
    source.action.package_delete(id=DS_DELETED)
    states = {
        name: source.action.package_show(id=name)["state"] for name in (DS_DRAFT, DS_DELETED)
    }
    assert states == {DS_DRAFT: "draft", DS_DELETED: "deleted"}, states
    return created


def _strip(record, ignored):
    return {k: v for k, v in record.items() if k not in ignored}


def comparable(thing, records):
    """The records by name, without the keys of IGNORED (nested ones too)."""
    out = {}
    for record in records:
        record = _strip(record, IGNORED[thing])
        if thing == "datasets":
            if record.get("organization"):
                record["organization"] = _strip(record["organization"], IGNORED["organization"])
            for key in ("tags", "resources"):
                record[key] = [_strip(item, IGNORED[key]) for item in record.get(key, [])]
        out[record["name"]] = record
    return out


def assert_same(thing, before, after):
    a, b = comparable(thing, before), comparable(thing, after)
    assert sorted(a) == sorted(b), f"{thing}: names differ"
    for name in a:
        diff = {
            k: (a[name].get(k, "<absent>"), b[name].get(k, "<absent>"))
            for k in sorted(set(a[name]) | set(b[name]))
            if a[name].get(k, "<absent>") != b[name].get(k, "<absent>")
        }
        shown = json.dumps(diff, ensure_ascii=False, indent=1)
        assert not diff, f"{thing} {name}: (source, target) {shown}"


def test_anonymous_dump_has_only_open_datasets(catalogue, tmp_path):
    # The same flags as the sysadmin's dump: they widen nothing for anonymous.
    _, records = dump("datasets", _env("KHO_URL"), None, tmp_path, "anonymous")
    names = {r["name"] for r in records}
    assert names == OPEN, names
    for r in records:
        assert r["sharing_level"] == "open" and r["private"] is False, r
        assert r["state"] == "active", r


def test_dump_load_round_trip(catalogue, source, target, tmp_path):
    src_url, src_token = _env("KHO_URL"), _env("KHO_TOKEN")
    dst_url, dst_token = _env("KHO_TARGET_URL"), _env("KHO_TARGET_TOKEN")
    dumped = dump_all(src_url, src_token, tmp_path, "source")
    # The sysadmin's dump has every dataset, the non-open ones included.
    names = {r["name"] for r in dumped["datasets"][1]}
    assert names == EVERY, names
    assert {r["name"] for r in dumped["organizations"][1]} == {ORG_HEALTH, ORG_FINANCE}
    assert {r["name"] for r in dumped["groups"][1]} == {GROUP}
    # ... with what was written, so that the comparison below compares it.
    by_name = {r["name"]: r for recs in dumped.values() for r in recs[1]}
    org = by_name[ORG_HEALTH]
    assert (org["agency_code"], org["focal_point_name"], org["focal_point_email"]) == (
        "000.00.14.H57",
        "Nguyễn Văn An",
        "an.nv@syt.example.gov.vn",
    ), org
    assert org["extras"] == [{"key": "dia_chi", "value": "Số 1, đường Trần Hưng Đạo"}], org
    ds = by_name[DS_OPEN]
    profile = ("update_frequency", "theme", "temporal_start", "temporal_end", "legal_basis")
    assert {k: ds[k] for k in profile} == {
        "update_frequency": "quarterly",
        "theme": ["health", "society"],
        "temporal_start": "2020-01-01",
        "temporal_end": "2024-12-31",
        "legal_basis": "Luật Khám bệnh, chữa bệnh 2023, **Điều 10**.",
    }, ds
    assert (ds["spatial"], ds["contact_name"]) == ("Tỉnh Lào Cai", "Nguyễn Văn An"), ds
    assert {t["name"] for t in ds["tags"]} == {"y tế", "bệnh viện"}, ds
    assert [g["name"] for g in ds["groups"]] == [GROUP], ds
    assert len(ds["extras"]) == 2 and ds["resources"][0]["ma_bang"] == "BV-01", ds
    assert by_name[DS_RESTRICTED]["sharing_level"] == "restricted"
    assert by_name[DS_SHARED]["private"] is True
    assert by_name[GROUP]["package_count"] == 3, by_name[GROUP]

    # Organizations and groups first: datasets name them. A second load finds
    # every record by id and updates it (how a copy is refreshed), which must
    # change nothing. Compared once all is loaded: `package_count` counts datasets.
    for action in ("create", "update"):
        for thing in THINGS:
            path, records = dumped[thing]
            load(thing, path, dst_url, dst_token, action, len(records))
        again = dump_all(dst_url, dst_token, tmp_path, f"target-{action}")
        for thing in THINGS:
            assert_same(thing, dumped[thing][1], again[thing][1])

    # The copy behaves as the original: the dataset without a contact of its
    # own still shows its organization's focal point when that changes.
    assert target.action.package_show(id=DS_OPEN)["contact_name"] == "Nguyễn Văn An"
    target.action.organization_patch(id=ORG_HEALTH, focal_point_name="Lê Thị Cúc")
    assert target.action.package_show(id=DS_OPEN)["contact_name"] == "Lê Thị Cúc"
    assert target.action.package_show(id=DS_SHARED)["contact_name"] == "Phòng Ngân sách"
    # ... and reads as the original: non-open datasets stay hidden from anonymous.
    anonymous = ckanapi.RemoteCKAN(dst_url)
    assert set(anonymous.action.package_list()) == OPEN
    with pytest.raises(ckanapi.NotAuthorized):
        anonymous.action.package_show(id=DS_RESTRICTED)
