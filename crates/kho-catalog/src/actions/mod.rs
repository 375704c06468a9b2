//! The actions of this release, and the helpers they share.

mod activity;
mod collaborators;
mod datarequests;
mod dataset_lists;
pub(crate) mod datasets;
mod deadlines;
mod grants;
mod group_packages;
mod groups;
mod harvest;
mod issues;
mod members;
mod merges;
mod misc;
mod personal_data;
mod quality;
mod resources;
mod revise;
mod scheming;
pub(crate) mod search;
pub mod services;
mod sharing;
mod tags;
mod tokens;
mod update_status;
mod users;

use kho_core::authz::{ActorUser, Capacity};
use kho_core::model::{Activity, Group, STATE_ACTIVE};
use kho_core::params::Params;
use kho_core::visibility::{caller_labels as caller_labels_of, CallerFacts};
use kho_core::{Error, Msg, Result};
use kho_store::Tx;
use serde_json::Value;

use crate::registry::{ParamDoc, Registry};
use crate::{Catalog, Ctx};

/// Register one action: name, GET-able, handler, docstring, params, result description.
macro_rules! action {
    ($reg:ident, $name:literal, $sef:expr, $f:path, $doc:expr, [$(($p:literal, $ty:literal, $req:expr, $pd:literal)),* $(,)?], $res:literal) => {
        $reg.add($crate::registry::ActionDef {
            name: $name,
            side_effect_free: $sef,
            doc: $doc,
            params: &[$($crate::registry::ParamDoc { name: $p, ty: $ty, required: $req, doc: $pd }),*],
            result: $res,
            handler: |c, x, p| Box::pin($f(c, x, p)),
            output: None,
        });
    };
    ($reg:ident, $name:literal, $sef:expr, $f:path, $doc:expr, $params:expr, $res:literal) => {
        $reg.add($crate::registry::ActionDef {
            name: $name,
            side_effect_free: $sef,
            doc: $doc,
            params: {
                const P: &[$crate::registry::ParamDoc] = $params;
                P
            },
            result: $res,
            handler: |c, x, p| Box::pin($f(c, x, p)),
            output: None,
        });
    };
}
pub(crate) use action;

/// Shorthand for a documented parameter in shared parameter tables.
pub(crate) const fn pd(
    name: &'static str,
    ty: &'static str,
    required: bool,
    doc: &'static str,
) -> ParamDoc {
    ParamDoc {
        name,
        ty,
        required,
        doc,
    }
}

pub fn registry() -> Registry {
    let mut r = Registry::default();
    misc::register(&mut r);
    search::register(&mut r);
    users::register(&mut r);
    tokens::register(&mut r);
    groups::register(&mut r);
    members::register(&mut r);
    merges::register(&mut r);
    datasets::register(&mut r);
    resources::register(&mut r);
    revise::register(&mut r);
    activity::register(&mut r);
    tags::register(&mut r);
    dataset_lists::register(&mut r);
    collaborators::register(&mut r);
    grants::register(&mut r);
    scheming::register(&mut r);
    harvest::register(&mut r);
    datarequests::register(&mut r);
    issues::register(&mut r);
    personal_data::register(&mut r);
    services::register(&mut r);
    quality::register(&mut r);
    deadlines::register(&mut r);
    sharing::register(&mut r);
    r
}

/// The logged-in caller, or CKAN's "Action X requires an authenticated user".
pub(crate) fn require_user<'a>(ctx: &'a Ctx, action: &str) -> Result<&'a ActorUser> {
    ctx.actor.user().ok_or_else(|| {
        Error::denied(
            Msg::new("Action %{action} requires an authenticated user").arg("action", action),
        )
    })
}

/// `User %{user} not authorized to …` with the caller's name (empty when anonymous).
pub(crate) fn not_authorized(ctx: &Ctx, template: &str) -> Error {
    Error::denied(Msg::new(template).arg("user", ctx.actor.display()))
}

/// `User %{user} not authorized to … %{id}` with the caller's name and the object's id.
pub(crate) fn not_authorized_on(ctx: &Ctx, template: &str, id: &str) -> Error {
    Error::denied(
        Msg::new(template)
            .arg("user", ctx.actor.display())
            .arg("id", id),
    )
}

/// A parameter that names an entity by id or name.
pub(crate) fn id_param(p: &Params, key: &str) -> Result<String> {
    kho_core::params::req_str(p, key)
}

