//! Agency merges and renames (requirement 19): an organization merged into another takes
//! its datasets, members and access grants along in one transaction, and every former name
//! of a dataset, organization or group keeps resolving to the object that now holds it.
//!
//! Former names live in the store (`name_aliases`), and the store's `package_get` and
//! `group_get` fall back to them, so every action and address that takes an id or name
//! resolves them without code of its own. Search filters on `organization:` and `groups:`
//! are rewritten here at query time from the same table, so the index holds only current
//! names (facets show them) and never needs rebuilding for an alias.

use kho_core::authz::Capacity;
use kho_core::model::{
    Grantee, Group, Member, NameAlias, ALIAS_GROUP, STATE_ACTIVE, STATE_DELETED,
};
use kho_core::params::{req_str, Params};
use kho_core::visibility::{dataset_labels, PUBLIC_LABEL};
use kho_core::{Error, Msg, Result};
use kho_store::Tx;
use serde_json::{json, Value};

use super::datasets::dataset_dict;
use super::{action, load_group, pd, record_activity, record_package_activity, require_user};
use crate::{Catalog, Ctx};
use kho_core::dataset::PackageDictOptions;

pub fn register(r: &mut crate::registry::Registry) {
    action!(
        r,
        "organization_merge",
        false,
        organization_merge,
        "Merge one organization into another (sysadmins only): every dataset, member and \
         access grant of `id` moves to `into` in one transaction; a user in both keeps the \
         higher capacity. `id` becomes deleted and its name (and former names) a former \
         name of `into`, so old links, `*_show` calls and `fq=organization:<old name>` \
         keep working.",
        &[
            pd(
                "id",
                "string",
                true,
                "the id or name of the organization that goes"
            ),
            pd(
                "into",
                "string",
                true,
                "the id or name of the organization that takes it in"
            ),
        ],
        "`{id, name, merged_id, merged_name, datasets, members, grants}`: the organization \
         that took the other in and how many datasets, members and grants moved"
    );
}

/// After a rename in the same transaction: leave the old name as a former name of `id`,
/// and forget `new_name` as a former name (the object takes it back).
pub(crate) async fn record_rename(
    tx: &mut dyn Tx,
    kind: &str,
    old_name: &str,
    new_name: &str,
    id: &str,
    user_id: &str,
) -> Result<()> {
    tx.alias_delete(kind, new_name).await?;
    tx.alias_put(&NameAlias {
        kind: kind.to_owned(),
        name: old_name.to_owned(),
        target_id: id.to_owned(),
        created: kho_core::time::now_utc(),
        created_by: user_id.to_owned(),
    })
    .await?;
    Ok(())
}

/// The fields whose values are organization or group names.
const NAME_FIELDS: [&str; 2] = ["organization", "groups"];

