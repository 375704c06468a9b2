//! The import stage: gathered items written through the catalogue's actions.

use std::collections::{HashMap, HashSet};

use kho_core::model::{HarvestSource, HarvestedDataset, STATE_ACTIVE};
use kho_core::{Error, FieldErrors};
use serde_json::{json, Map, Value};

use crate::gather::{Gathered, Item, Remote, RemoteOrg};
use crate::{Harvester, Progress, Tally};

/// Extras that the harvester owns on every dataset it writes.
const HARVEST_EXTRAS: &[&str] = &[
    "guid",
    "harvest_object_id",
    "harvest_source_id",
    "harvest_source_title",
    "harvest_hash",
];

/// Names of datasets are at most this long (CKAN's `PACKAGE_NAME_MAX_LENGTH`).
const NAME_MAX: usize = 100;

/// The namespace of the stable ids of harvested datasets (UUID v5 of source id and guid).
const ID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6b68_6f2d_6861_7276_6573_742d_6964_7300);

enum Outcome {
    Created,
    Updated,
    Unchanged,
}

pub(crate) struct Importer<'h> {
    h: &'h Harvester,
    source: HarvestSource,
    /// The local organization every dataset goes to (`--org`).
    fixed_org: Option<String>,
    /// Remote organization name → local organization id (or why there is none).
    orgs: HashMap<String, Result<String, String>>,
    /// This source's local datasets by guid.
    local: HashMap<String, HarvestedDataset>,
}

impl<'h> Importer<'h> {
    pub(crate) async fn new(h: &'h Harvester, source: &HarvestSource) -> Result<Self, String> {
        let mut tx = h.catalog.store().read().await.map_err(|e| e.to_string())?;
        let local = tx
            .harvested_datasets(&source.id)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter_map(|d| d.guid.clone().map(|g| (g, d)))
            .collect();
        Ok(Importer {
            h,
            source: source.clone(),
            fixed_org: None,
            orgs: HashMap::new(),
            local,
        })
    }

    /// Every dataset goes to this existing organization.
    pub(crate) async fn fix_organization(&mut self, org: &str) -> Result<(), String> {
        match self.local_group(org).await? {
            Some(g) if g.is_organization && g.state == STATE_ACTIVE => {
                self.fixed_org = Some(g.id);
                Ok(())
            }
            _ => Err(format!("the organization {org} does not exist")),
        }
    }

    pub(crate) async fn import(
        &mut self,
        gathered: Gathered,
        full: bool,
        tally: &mut Tally,
        progress: &dyn Progress,
    ) -> Result<(), String> {
        progress.importing(gathered.items.len());
        let mut seen = HashSet::new();
        for (done, item) in gathered.items.into_iter().enumerate() {
            match item {
                Item::Upsert(remote) => {
                    seen.insert(remote.guid.clone());
                    match self.upsert(&remote).await {
                        Ok(Outcome::Created) => tally.created += 1,
                        Ok(Outcome::Updated) => tally.updated += 1,
                        Ok(Outcome::Unchanged) => tally.unchanged += 1,
                        Err(e) => tally.errors.push(format!("{}: {e}", remote.guid)),
                    }
                }
                Item::Gone { guid } => {
                    seen.insert(guid.clone());
                    if let Some(id) = self.active_local(&guid) {
                        match self.delete(&id).await {
                            Ok(()) => tally.deleted += 1,
                            Err(e) => tally.errors.push(format!("{guid}: {e}")),
                        }
                    }
                }
            }
            progress.imported(done + 1);
        }
        // A full, complete gather names every dataset the source still has.
        if full && gathered.complete {
            let mut gone: Vec<(String, String)> = self
                .local
                .iter()
                .filter(|(guid, d)| d.state == STATE_ACTIVE && !seen.contains(*guid))
                .map(|(guid, d)| (guid.clone(), d.id.clone()))
                .collect();
            gone.sort();
            for (guid, id) in gone {
                match self.delete(&id).await {
                    Ok(()) => tally.deleted += 1,
                    Err(e) => tally.errors.push(format!("{guid}: {e}")),
                }
            }
        }
        Ok(())
    }