/// The caller's effective capacity in a group: their own membership, or `admin` cascaded
/// from an ancestor where they are admin (CKAN's `roles_that_cascade_to_sub_groups`).
pub(crate) async fn capacity_in(
    tx: &mut dyn Tx,
    user_id: &str,
    group_id: &str,
) -> Result<Option<Capacity>> {
    let mut best: Option<Capacity> = None;
    if let Some(m) = tx.member_get(group_id, user_id, "user").await? {
        if m.state == STATE_ACTIVE {
            best = Capacity::parse(&m.capacity);
        }
    }
    if best == Some(Capacity::Admin) {
        return Ok(best);
    }
    // Walk up the hierarchy (bounded, cycles ignored).
    let mut frontier = vec![group_id.to_string()];
    let mut seen = std::collections::HashSet::new();
    while let Some(g) = frontier.pop() {
        if !seen.insert(g.clone()) || seen.len() > 64 {
            continue;
        }
        for parent in tx.member_of(&g, "group").await? {
            if let Some(m) = tx.member_get(&parent.group_id, user_id, "user").await? {
                if m.state == STATE_ACTIVE && m.capacity == "admin" {
                    return Ok(Some(Capacity::Admin));
                }
            }
            frontier.push(parent.group_id);
        }
    }
    Ok(best)
}

/// The caller's labels when no store read is needed to know them: everything for a
/// sysadmin (`None`), the public label for an anonymous caller.
pub(crate) fn labels_without_store(ctx: &Ctx) -> Option<Option<Vec<String>>> {
    if ctx.actor.is_sysadmin() {
        Some(None)
    } else if ctx.actor.user_id().is_none() {
        Some(caller_labels_of(false, None))
    } else {
        None
    }
}

/// The caller's permission labels (`kho_core::visibility`), `None` for a sysadmin: what
/// every read path passes to the store's dataset filter, matches against activity labels
/// and compares with a dataset's labels.
pub(crate) async fn caller_labels(
    c: &Catalog,
    tx: &mut dyn Tx,
    ctx: &Ctx,
) -> Result<Option<Vec<String>>> {
    if let Some(labels) = labels_without_store(ctx) {
        return Ok(labels);
    }
    let Some(uid) = ctx.actor.user_id() else {
        return Ok(caller_labels_of(false, None));
    };
    let groups = groups_with_capacity(tx, uid).await?;
    let government = tx.user_in_active_organization(uid).await?;
    let granted = tx
        .granted_package_ids(uid, &groups, kho_core::time::now_utc())
        .await?;
    let collaborations = if c.config().allow_dataset_collaborators {
        tx.collaborations_of_user(uid)
            .await?
            .into_iter()
            .map(|c| c.package_id)
            .collect()
    } else {
        Vec::new()
    };
    let facts = CallerFacts {
        user_id: uid.to_owned(),
        groups,
        government,
        granted,
        collaborations,
    };
    Ok(caller_labels_of(false, Some(&facts)))
}

/// Every group (organizations included) in which the user has a capacity, as
/// [`capacity_in`] decides for each: their active memberships, and every group below one
/// where they are admin.
pub(crate) async fn groups_with_capacity(tx: &mut dyn Tx, user_id: &str) -> Result<Vec<String>> {
    let mut out = std::collections::BTreeSet::new();
    let mut frontier = Vec::new();
    for m in tx.member_of(user_id, "user").await? {
        match Capacity::parse(&m.capacity) {
            Some(Capacity::Admin) => frontier.push(m.group_id.clone()),
            Some(_) => {}
            None => continue,
        }
        out.insert(m.group_id);
    }
    // Walk down the hierarchy from the groups they administer (cycles ignored).
    let mut seen = std::collections::HashSet::new();
    while let Some(g) = frontier.pop() {
        if !seen.insert(g.clone()) {
            continue;
        }
        for child in tx.member_list(&g, Some("group")).await? {
            out.insert(child.table_id.clone());
            frontier.push(child.table_id);
        }
    }
    Ok(out.into_iter().collect())
}

/// Look up an active-or-deleted group of the right kind; the wrong kind is "Not found".
pub(crate) async fn load_group(tx: &mut dyn Tx, id: &str, is_org: bool) -> Result<Option<Group>> {
    Ok(tx
        .group_get(id)
        .await?
        .filter(|g| g.is_organization == is_org))
}