/// Spans `(start, end)` of the values of `field:value` / `field:"value"` terms on a
/// name field in a filter query, with the value. Grouped values (`field:(a OR b)`) are
/// left alone.
fn name_terms(fq: &str) -> Vec<(usize, usize, String)> {
    let bytes = fq.as_bytes();
    let mut out = Vec::new();
    for field in NAME_FIELDS {
        let pattern = format!("{field}:");
        let mut from = 0;
        while let Some(pos) = fq[from..].find(&pattern) {
            let at = from + pos;
            from = at + pattern.len();
            let starts_term = at == 0
                || matches!(
                    bytes[at - 1],
                    b' ' | b'\t' | b'\n' | b'+' | b'-' | b'(' | b'!'
                );
            if !starts_term {
                continue;
            }
            let quoted = bytes.get(from) == Some(&b'"');
            let start = if quoted { from + 1 } else { from };
            let len = fq[start..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
                .count();
            let end = start + len;
            if len == 0 || (quoted && bytes.get(end) != Some(&b'"')) {
                continue;
            }
            out.push((start, end, fq[start..end].to_owned()));
        }
    }
    out.sort_by_key(|t| t.0);
    out
}

impl Catalog {
    /// Filter queries with every former organization or group name in an `organization:`
    /// or `groups:` term replaced by the current name. A store read only when such a
    /// term is there at all.
    pub(crate) async fn resolve_name_aliases(&self, fq: Vec<String>) -> Result<Vec<String>> {
        if !fq.iter().any(|f| !name_terms(f).is_empty()) {
            return Ok(fq);
        }
        let mut tx = self.store().read().await?;
        let mut out = Vec::with_capacity(fq.len());
        for f in fq {
            let mut rewritten = String::with_capacity(f.len());
            let mut last = 0;
            for (start, end, name) in name_terms(&f) {
                if tx.alias_get(ALIAS_GROUP, &name).await?.is_none() {
                    continue;
                }
                // A live group of that name wins, as in `group_get`.
                let Some(g) = tx.group_get(&name).await? else {
                    continue;
                };
                if g.name == name || g.id == name {
                    continue;
                }
                rewritten.push_str(&f[last..start]);
                rewritten.push_str(&g.name);
                last = end;
            }
            rewritten.push_str(&f[last..]);
            out.push(rewritten);
        }
        Ok(out)
    }
}

fn org_error(field: &str, text: &'static str) -> Error {
    Error::field(field, text)
}

pub(crate) async fn organization_merge(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let user = require_user(ctx, "organization_merge")?;
    if !ctx.actor.is_sysadmin() {
        return Err(Error::denied(
            Msg::new("User %{user} not authorized to merge organizations")
                .arg("user", ctx.actor.display()),
        ));
    }
    let actor_id = user.id.clone();
    let from_ref = req_str(&p, "id")?;
    let into_ref = req_str(&p, "into")?;
    let mut tx = c.store().begin().await?;
    let from = load_group(tx.as_mut(), &from_ref, true)
        .await?
        .ok_or_else(|| Error::not_found("Organization was not found."))?;
    let Some(into) = load_group(tx.as_mut(), &into_ref, true).await? else {
        return Err(org_error("into", "Organization does not exist"));
    };
    if from.id == into.id {
        return Err(org_error(
            "into",
            "An organization cannot be merged into itself",
        ));
    }
    if from.state == STATE_DELETED {
        return Err(org_error("id", "Organization is deleted"));
    }
    if into.state == STATE_DELETED {
        return Err(org_error("into", "Organization is deleted"));
    }
    let now = kho_core::time::now_utc();

    // Datasets: a new owner, and a new timestamp so that incremental harvesters see the
    // new organization. Not a deletion: no tombstone (the labels stay open if they were).
    let mut moved = Vec::new();
    let mut open_moved = Vec::new();
    for id in tx.package_ids_in_group(&from.id).await? {
        let Some(old) = tx.package_get(&id).await? else {
            continue;
        };
        if old.owner_org.as_deref() != Some(from.id.as_str()) {
            continue;
        }
        let mut d = old.clone();
        d.owner_org = Some(into.id.clone());
        d.metadata_modified = now;
        tx.package_update_from(&old, &d).await?;
        let dict = dataset_dict(c, tx.as_mut(), &d, PackageDictOptions::default()).await?;
        record_package_activity(tx.as_mut(), ctx, &dict, "changed package", &d).await?;
        if dataset_labels(&d).iter().any(|l| l == PUBLIC_LABEL) {
            open_moved.push(d.id.clone());
        }
        moved.push(d.id);
    }

    // Members: users keep the higher of their two capacities; sub-organizations follow.
    let mut members = 0;
    for m in tx.member_list(&from.id, None).await? {
        tx.member_delete(&from.id, &m.table_id, &m.table_name)
            .await?;
        if m.table_name == "package" {
            continue;
        }
        if m.table_name == "group" && m.table_id == into.id {
            continue;
        }
        let mut capacity = m.capacity.clone();
        if let Some(there) = tx.member_get(&into.id, &m.table_id, &m.table_name).await? {
            if there.state == STATE_ACTIVE {
                let theirs = Capacity::parse(&there.capacity);
                if theirs.is_some_and(|t| Capacity::parse(&m.capacity).is_none_or(|c| t >= c)) {
                    capacity = there.capacity;
                }
            }
        }
        tx.member_upsert(&Member {
            id: uuid::Uuid::new_v4().to_string(),
            group_id: into.id.clone(),
            table_id: m.table_id.clone(),
            table_name: m.table_name.clone(),
            capacity,
            state: STATE_ACTIVE.into(),
        })
        .await?;
        if m.table_name == "user" {
            members += 1;
        }
    }
    // Its own place in a hierarchy goes with it.
    for m in tx.member_of(&from.id, "group").await? {
        tx.member_delete(&m.group_id, &from.id, "group").await?;
    }

    // Grants to the old organization become grants to the new one (a grant the new one
    // already holds on the same dataset stays as it is). Grants on its datasets moved
    // with them.
    let mut grants = 0;
    for g in tx.grants_to(Grantee::Organization, &from.id).await? {
        tx.grant_delete(&g.package_id, Grantee::Organization, &from.id)
            .await?;
        let held = tx
            .grants_of_package(&g.package_id)
            .await?
            .into_iter()
            .any(|x| x.grantee_type == Grantee::Organization && x.grantee_id == into.id);
        if !held {
            let mut moved_grant = g.clone();
            moved_grant.grantee_id = into.id.clone();
            tx.grant_upsert(&moved_grant).await?;
        }
        grants += 1;
    }

    // Names: every former name of the old organization, and its name, now lead to the
    // new one. The old row keeps its id, with its id as its name (as a deleted dataset
    // frees its name), so that its name resolves to the alias.
    tx.aliases_retarget(ALIAS_GROUP, &from.id, &into.id).await?;
    let mut gone = from.clone();
    gone.state = STATE_DELETED.into();
    gone.name = from.id.clone();
    tx.group_update(&gone).await?;
    tx.alias_put(&NameAlias {
        kind: ALIAS_GROUP.to_owned(),
        name: from.name.clone(),
        target_id: into.id.clone(),
        created: now,
        created_by: actor_id.clone(),
    })
    .await?;

    let merge = json!({
        "from": {"id": from.id, "name": from.name},
        "into": {"id": into.id, "name": into.name},
        "datasets": moved.len(),
        // Only open datasets are named: organization activity is public.
        "open_dataset_ids": open_moved,
        "members": members,
        "grants": grants,
    });
    for (g, who) in [(&gone, "merged into"), (&into, "merged from")] {
        record_activity(
            tx.as_mut(),
            &actor_id,
            &g.id,
            "changed organization",
            json!({
                "group": group_brief(c, g),
                "actor": ctx.actor.display(),
                "merge": merge,
                "merge_role": who,
            }),
            vec![PUBLIC_LABEL.to_owned()],
        )
        .await?;
    }
    for id in &moved {
        tx.change_append("package", id, "update").await?;
    }
    tx.change_append("organization", &from.id, "update").await?;
    tx.change_append("organization", &into.id, "update").await?;
    tx.commit().await?;
    Ok(json!({
        "id": into.id,
        "name": into.name,
        "merged_id": from.id,
        "merged_name": from.name,
        "datasets": moved.len(),
        "members": members,
        "grants": grants,
    }))
}

fn group_brief(c: &Catalog, g: &Group) -> Value {
    Value::Object(crate::dictize::group_base(c.config(), g, None))
}

#[cfg(test)]
mod tests {
    use super::name_terms;

    fn values(fq: &str) -> Vec<String> {
        name_terms(fq).into_iter().map(|(_, _, v)| v).collect()
    }

    #[test]
    fn finds_name_terms_only() {
        assert_eq!(values("organization:so-a"), ["so-a"]);
        assert_eq!(
            values("+organization:\"so-a\" -groups:nhom_1 (organization:b OR tags:x)"),
            ["so-a", "nhom_1", "b"]
        );
        // Another field ending in the same word, a grouped value, an unclosed quote.
        assert!(values("suborganization:so-a").is_empty());
        assert!(values("organization:(a OR b)").is_empty());
        assert!(values("organization:\"so-a").is_empty());
        let fq = "x organization:so-a";
        let (start, end, _) = name_terms(fq)[0].clone();
        assert_eq!(&fq[start..end], "so-a");
    }
}
