//! Datasets named in the `packages` list of `group_create` / `group_update` (CKAN's
//! `group_member_save(context, group_dict, 'packages')`).
//!
//! CKAN: each item needs an existing dataset (`package_id_or_name_exists`, "Dataset not
//! found"); create adds them all; update with a `packages` list makes the group hold
//! exactly those datasets (others are removed), and update without one leaves them. No
//! permission on the datasets is checked: the group's own permission (create a group,
//! admin of the group to update it) is all CKAN asks. Organizations ignore `packages`
//! on update in CKAN and, in kho, on create too: an organization's datasets are those it
//! owns (`owner_org`).
//!
//! kho adds visibility: a dataset the caller may not read, or a deleted one, is "Dataset
//! not found" (so the list cannot probe for private datasets), and an update keeps the
//! members the caller may not read, which they could not have listed.

use kho_core::error::{ErrorDict, Errors, FieldErrors};
use kho_core::model::{Member, STATE_ACTIVE, STATE_DELETED};
use kho_core::{Msg, Result};
use kho_store::Tx;

use super::datasets::can_read;
use crate::{Catalog, Ctx};

/// One `packages` item as given: the id or name (if any) and the capacity.
pub(crate) type PackageRef = (Option<String>, String);

/// The datasets the list names, as `(dataset id, capacity)`, or the items' errors added to
/// `errors` (one error dict per item, as navl reports lists of dicts).
pub(crate) async fn resolve(
    c: &Catalog,
    tx: &mut dyn Tx,
    ctx: &Ctx,
    refs: Option<&[PackageRef]>,
    errors: &mut Errors,
) -> Result<Option<Vec<(String, String)>>> {
    let Some(refs) = refs else {
        return Ok(None);
    };
    let mut items = Vec::new();
    let mut out: Vec<(String, String)> = Vec::new();
    for (r, capacity) in refs {
        let mut d = ErrorDict::new();
        let found = match r {
            None => {
                d.insert(
                    "id".into(),
                    FieldErrors::Messages(vec![Msg::new("Missing value")]),
                );
                None
            }
            Some(r) => {
                let ds = tx
                    .package_get(r)
                    .await?
                    .filter(|ds| ds.state != STATE_DELETED);
                let visible = match &ds {
                    Some(ds) => can_read(c, tx, ctx, ds).await?,
                    None => false,
                };
                if !visible {
                    d.insert(
                        "id".into(),
                        FieldErrors::Messages(vec![Msg::new("Dataset not found")]),
                    );
                }
                ds.filter(|_| visible)
            }
        };
        if let Some(ds) = found {
            // CKAN keeps the first mention of a dataset.
            if !out.iter().any(|(id, _)| *id == ds.id) {
                out.push((ds.id, capacity.clone()));
            }
        }
        items.push(d);
    }
    errors.set_items("packages", items);
    Ok(Some(out))
}

/// Make the group hold exactly `wanted`, apart from members the caller may not read.
/// Every dataset whose groups change gets a change-log row (its `groups` changed).
pub(crate) async fn save(
    c: &Catalog,
    tx: &mut dyn Tx,
    ctx: &Ctx,
    group_id: &str,
    wanted: &[(String, String)],
) -> Result<()> {
    let mut changed = Vec::new();
    for m in tx.member_list(group_id, Some("package")).await? {
        if wanted.iter().any(|(id, _)| *id == m.table_id) {
            continue;
        }
        let readable = match tx.package_get(&m.table_id).await? {
            Some(ds) => can_read(c, tx, ctx, &ds).await?,
            None => true,
        };
        if readable {
            tx.member_delete(group_id, &m.table_id, "package").await?;
            changed.push(m.table_id);
        }
    }
    for (id, capacity) in wanted {
        let current = tx.member_get(group_id, id, "package").await?;
        if current
            .as_ref()
            .is_some_and(|m| m.state == STATE_ACTIVE && m.capacity == *capacity)
        {
            continue;
        }
        let member = Member {
            id: current.map_or_else(|| uuid::Uuid::new_v4().to_string(), |m| m.id),
            group_id: group_id.into(),
            table_id: id.clone(),
            table_name: "package".into(),
            capacity: capacity.clone(),
            state: STATE_ACTIVE.into(),
        };
        tx.member_upsert(&member).await?;
        changed.push(id.clone());
    }
    for id in changed {
        tx.change_append("package", &id, "update").await?;
    }
    Ok(())
}
