"""ckanext-dcat's endpoints on a running kho, read with the real RDF tools.

A complete dataset (every field of the provincial profile, an organization with a
focal point, two described resources) and a private one are created; every catalogue
and dataset serialization must parse with rdflib, the complete dataset (and a catalogue
page holding it) must satisfy the DCAT-AP 3 SHACL shapes with zero violations (pyshacl),
and the private dataset must appear in no output.

Needs env KHO_URL and KHO_TOKEN (a sysadmin token), as test_ckanapi.py; run by
scripts/python-client-test.sh.
"""

import json
import os
import uuid
from pathlib import Path

import ckanapi
import pytest
import requests
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

SUFFIX = uuid.uuid4().hex[:8]
ORG_NAME = f"dcat-org-{SUFFIX}"
OPEN_NAME = f"dcat-open-{SUFFIX}"
PRIVATE_NAME = f"dcat-private-{SUFFIX}"
PRIVATE_TITLE = f"Hồ sơ mật {SUFFIX}"
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SHAPES = Path(__file__).parent / "fixtures" / "dcat-ap_3_shacl_shapes.ttl"
SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

# Extension → (content type, rdflib parser format).
FORMATS = {
    "ttl": ("text/turtle", "turtle"),
    "n3": ("text/n3", "n3"),
    "rdf": ("application/rdf+xml", "xml"),
    "xml": ("application/rdf+xml", "xml"),
    "jsonld": ("application/ld+json", "json-ld"),
}


def _env(name):
    value = os.environ.get(name, "").strip()
    if not value:
        pytest.fail(f"environment variable {name} must be set (see scripts/python-client-test.sh)")
    return value


@pytest.fixture(scope="module")
def base():
    return _env("KHO_URL").rstrip("/")


@pytest.fixture(scope="module")
def datasets():
    with ckanapi.RemoteCKAN(_env("KHO_URL"), apikey=_env("KHO_TOKEN")) as ckan:
        org = ckan.action.organization_create(
            name=ORG_NAME,
            title="Sở Y tế thành phố",
            description="Cơ quan chuyên môn về y tế",
            focal_point_name="Nguyễn Thị Lan",
            focal_point_position="Chuyên viên",
            focal_point_phone="0236 3822 000",
            focal_point_email="lan@syt.example.vn",
        )
        complete = ckan.action.package_create(
            name=OPEN_NAME,
            title="Danh sách cơ sở khám bệnh, chữa bệnh",
            notes="Các bệnh viện, trạm y tế và phòng khám được cấp phép trên địa bàn.",
            owner_org=ORG_NAME,
            sharing_level="open",
            license_id="cc-by",
            url="https://syt.example.vn/co-so-kham-chua-benh",
            version="2.1",
            update_frequency="quarterly",
            temporal_start="2020-01-01",
            temporal_end="2024-12-31",
            spatial="Phường Hải Châu",
            theme=["health", "society"],
            legal_basis="Quyết định 25/2022/QĐ-UBND",
            tags=[{"name": "y tế"}, {"name": "bệnh viện"}],
            resources=[
                {
                    "name": "Danh sách (CSV)",
                    "description": "Tệp dữ liệu đầy đủ",
                    "url": "https://syt.example.vn/files/co-so.csv",
                    "format": "CSV",
                    "mimetype": "text/csv",
                    "size": 20480,
                    "hash": SHA256,
                },
                {
                    "name": "Danh sách (JSON)",
                    "description": "Cùng dữ liệu, dạng JSON",
                    "url": "https://syt.example.vn/files/co-so.json",
                    "format": "JSON",
                    "mimetype": "application/json",
                    "size": 40960,
                    "hash": SHA256.replace("9", "a"),
                },
            ],
        )
        private = ckan.action.package_create(
            name=PRIVATE_NAME,
            title=PRIVATE_TITLE,
            notes="Không công khai",
            owner_org=ORG_NAME,
            sharing_level="restricted",
            resources=[{"name": "mật", "url": "https://syt.example.vn/files/mat.csv"}],
        )
        yield {"org": org, "complete": complete, "private": private}


def _get(url, **kw):
    return requests.get(url, timeout=30, **kw)


def _parse(response, ext):
    content_type, rdflib_format = FORMATS[ext]
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == content_type
    g = Graph()
    g.parse(data=response.text, format=rdflib_format)
    return g


def _assert_no_private(text, private):
    for value in (private["id"], private["name"], private["title"]):
        assert value not in text


def _violations(g):
    conforms, results_graph, results_text = validate(g, shacl_graph=str(SHAPES), advanced=True)
    count = len(list(results_graph.objects(None, URIRef("http://www.w3.org/ns/shacl#result"))))
    return conforms, count, results_text


