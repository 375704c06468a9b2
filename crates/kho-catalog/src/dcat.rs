//! DCAT and schema.org output (ckanext-dcat's `dcat_catalog_show`, `dcat_dataset_show`
//! and the `structured_data` document), computed from the Action API's own results.
//!
//! Everything here runs as an anonymous caller, whoever asks: only open, active datasets
//! ever reach a DCAT document, so a harvester, a cache or a token holder's browser can
//! never carry private metadata out of the catalogue.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use kho_core::{Actor, Error, Msg, Result};
use kho_dcat::{DcatAp3, Format, Paging, Site};
use serde_json::{json, Map, Value};

use crate::{Catalog, Ctx};

/// The parameters of a catalogue page (`/catalog.{fmt}?page&modified_since&q&fq`), as
/// given: they are validated here.
#[derive(Debug, Clone, Default)]
pub struct CatalogQuery {
    pub page: Option<String>,
    pub modified_since: Option<String>,
    pub q: Option<String>,
    pub fq: Option<String>,
    /// ckanext-dcat's profile list: accepted and repeated in page links; kho has one
    /// RDF profile (DCAT-AP 3).
    pub profiles: Option<String>,
}

const PAGE_MESSAGE: &str = "Page param must be a positive integer starting in 1";
const DATE_MESSAGE: &str = "Wrong modified date format. Use ISO-8601 format";

/// `page`: an integer ≥ 1 (default 1).
fn page_number(page: Option<&str>) -> Result<u64> {
    match page.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(1),
        Some(p) => match p.parse::<u64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(Error::field("page", Msg::new(PAGE_MESSAGE))),
        },
    }
}

