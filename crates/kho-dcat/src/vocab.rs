//! The vocabularies of the DCAT-AP 3 mapping, as IRI constants.

macro_rules! terms {
    ($ns:literal; $($name:ident = $local:literal),* $(,)?) => {
        /// The namespace IRI.
        pub const NS: &str = $ns;
        $(pub const $name: oxrdf::NamedNodeRef<'static> = oxrdf::NamedNodeRef::new_unchecked(concat!($ns, $local));)*
    };
}

pub mod dcat {
    terms!("http://www.w3.org/ns/dcat#";
        CATALOG = "Catalog", DATASET = "Dataset", DISTRIBUTION = "Distribution",
        DATA_SERVICE = "DataService", DATASET_PROP = "dataset", SERVICE = "service",
        DISTRIBUTION_PROP = "distribution", KEYWORD = "keyword", THEME = "theme",
        LANDING_PAGE = "landingPage", CONTACT_POINT = "contactPoint", VERSION = "version",
        ACCESS_URL = "accessURL", DOWNLOAD_URL = "downloadURL", MEDIA_TYPE = "mediaType",
        BYTE_SIZE = "byteSize", START_DATE = "startDate", END_DATE = "endDate",
        ENDPOINT_URL = "endpointURL", ENDPOINT_DESCRIPTION = "endpointDescription");
}

pub mod dct {
    terms!("http://purl.org/dc/terms/";
        TITLE = "title", DESCRIPTION = "description", IDENTIFIER = "identifier",
        ISSUED = "issued", MODIFIED = "modified", PUBLISHER = "publisher",
        ACCRUAL_PERIODICITY = "accrualPeriodicity", TEMPORAL = "temporal", SPATIAL = "spatial",
        LICENSE = "license", ACCESS_RIGHTS = "accessRights", FORMAT = "format",
        LANGUAGE = "language", PERIOD_OF_TIME = "PeriodOfTime", LOCATION = "Location",
        LICENSE_DOCUMENT = "LicenseDocument", RIGHTS_STATEMENT = "RightsStatement",
        FREQUENCY = "Frequency", MEDIA_TYPE = "MediaType",
        MEDIA_TYPE_OR_EXTENT = "MediaTypeOrExtent", LINGUISTIC_SYSTEM = "LinguisticSystem",
        CONFORMS_TO = "conformsTo", STANDARD = "Standard");
}

pub mod adms {
    terms!("http://www.w3.org/ns/adms#"; STATUS = "status");
}

pub mod foaf {
    terms!("http://xmlns.com/foaf/0.1/";
        AGENT = "Agent", NAME = "name", HOMEPAGE = "homepage", DOCUMENT = "Document");
}

pub mod vcard {
    terms!("http://www.w3.org/2006/vcard/ns#";
        KIND = "Kind", FN = "fn", HAS_EMAIL = "hasEmail");
}

pub mod spdx {
    terms!("http://spdx.org/rdf/terms#";
        CHECKSUM = "checksum", CHECKSUM_CLASS = "Checksum", ALGORITHM = "algorithm",
        CHECKSUM_VALUE = "checksumValue", CHECKSUM_ALGORITHM = "ChecksumAlgorithm",
        SHA256 = "checksumAlgorithm_sha256");
}

pub mod skos {
    terms!("http://www.w3.org/2004/02/skos/core#";
        CONCEPT = "Concept", PREF_LABEL = "prefLabel");
}

pub mod hydra {
    terms!("http://www.w3.org/ns/hydra/core#";
        PAGED_COLLECTION = "PagedCollection", TOTAL_ITEMS = "totalItems",
        ITEMS_PER_PAGE = "itemsPerPage", FIRST = "first", LAST = "last", NEXT = "next",
        PREVIOUS = "previous", FIRST_PAGE = "firstPage", LAST_PAGE = "lastPage",
        NEXT_PAGE = "nextPage", PREVIOUS_PAGE = "previousPage");
}

pub mod rdfs {
    terms!("http://www.w3.org/2000/01/rdf-schema#"; RESOURCE = "Resource", LABEL = "label");
}

/// The prefixes written in Turtle and RDF/XML (ckanext-dcat's names).
pub const PREFIXES: &[(&str, &str)] = &[
    ("dcat", dcat::NS),
    ("dct", dct::NS),
    ("foaf", foaf::NS),
    ("vcard", vcard::NS),
    ("spdx", spdx::NS),
    ("skos", skos::NS),
    ("hydra", hydra::NS),
    ("rdfs", rdfs::NS),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];