@pytest.mark.parametrize("ext", list(FORMATS))
def test_dataset_every_format(base, datasets, ext):
    complete = datasets["complete"]
    ds = URIRef(f"{base}/dataset/{complete['id']}")
    for key in (complete["id"], complete["name"]):
        r = _get(f"{base}/dataset/{key}.{ext}")
        g = _parse(r, ext)
        assert (ds, RDF.type, DCAT.Dataset) in g
        assert g.value(ds, DCTERMS.title) == Literal("Danh sách cơ sở khám bệnh, chữa bệnh")
        assert len(list(g.objects(ds, DCAT.distribution))) == 2
        assert set(g.objects(ds, DCAT.keyword)) == {Literal("y tế"), Literal("bệnh viện")}
        publisher = g.value(ds, DCTERMS.publisher)
        assert publisher == URIRef(f"{base}/organization/{datasets['org']['id']}")
        assert g.value(publisher, FOAF.name) == Literal("Sở Y tế thành phố")
        contact = g.value(ds, DCAT.contactPoint)
        assert g.value(contact, VCARD.fn) == Literal("Nguyễn Thị Lan")
        assert g.value(contact, VCARD.hasEmail) == URIRef("mailto:lan@syt.example.vn")
        assert g.value(ds, DCTERMS.accrualPeriodicity) == URIRef(
            "http://publications.europa.eu/resource/authority/frequency/QUARTERLY"
        )
        sizes = sorted(int(g.value(d, DCAT.byteSize)) for d in g.objects(ds, DCAT.distribution))
        assert sizes == [20480, 40960]
        checksums = {str(g.value(g.value(d, SPDX.checksum), SPDX.checksumValue)) for d in g.objects(ds, DCAT.distribution)}
        assert SHA256 in checksums
        _assert_no_private(r.text, datasets["private"])


@pytest.mark.parametrize("ext", list(FORMATS))
def test_catalog_every_format(base, datasets, ext):
    r = _get(f"{base}/catalog.{ext}")
    g = _parse(r, ext)
    catalog = URIRef(base)
    assert (catalog, RDF.type, DCAT.Catalog) in g
    assert URIRef(f"{base}/dataset/{datasets['complete']['id']}") in set(g.objects(catalog, DCAT.dataset))
    pages = list(g.subjects(RDF.type, HYDRA.PagedCollection))
    assert pages == [URIRef(f"{base}/catalog.{ext}?page=1")]
    total = int(g.value(pages[0], HYDRA.totalItems))
    assert total == len(list(g.objects(catalog, DCAT.dataset)))
    _assert_no_private(r.text, datasets["private"])


def test_private_dataset_is_never_served(base, datasets):
    private = datasets["private"]
    token = _env("KHO_TOKEN")
    for key in (private["id"], private["name"]):
        for ext in FORMATS:
            for headers in ({}, {"Authorization": token}):
                r = _get(f"{base}/dataset/{key}.{ext}", headers=headers)
                assert r.status_code == 404, r.text
                _assert_no_private(r.text, private)
        r = _get(f"{base}/dataset/{key}.jsonld", params={"profile": "schemaorg"}, headers={"Authorization": token})
        assert r.status_code == 404
    # Searching for it by name finds nothing, and it is not counted.
    r = _get(f"{base}/catalog.ttl", params={"q": f"name:{PRIVATE_NAME}"}, headers={"Authorization": token})
    g = _parse(r, "ttl")
    assert list(g.objects(URIRef(base), DCAT.dataset)) == []
    assert list(g.subjects(RDF.type, HYDRA.PagedCollection)) == []
    # No match: no paging links either, so the query is not echoed.
    _assert_no_private(r.text, private)


def test_shacl_dataset_zero_violations(base, datasets):
    r = _get(f"{base}/dataset/{datasets['complete']['name']}.ttl")
    conforms, count, text = _violations(_parse(r, "ttl"))
    assert count == 0 and conforms, text


def test_shacl_catalog_page_zero_violations(base, datasets):
    # The catalogue page holding only the complete dataset: catalogue node included.
    r = _get(f"{base}/catalog.rdf", params={"q": f"name:{OPEN_NAME}"})
    g = _parse(r, "rdf")
    assert len(list(g.objects(URIRef(base), DCAT.dataset))) == 1
    conforms, count, text = _violations(g)
    assert count == 0 and conforms, text


def test_schema_org(base, datasets):
    complete = datasets["complete"]
    r = _get(f"{base}/dataset/{complete['name']}.jsonld", params={"profile": "schemaorg"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/ld+json")
    doc = r.json()
    assert doc["@type"] == "Dataset"
    assert doc["name"] == complete["title"]
    assert doc["isAccessibleForFree"] is True
    assert doc["temporalCoverage"] == "2020-01-01/2024-12-31"
    assert [d["contentUrl"] for d in doc["distribution"]] == [
        "https://syt.example.vn/files/co-so.csv",
        "https://syt.example.vn/files/co-so.json",
    ]
    # It is JSON-LD: rdflib reads it as schema.org triples (the remote context is
    # replaced by its vocabulary, so that nothing is fetched).
    doc["@context"] = {"@vocab": "https://schema.org/"}
    g = Graph()
    g.parse(data=json.dumps(doc), format="json-ld")
    schema = Namespace("https://schema.org/")
    dataset = URIRef(f"{base}/dataset/{complete['id']}")
    assert (dataset, RDF.type, schema.Dataset) in g
    assert g.value(dataset, schema.name) == Literal(complete["title"])
    assert len(list(g.objects(dataset, schema.distribution))) == 2


def test_content_negotiation(base, datasets):
    r = _get(f"{base}/dataset/{datasets['complete']['name']}", headers={"Accept": "text/turtle"})
    _parse(r, "ttl")
    r = _get(f"{base}/catalog", headers={"Accept": "application/rdf+xml"})
    _parse(r, "rdf")
    r = _get(f"{base}/catalog", headers={"Accept": "text/html"})
    assert r.status_code == 404


def test_bad_page_is_409(base):
    r = _get(f"{base}/catalog.ttl", params={"page": "0"})
    assert r.status_code == 409
    assert r.json()["error"]["__type"] == "Validation Error"
    r = _get(f"{base}/catalog.ttl", params={"modified_since": "not-a-date"})
    assert r.status_code == 409