/// `modified_since` in the ISO 8601 forms people write (a date, a local time taken as
/// UTC, or a time with `Z` or an offset), as a Solr UTC timestamp.
pub fn modified_since(value: &str) -> Result<String> {
    let v = value.trim();
    let bad = || Error::field("modified_since", Msg::new(DATE_MESSAGE));
    let utc = if let Ok(dt) = DateTime::parse_from_rfc3339(v) {
        dt.naive_utc()
    } else if let Some(dt) = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
    {
        dt
    } else if let Some(d) = ["%Y-%m-%d", "%Y%m%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(v, f).ok())
    {
        d.and_hms_opt(0, 0, 0).ok_or_else(bad)?
    } else {
        return Err(bad());
    };
    // The index keeps timestamps as i64 nanoseconds (years 1678 to 2261): a bound
    // beyond them is moved inside, which selects the same datasets.
    let earliest = NaiveDate::from_ymd_opt(1678, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let latest = NaiveDate::from_ymd_opt(2261, 12, 31).and_then(|d| d.and_hms_opt(0, 0, 0));
    let utc = match (earliest, latest) {
        (Some(lo), Some(hi)) => utc.clamp(lo, hi),
        _ => utc,
    };
    Ok(utc.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string())
}

impl Catalog {
    /// The catalogue as DCAT sees it (`dcat_base_uri`, publisher, title, language).
    pub fn dcat_site(&self) -> Site {
        let c = self.config();
        let base = if c.dcat_base_uri.trim().is_empty() {
            c.site_url.clone()
        } else {
            c.dcat_base_uri.clone()
        };
        Site {
            base_uri: base.trim_end_matches('/').to_string(),
            site_url: c.site_url.trim_end_matches('/').to_string(),
            title: c.site_title.clone(),
            description: c.site_description.clone(),
            language: c.locale_default.clone(),
            publisher_name: if c.dcat_publisher_name.trim().is_empty() {
                c.site_title.clone()
            } else {
                c.dcat_publisher_name.clone()
            },
            publisher_uri: Some(c.dcat_publisher_uri.clone()).filter(|u| !u.trim().is_empty()),
        }
    }

    fn anonymous(&self) -> Ctx {
        Ctx::new(Actor::Anonymous, self.config().locale_default.clone())
    }

    /// ckanext-dcat's `_search_ckan_datasets`: one page of open datasets, newest change
    /// first, without harvest sources and showcases.
    async fn dcat_search(
        &self,
        query: &CatalogQuery,
        page: u64,
        since: Option<&str>,
    ) -> Result<Value> {
        let per_page = self.config().dcat_datasets_per_page.max(1);
        let mut fq_list = vec![
            json!("-dataset_type:harvest"),
            json!("-dataset_type:showcase"),
        ];
        if let Some(s) = since {
            fq_list.push(json!(format!("metadata_modified:[{s} TO *]")));
        }
        let mut p = Map::new();
        let q = query
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .unwrap_or("*:*");
        p.insert("q".into(), json!(q));
        if let Some(fq) = query.fq.as_deref().filter(|f| !f.trim().is_empty()) {
            p.insert("fq".into(), json!(fq));
        }
        p.insert("fq_list".into(), Value::Array(fq_list));
        p.insert("rows".into(), json!(per_page));
        p.insert("start".into(), json!(per_page.saturating_mul(page - 1)));
        p.insert("sort".into(), json!("metadata_modified desc"));
        p.insert("facet".into(), json!("false"));
        self.call("package_search", &self.anonymous(), p).await
    }

    /// The newest `metadata_modified` of an open dataset (the catalogue's `dct:modified`).
    async fn newest_change(&self) -> Result<Option<String>> {
        let mut p = Map::new();
        p.insert("q".into(), json!("*:*"));
        p.insert("rows".into(), json!(1));
        p.insert("sort".into(), json!("metadata_modified desc"));
        p.insert("facet".into(), json!("false"));
        let r = self.call("package_search", &self.anonymous(), p).await?;
        Ok(r["results"][0]["metadata_modified"]
            .as_str()
            .map(str::to_string))
    }

    /// A catalogue page (`/catalog.{ext}`): DCAT-AP 3 with Hydra paging, serialized.
    /// `ext` is the extension asked for; page links repeat it.
    pub async fn dcat_catalog(
        &self,
        query: &CatalogQuery,
        format: Format,
        ext: &str,
    ) -> Result<Vec<u8>> {
        let page = page_number(query.page.as_deref())?;
        let since = query
            .modified_since
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(modified_since)
            .transpose()?;
        let found = self.dcat_search(query, page, since.as_deref()).await?;
        let modified = self.newest_change().await?;
        let datasets = match found.get("results") {
            Some(Value::Array(r)) => r.clone(),
            _ => Vec::new(),
        };
        let site = self.dcat_site();
        let mut params = Vec::new();
        for (k, v) in [
            ("modified_since", &query.modified_since),
            ("profiles", &query.profiles),
            ("q", &query.q),
            ("fq", &query.fq),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                params.push((k.to_string(), v.to_string()));
            }
        }
        let paging = Paging {
            count: found["count"].as_u64().unwrap_or(0),
            items_per_page: self.config().dcat_datasets_per_page.max(1),
            page,
            on_page: datasets.len() as u64,
            url: format!("{}/catalog.{ext}", site.base_uri),
            params,
        };
        let schema = self.config().profiles.dataset.clone();
        let service = self.config().profiles.service.clone();
        tokio::task::spawn_blocking(move || {
            let profile = DcatAp3::new(schema.as_deref()).with_service(service.as_deref());
            let g = kho_dcat::catalog_graph(
                &profile,
                &site,
                &datasets,
                modified.as_deref(),
                Some(&paging),
            );
            g.serialize(format)
        })
        .await
        .map_err(|e| Error::Internal(format!("dcat: {e}")))?
        .map_err(|e| Error::Internal(e.to_string()))
    }

    /// An open, active dataset's `package_show` dict, by id or name; anything else is
    /// "not found" (never "not authorized": that would confirm a private dataset exists).
    pub async fn open_dataset(&self, id: &str) -> Result<Value> {
        let not_found = || Error::not_found(Msg::new("Dataset not found"));
        let mut p = Map::new();
        p.insert("id".into(), json!(id));
        let d = match self.call("package_show", &self.anonymous(), p).await {
            Ok(d) => d,
            Err(Error::NotAuthorized(_) | Error::NotFound(_) | Error::Validation(_)) => {
                return Err(not_found())
            }
            Err(e) => return Err(e),
        };
        let open = d["private"] == json!(false) && d["state"] == json!("active");
        let excluded = matches!(d["type"].as_str(), Some("harvest" | "showcase"));
        if open && !excluded {
            Ok(d)
        } else {
            Err(not_found())
        }
    }

    /// `/dataset/{id}.{fmt}`: one open dataset in DCAT-AP 3.
    pub async fn dcat_dataset(&self, id: &str, format: Format) -> Result<Vec<u8>> {
        let d = self.open_dataset(id).await?;
        let site = self.dcat_site();
        let profiles = &self.config().profiles;
        let profile =
            DcatAp3::new(profiles.dataset.as_deref()).with_service(profiles.service.as_deref());
        kho_dcat::dataset_graph(&profile, &site, &d)
            .serialize(format)
            .map_err(|e| Error::Internal(e.to_string()))
    }

    /// `/dataset/{id}.jsonld?profile=schemaorg`: one open dataset as a schema.org
    /// `Dataset` (what ckanext-dcat's `structured_data` plugin embeds in dataset pages).
    pub async fn schemaorg_dataset(&self, id: &str) -> Result<Value> {
        let d = self.open_dataset(id).await?;
        Ok(kho_dcat::schemaorg::dataset(&self.dcat_site(), &d, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        assert_eq!(page_number(None).unwrap(), 1);
        assert_eq!(page_number(Some("3")).unwrap(), 3);
        for bad in ["0", "-1", "x", "1.5", "99999999999999999999999"] {
            assert!(
                matches!(page_number(Some(bad)), Err(Error::Validation(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn since() {
        assert_eq!(
            modified_since("2024-01-02").unwrap(),
            "2024-01-02T00:00:00Z"
        );
        assert_eq!(
            modified_since("2024-01-02T03:04:05").unwrap(),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            modified_since("2024-01-02T03:04:05.5").unwrap(),
            "2024-01-02T03:04:05.500Z"
        );
        assert_eq!(
            modified_since("2024-01-02T10:04:05+07:00").unwrap(),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            modified_since("2024-01-02T03:04:05Z").unwrap(),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            modified_since("2999-01-01").unwrap(),
            "2261-12-31T00:00:00Z"
        );
        assert_eq!(
            modified_since("0001-01-01").unwrap(),
            "1678-01-01T00:00:00Z"
        );
        for bad in ["yesterday", "2024-13-01", "", "2024-01-02T25:00:00"] {
            assert!(
                matches!(modified_since(bad), Err(Error::Validation(_))),
                "{bad}"
            );
        }
    }
}