/// Write one activity row.
pub(crate) async fn record_activity(
    tx: &mut dyn Tx,
    user_id: &str,
    object_id: &str,
    activity_type: &str,
    data: Value,
    labels: Vec<String>,
) -> Result<()> {
    record_activity_text(
        tx,
        user_id,
        object_id,
        activity_type,
        data.to_string(),
        labels,
    )
    .await
}

/// The data of a dataset activity, `{"package": <package_show dict>, "actor": <name>}`
/// as CKAN's activity plugin stores it, serialized from borrows: `json!` would first copy
/// the whole dict (1,000 resources) into a new `Value`.
#[derive(serde::Serialize)]
struct PackageActivityData<'a, P> {
    package: &'a P,
    actor: &'a str,
}

/// Write a dataset activity row for `package`, its `package_show` dict (a `Value` or a
/// `PackageDictSer`).
pub(crate) async fn record_package_activity<P: serde::Serialize + Sync>(
    tx: &mut dyn Tx,
    ctx: &Ctx,
    package: &P,
    activity_type: &str,
    d: &kho_core::model::Dataset,
) -> Result<()> {
    // Every dataset write records its activity here, so this is the one place that sees
    // every write which leaves a dataset open.
    personal_data::ensure_may_be_open(tx, d).await?;
    let data = serde_json::to_string(&PackageActivityData {
        package,
        actor: ctx.actor.display(),
    })
    .map_err(Error::internal)?;
    record_activity_text(
        tx,
        ctx.actor.user_id().unwrap_or_default(),
        &d.id,
        activity_type,
        data,
        kho_core::visibility::dataset_labels(d),
    )
    .await
}

async fn record_activity_text(
    tx: &mut dyn Tx,
    user_id: &str,
    object_id: &str,
    activity_type: &str,
    data: String,
    labels: Vec<String>,
) -> Result<()> {
    let a = Activity {
        id: uuid::Uuid::new_v4().to_string(),
        timestamp: kho_core::time::now_utc(),
        user_id: user_id.to_string(),
        object_id: object_id.to_string(),
        activity_type: activity_type.to_string(),
        data,
        permission_labels: labels,
    };
    tx.activity_insert(&a).await?;
    Ok(())
}

/// The caller is a sysadmin or fails with the given template.
pub(crate) fn require_sysadmin(ctx: &Ctx, template: &str) -> Result<()> {
    if ctx.actor.is_sysadmin() {
        Ok(())
    } else {
        Err(not_authorized(ctx, template))
    }
}

impl Catalog {
    /// Datasets of an organization or group visible to the caller: `(count, first rows)`.
    ///
    /// Every reader of dataset counts (show, list, list-for-user) goes through here, and
    /// it asks the search index exactly what `package_search` with
    /// `fq=owner_org:<id>` (or `groups:<name>`) and `include_private=true` asks, so the
    /// two always agree (CKAN's `group_dictize` runs that same search).
    pub(crate) async fn group_datasets(
        &self,
        tx: &mut dyn Tx,
        ctx: &Ctx,
        group: &Group,
        rows: usize,
    ) -> Result<(i64, Vec<Value>)> {
        let labels = caller_labels(self, tx, ctx).await?;
        let filter = if group.is_organization {
            format!("+owner_org:\"{}\"", group.id.replace('"', ""))
        } else {
            format!("+groups:\"{}\"", group.name.replace('"', ""))
        };
        let req = kho_search::SearchRequest {
            q: String::new(),
            fq: vec![filter, "+state:active".into()],
            labels,
            sort: kho_search::parse_sort("", &self.config().default_package_sort)
                .map_err(|e| Error::Internal(e.to_string()))?,
            rows,
            start: 0,
            facet_fields: Vec::new(),
            facet_limit: None,
            facet_mincount: 1,
            now: kho_core::time::now_utc(),
            include_private: true,
        };
        let index = self.search_index();
        let found = self
            .searching(move || index.search(&req))
            .await?
            .map_err(|e| Error::Internal(format!("search: {e}")))?;
        let dicts = found
            .results
            .iter()
            .filter_map(|s| serde_json::from_str::<Value>(s).ok())
            .collect();
        Ok((i64::try_from(found.count).unwrap_or(i64::MAX), dicts))
    }
}