    fn active_local(&self, guid: &str) -> Option<String> {
        self.local
            .get(guid)
            .filter(|d| d.state == STATE_ACTIVE)
            .map(|d| d.id.clone())
    }

    async fn delete(&self, id: &str) -> Result<(), String> {
        self.call("package_delete", json!({ "id": id }))
            .await
            .map(|_| ())
    }

    async fn upsert(&mut self, r: &Remote) -> Result<Outcome, String> {
        let local = self.local.get(&r.guid).cloned();
        if let Some(l) = local.as_ref().filter(|l| l.state == STATE_ACTIVE) {
            let not_newer = r.modified.is_some_and(|m| m <= l.metadata_modified);
            let same_hash = r.hash.is_some() && r.hash == l.hash;
            if not_newer || same_hash {
                return Ok(Outcome::Unchanged);
            }
        }
        let owner = match &self.fixed_org {
            Some(id) => Some(id.clone()),
            None => match &r.org {
                Some(org) => Some(self.organization(org).await?),
                None => None,
            },
        };
        let mut params = r.dict.clone();
        if let Some(owner) = owner {
            params.insert("owner_org".into(), Value::String(owner));
        }
        params.insert("state".into(), Value::String(STATE_ACTIVE.into()));
        params.insert("extras".into(), self.extras(&params, r));
        match local {
            Some(l) => {
                params.insert("id".into(), Value::String(l.id.clone()));
                let name = self.unique_name(&r.name, Some(&l.id)).await?;
                params.insert("name".into(), Value::String(name));
                self.call("package_update", Value::Object(params)).await?;
                Ok(Outcome::Updated)
            }
            None => {
                let id = r.id.clone().unwrap_or_else(|| {
                    uuid::Uuid::new_v5(
                        &ID_NAMESPACE,
                        format!("{}\n{}", self.source.id, r.guid).as_bytes(),
                    )
                    .to_string()
                });
                // An id taken by a dataset of another origin stays with it.
                if !self.taken(&id).await? {
                    params.insert("id".into(), Value::String(id));
                }
                let name = self.unique_name(&r.name, None).await?;
                params.insert("name".into(), Value::String(name));
                self.call("package_create", Value::Object(params)).await?;
                Ok(Outcome::Created)
            }
        }
    }

    /// The remote's extras without the harvester's own, then the harvester's.
    fn extras(&self, params: &Map<String, Value>, r: &Remote) -> Value {
        let mut extras: Vec<Value> = match params.get("extras") {
            Some(Value::Array(list)) => list
                .iter()
                .filter(|e| {
                    e.get("key")
                        .and_then(Value::as_str)
                        .is_some_and(|k| !HARVEST_EXTRAS.contains(&k))
                })
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        extras.push(json!({"key": "guid", "value": r.guid}));
        extras.push(json!({"key": "harvest_object_id", "value": uuid::Uuid::new_v4().to_string()}));
        extras.push(json!({"key": "harvest_source_id", "value": self.source.id}));
        extras.push(json!({"key": "harvest_source_title", "value": self.source.title}));
        if let Some(hash) = &r.hash {
            extras.push(json!({"key": "harvest_hash", "value": hash}));
        }
        Value::Array(extras)
    }

    /// The local group or organization with this id or name.
    async fn local_group(
        &self,
        id_or_name: &str,
    ) -> Result<Option<kho_core::model::Group>, String> {
        let mut tx = self
            .h
            .catalog
            .store()
            .read()
            .await
            .map_err(|e| e.to_string())?;
        tx.group_get(id_or_name).await.map_err(|e| e.to_string())
    }

    /// The local organization of a remote one: the organization of that name, else a
    /// new one (ckanext-harvest's `remote_orgs = create`). Decided once per run.
    async fn organization(&mut self, org: &RemoteOrg) -> Result<String, String> {
        if let Some(known) = self.orgs.get(&org.name) {
            return known.clone();
        }
        let outcome = match self.local_group(&org.name).await? {
            Some(g) if g.is_organization && g.state == STATE_ACTIVE => Ok(g.id),
            Some(_) => Err(format!(
                "the organization {} exists locally but is not an active organization",
                org.name
            )),
            None => {
                let mut p = Map::new();
                p.insert("name".into(), Value::String(org.name.clone()));
                for (key, value) in [
                    ("title", &org.title),
                    ("description", &org.description),
                    ("image_url", &org.image_url),
                ] {
                    if let Some(v) = value {
                        p.insert(key.into(), Value::String(v.clone()));
                    }
                }
                self.call("organization_create", Value::Object(p))
                    .await
                    .and_then(|created| {
                        created
                            .get("id")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                            .ok_or_else(|| "organization_create returned no id".to_owned())
                    })
                    .map_err(|e| format!("creating the organization {}: {e}", org.name))
            }
        };
        self.orgs.insert(org.name.clone(), outcome.clone());
        outcome
    }

    async fn taken(&self, id: &str) -> Result<bool, String> {
        let mut tx = self
            .h
            .catalog
            .store()
            .read()
            .await
            .map_err(|e| e.to_string())?;
        Ok(tx
            .package_get(id)
            .await
            .map_err(|e| e.to_string())?
            .is_some_and(|d| d.id == id))
    }

    /// `base`, or `base-1`, `base-2`…: the first name no other dataset has.
    async fn unique_name(&self, base: &str, own_id: Option<&str>) -> Result<String, String> {
        let mut base = slug(base);
        if base.len() < 2 {
            base = "dataset".into();
        }
        let mut tx = self
            .h
            .catalog
            .store()
            .read()
            .await
            .map_err(|e| e.to_string())?;
        for n in 0..1000u32 {
            let candidate = if n == 0 {
                truncate(&base, NAME_MAX)
            } else {
                let suffix = format!("-{n}");
                format!("{}{suffix}", truncate(&base, NAME_MAX - suffix.len()))
            };
            match tx
                .package_get(&candidate)
                .await
                .map_err(|e| e.to_string())?
            {
                None => return Ok(candidate),
                Some(d) if Some(d.id.as_str()) == own_id => return Ok(candidate),
                Some(_) => {}
            }
        }
        Err(format!("no free name like {base}"))
    }

    async fn call(&self, action: &str, params: Value) -> Result<Value, String> {
        let Value::Object(params) = params else {
            return Err("parameters must be an object".into());
        };
        self.h
            .catalog
            .call(action, &self.h.ctx, params)
            .await
            .map_err(|e| format!("{action}: {}", describe(&e)))
    }
}

/// An action's error as one line of English.
pub(crate) fn describe(e: &Error) -> String {
    match e {
        Error::Validation(fields) => fields
            .iter()
            .map(|(field, errors)| match errors {
                FieldErrors::Messages(m) => format!(
                    "{field}: {}",
                    m.iter().map(|m| m.english()).collect::<Vec<_>>().join(" ")
                ),
                FieldErrors::Items(items) => {
                    let inner: Vec<String> = items
                        .iter()
                        .filter(|d| !d.is_empty())
                        .map(|d| describe(&Error::Validation(d.clone())))
                        .collect();
                    format!("{field}: {}", inner.join("; "))
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        Error::NotAuthorized(Some(m))
        | Error::NotFound(Some(m))
        | Error::ValidationMessage(m)
        | Error::BadRequest(m)
        | Error::SearchQuery(m)
        | Error::Search(m) => m.english(),
        other => other.to_string(),
    }
}

/// A CKAN name from any text: folded (Vietnamese diacritics removed), lowercase, runs of
/// other characters as one `-`, at most 100 characters.
pub(crate) fn slug(s: &str) -> String {
    let folded = kho_core::fold::fold(s);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    truncate(out, NAME_MAX).trim_end_matches('-').to_owned()
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Sở Tài nguyên và Môi trường"),
            "so-tai-nguyen-va-moi-truong"
        );
        assert_eq!(slug("  Air quality (2026) "), "air-quality-2026");
        assert_eq!(slug("a_b"), "a_b");
        assert_eq!(slug(&"x".repeat(150)).len(), 100);
    }

    #[test]
    fn errors_read_as_text() {
        let mut fields = kho_core::error::Errors::new();
        fields.add("name", "That URL is already in use.");
        assert_eq!(
            describe(&Error::Validation(fields.0)),
            "name: That URL is already in use."
        );
        assert_eq!(
            describe(&Error::not_found("Package was not found.")),
            "Package was not found."
        );
    }
}
