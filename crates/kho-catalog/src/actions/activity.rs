//! The activity plugin's read actions (ckanext/activity/logic/action.py): activity lists of
//! a dataset, organization, group or user and of recently changed datasets, one activity,
//! its data and its diff with the previous one.
//!
//! Every list is filtered in the store by the permission labels the activity was written
//! with (CKAN's `DefaultPermissionLabels`): the caller reads the activities labelled
//! `public`, `member-<org>` for each organization where they have a capacity, and
//! `creator-<their id>`; a sysadmin reads everything. An activity without labels is
//! everyone's.

use chrono::NaiveDateTime;
use kho_core::model::{Activity, STATE_ACTIVE};
use kho_core::params::{opt_list, opt_natural, opt_str, Params};
use kho_core::{Error, Msg, Result};
use kho_store::{ActivityQuery, ActivityScope, Tx};
use serde_json::{json, Map, Value};

use super::datasets::{can_read, read_denied};
use super::{action, caller_labels, id_param, load_group, pd};
use crate::registry::{ParamDoc, Registry};
use crate::{Catalog, Ctx};

/// `ckan.activity_list_limit` and `ckan.activity_list_limit_max`.
const DEFAULT_LIMIT: i64 = 31;
const MAX_LIMIT: i64 = 100;

/// The activity types of datasets (`recently_changed_packages_activity_list`).
const PACKAGE_TYPES: &[&str] = &["new package", "changed package", "deleted package"];

const PAGE_PARAMS: [ParamDoc; 4] = [
    pd("offset", "integer", false, "skip this many (default 0)"),
    pd(
        "limit",
        "integer",
        false,
        "at most this many (default 31, at most 100)",
    ),
    pd(
        "after",
        "number",
        false,
        "only activities after this unix timestamp (the oldest ones first, listed newest first)",
    ),
    pd(
        "before",
        "number",
        false,
        "only activities before this unix timestamp",
    ),
];

const LIST_PARAMS: &[ParamDoc] = &[
    pd("id", "string", true, "the id or name of the object"),
    PAGE_PARAMS[0],
    PAGE_PARAMS[1],
    PAGE_PARAMS[2],
    PAGE_PARAMS[3],
    pd(
        "activity_types",
        "array",
        false,
        "only activities of these types (not with exclude_activity_types)",
    ),
    pd(
        "exclude_activity_types",
        "array",
        false,
        "no activity of these types (not with activity_types)",
    ),
];

const RECENT_PARAMS: &[ParamDoc] = &[
    PAGE_PARAMS[0],
    PAGE_PARAMS[1],
    PAGE_PARAMS[2],
    PAGE_PARAMS[3],
];

const SHOW_PARAMS: &[ParamDoc] = &[pd("id", "string", true, "the id of the activity")];

const DATA_PARAMS: &[ParamDoc] = &[
    pd("id", "string", true, "the id of the activity"),
    pd(
        "object_type",
        "string",
        false,
        "'package', 'user', 'group' or 'organization': return only that part of the data",
    ),
];

const DIFF_PARAMS: &[ParamDoc] = &[
    pd("id", "string", true, "the id of the activity"),
    pd(
        "object_type",
        "string",
        false,
        "'package' (default), 'user', 'group' or 'organization'",
    ),
    pd("diff_type", "string", false, "'unified' (the default)"),
];

#[rustfmt::skip]
pub(crate) fn register(r: &mut Registry) {
    action!(r, "package_activity_list", true, package_activity_list,
        "Return a dataset's activity stream, newest first, as the caller may read it.\n\n:param id: the id or name of the dataset\n:param offset, limit (31, max 100), after, before: paging\n:param activity_types, exclude_activity_types: type filters (one or the other)\n:rtype: list of activity dicts",
        LIST_PARAMS, "array");
    action!(r, "organization_activity_list", true, organization_activity_list,
        "Return an organization's activity stream and that of its datasets, newest first, as the caller may read it.\n\n:param id: the id or name of the organization\n:param offset, limit (31, max 100), after, before: paging\n:param activity_types, exclude_activity_types: type filters (one or the other)\n:rtype: list of activity dicts",
        LIST_PARAMS, "array");
    action!(r, "group_activity_list", true, group_activity_list,
        "Return a group's activity stream and that of its datasets, newest first, as the caller may read it.\n\n:param id: the id or name of the group\n:param offset, limit (31, max 100), after, before: paging\n:param activity_types, exclude_activity_types: type filters (one or the other)\n:rtype: list of activity dicts",
        LIST_PARAMS, "array");
    action!(r, "user_activity_list", true, user_activity_list,
        "Return the activities done by or about a user, newest first, as the caller may read them.\n\n:param id: the id or name of the user\n:param offset, limit (31, max 100), after, before: paging\n:rtype: list of activity dicts",
        LIST_PARAMS, "array");
    action!(r, "recently_changed_packages_activity_list", true, recently_changed_packages_activity_list,
        "Return the site's dataset activities, newest first, as the caller may read them.\n\n:param offset, limit (31, max 100), after, before: paging\n:rtype: list of activity dicts",
        RECENT_PARAMS, "array");
    action!(r, "activity_show", true, activity_show,
        "Return one activity.\n\n:param id: the id of the activity\n:rtype: activity dict",
        SHOW_PARAMS, "object");
    action!(r, "activity_data_show", true, activity_data_show,
        "Return the data of one activity (e.g. the dataset as it was).\n\n:param id: the id of the activity\n:param object_type: 'package', 'user', 'group' or 'organization' (optional)\n:rtype: dictionary",
        DATA_PARAMS, "object");
    action!(r, "activity_diff", true, activity_diff,
        "Return a unified diff of an activity's object against the previous activity of the same object.\n\n:param id: the id of the activity\n:param object_type: 'package' (default), 'user', 'group' or 'organization'\n:param diff_type: 'unified'\n:returns: {diff, activities: [previous, this]}",
        DIFF_PARAMS, "object");
}

/// The activity dict (CKAN 2.12's `activity_dictize`: the table's columns, in order).
pub(crate) fn activity_dict(a: &Activity) -> Value {
    let data: Value = serde_json::from_str(&a.data).unwrap_or(Value::Null);
    json!({
        "id": a.id,
        "timestamp": kho_core::time::isoformat(&a.timestamp),
        "user_id": a.user_id,
        "object_id": a.object_id,
        "activity_type": a.activity_type,
        "data": data,
        "permission_labels": a.permission_labels,
    })
}

/// May a caller with `labels` read this activity?
fn visible(labels: Option<&[String]>, a: &Activity) -> bool {
    kho_core::visibility::may_read(labels, &a.permission_labels)
}

/// `datetime_from_timestamp_validator` (UTC).
fn opt_timestamp(p: &Params, key: &str) -> Result<Option<NaiveDateTime>> {
    let invalid = || Error::field(key, "Must be a float timestamp");
    let secs = match p.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(invalid)?,
        Some(Value::String(s)) => s.trim().parse::<f64>().map_err(|_| invalid())?,
        Some(_) => return Err(invalid()),
    };
    if !secs.is_finite() {
        return Err(invalid());
    }
    let whole = secs.floor();
    let micros = ((secs - whole) * 1_000_000.0).round() as u32;
    #[allow(clippy::cast_possible_truncation)]
    let dt = chrono::DateTime::from_timestamp(whole as i64, micros.min(999_999) * 1000)
        .ok_or_else(invalid)?;
    Ok(Some(dt.naive_utc()))
}

/// The paging parameters (and, with `types`, the type filters) of a list action.
fn list_query(p: &Params, scope: ActivityScope, types: bool) -> Result<ActivityQuery> {
    let mut q = ActivityQuery {
        scope,
        offset: opt_natural(p, "offset")?.unwrap_or(0),
        limit: opt_natural(p, "limit")?
            .unwrap_or(DEFAULT_LIMIT)
            .min(MAX_LIMIT),
        after: opt_timestamp(p, "after")?,
        before: opt_timestamp(p, "before")?,
        ..ActivityQuery::default()
    };
    // As CKAN: with `after` alone, the oldest activities after it (listed newest first).
    q.oldest_first = q.after.is_some() && q.before.is_none();
    if types {
        let only = opt_list(p, "activity_types", false)?;
        let exclude = opt_list(p, "exclude_activity_types", false)?;
        if only.is_some() && exclude.is_some() {
            return Err(Error::field(
                "activity_types",
                "Cannot be used together with `exclude_activity_types",
            ));
        }
        q.types = only.unwrap_or_default();
        q.exclude_types = exclude.unwrap_or_default();
    }
    Ok(q)
}

/// Run a list query with the caller's labels and dictize the result, newest first.
async fn run_list(c: &Catalog, tx: &mut dyn Tx, ctx: &Ctx, mut q: ActivityQuery) -> Result<Value> {
    q.labels = caller_labels(c, tx, ctx).await?;
    let mut acts = tx.activity_query(&q).await?;
    if q.oldest_first {
        acts.reverse();
    }
    Ok(Value::Array(acts.iter().map(activity_dict).collect()))
}

pub(crate) async fn package_activity_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = id_param(&p, "id")?;
    let mut tx = c.store().read().await?;
    let d = tx.package_get(&id).await?.ok_or(Error::NotFound(None))?;
    let q = list_query(&p, ActivityScope::Object(d.id.clone()), true)?;
    if !can_read(c, tx.as_mut(), ctx, &d).await? {
        return Err(read_denied(ctx, &id));
    }
    run_list(c, tx.as_mut(), ctx, q).await
}

async fn group_list(c: &Catalog, ctx: &Ctx, p: Params, is_org: bool) -> Result<Value> {
    let id = id_param(&p, "id")?;
    let mut tx = c.store().read().await?;
    let g = load_group(tx.as_mut(), &id, is_org)
        .await?
        .ok_or(Error::NotFound(None))?;
    if g.state != STATE_ACTIVE && !ctx.actor.is_sysadmin() {
        return Err(Error::denied(
            Msg::new("User %{user} not authorized to read group %{id}")
                .arg("user", ctx.actor.display())
                .arg("id", &g.id),
        ));
    }
    let scope = if is_org {
        ActivityScope::Organization(g.id)
    } else {
        ActivityScope::Group(g.id)
    };
    let q = list_query(&p, scope, true)?;
    run_list(c, tx.as_mut(), ctx, q).await
}

pub(crate) async fn organization_activity_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    group_list(c, ctx, p, true).await
}

pub(crate) async fn group_activity_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    group_list(c, ctx, p, false).await
}

pub(crate) async fn user_activity_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = id_param(&p, "id")?;
    let mut tx = c.store().read().await?;
    let u = tx.user_get(&id).await?.ok_or(Error::NotFound(None))?;
    let q = list_query(&p, ActivityScope::User(u.id), false)?;
    run_list(c, tx.as_mut(), ctx, q).await
}

pub(crate) async fn recently_changed_packages_activity_list(
    c: &Catalog,
    ctx: &Ctx,
    p: Params,
) -> Result<Value> {
    let mut q = list_query(&p, ActivityScope::All, false)?;
    q.types = PACKAGE_TYPES.iter().map(|t| (*t).to_owned()).collect();
    let mut tx = c.store().read().await?;
    q.labels = caller_labels(c, tx.as_mut(), ctx).await?;
    let Some(labels) = q.labels.clone() else {
        // A sysadmin reads every dataset's own activities.
        return run_list(c, tx.as_mut(), ctx, q).await;
    };
    // Datasets that stopped being open show anyone a "deleted package" activity with
    // their tombstone, merged by time with the activities the caller may read.
    let (offset, limit) = (q.offset, q.limit);
    q.offset = 0;
    q.limit = offset.saturating_add(limit);
    let mut acts = tx.activity_query(&q).await?;
    let mut tombstones = Vec::new();
    for t in tx
        .tombstones_since(q.after.as_ref(), q.oldest_first, q.limit)
        .await?
    {
        let too_late = q.before.is_some_and(|b| t.left_at >= b);
        let too_early = q.after.is_some_and(|a| t.left_at <= a);
        if too_late || too_early {
            continue;
        }
        // Whoever can read the dataset itself sees its own activities instead.
        let readable = match tx.package_get(&t.package_id).await? {
            Some(d) => kho_core::visibility::may_read(
                Some(&labels),
                &kho_core::visibility::dataset_labels(&d),
            ),
            None => false,
        };
        if !readable {
            tombstones.push(tombstone_activity(&t));
        }
    }
    acts.extend(tombstones);
    // Newest first, or (with `after` alone) the oldest first, then listed newest first.
    acts.sort_by(|a, b| (b.timestamp, &b.id).cmp(&(a.timestamp, &a.id)));
    if q.oldest_first {
        acts.reverse();
    }
    let mut acts: Vec<Activity> = acts
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    if q.oldest_first {
        acts.reverse();
    }
    Ok(Value::Array(acts.iter().map(activity_dict).collect()))
}

/// The public activity of a dataset that stopped being open: its tombstone as the data
/// of a "deleted package" activity by no one in particular.
fn tombstone_activity(t: &kho_core::model::Tombstone) -> Activity {
    let at = kho_core::time::isoformat(&t.left_at);
    Activity {
        id: uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_OID,
            format!("kho-tombstone/{}/{at}", t.package_id).as_bytes(),
        )
        .to_string(),
        timestamp: t.left_at,
        user_id: String::new(),
        object_id: t.package_id.clone(),
        activity_type: "deleted package".into(),
        data: json!({"package": crate::search_sync::tombstone_dict(t)}).to_string(),
        permission_labels: vec![kho_core::visibility::PUBLIC_LABEL.to_owned()],
    }
}

/// The activity `id` names, if the caller may read it (`activity_show`'s authorization).
async fn load_visible(
    c: &Catalog,
    tx: &mut dyn Tx,
    ctx: &Ctx,
    p: &Params,
) -> Result<(Activity, Option<Vec<String>>)> {
    let id = id_param(p, "id")?;
    let a = tx.activity_get(&id).await?.ok_or(Error::NotFound(None))?;
    let labels = caller_labels(c, tx, ctx).await?;
    // The activity's labels from when it was written, and the dataset's labels now.
    let dataset_now = match tx.package_get(&a.object_id).await? {
        Some(d) => kho_core::visibility::may_read(
            labels.as_deref(),
            &kho_core::visibility::dataset_labels(&d),
        ),
        None => true,
    };
    if !dataset_now || !visible(labels.as_deref(), &a) {
        return Err(Error::denied(Msg::new(
            "Unauthorized to view activity data",
        )));
    }
    Ok((a, labels))
}

pub(crate) async fn activity_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let mut tx = c.store().read().await?;
    let (a, _) = load_visible(c, tx.as_mut(), ctx, &p).await?;
    Ok(activity_dict(&a))
}

pub(crate) async fn activity_data_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let object_type = opt_str(&p, "object_type")?.filter(|s| !s.is_empty());
    let mut tx = c.store().read().await?;
    let (a, _) = load_visible(c, tx.as_mut(), ctx, &p).await?;
    let data: Value = serde_json::from_str(&a.data).unwrap_or(Value::Null);
    match object_type {
        None => Ok(data),
        Some(t) => data
            .get(&t)
            .cloned()
            .ok_or_else(|| Error::not_found("Could not find that object_type in the activity")),
    }
}

pub(crate) async fn activity_diff(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let object_type = opt_str(&p, "object_type")?
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "package".to_owned());
    let diff_type = opt_str(&p, "diff_type")?.unwrap_or_else(|| "unified".to_owned());
    if diff_type != "unified" {
        return Err(Error::field("message", "diff_type not recognized"));
    }
    let mut tx = c.store().read().await?;
    let (a, labels) = load_visible(c, tx.as_mut(), ctx, &p).await?;
    // The previous activity of the same object that the caller may read.
    let prev = tx
        .activity_query(&ActivityQuery {
            scope: ActivityScope::Object(a.object_id.clone()),
            before: Some(a.timestamp),
            labels,
            limit: 1,
            ..ActivityQuery::default()
        })
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::not_found("Previous activity for this object not found"))?;
    let mut texts = Vec::new();
    for act in [&prev, &a] {
        let data: Value = serde_json::from_str(&act.data).unwrap_or(Value::Null);
        let obj = data
            .get(&object_type)
            .ok_or_else(|| Error::not_found("Could not find object in the activity data"))?;
        texts.push(python_json(obj));
    }
    let old: Vec<&str> = texts[0].split('\n').collect();
    let new: Vec<&str> = texts[1].split('\n').collect();
    Ok(json!({
        "diff": unified_diff(&old, &new),
        "activities": [activity_dict(&prev), activity_dict(&a)],
    }))
}

/// Python's `json.dumps(v, indent=2, sort_keys=True)` (ASCII only).
fn python_json(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    out.insert(k.clone(), sorted(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    let text = serde_json::to_string_pretty(&sorted(v)).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_ascii() {
            out.push(ch);
        } else {
            let mut buf = [0u16; 2];
            for unit in ch.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// One run of a diff: `equal` ranges or changed ranges (`a[i1..i2]` replaced by
/// `b[j1..j2]`).
#[derive(Clone, Copy)]
struct Op {
    equal: bool,
    i1: usize,
    i2: usize,
    j1: usize,
    j2: usize,
}

/// The runs turning `a` into `b`: a longest common subsequence of lines, after the common
/// prefix and suffix (a huge middle is one change).
fn opcodes(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    // Matched pairs (i, j) in the middle, in order.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    if !ma.is_empty() && !mb.is_empty() && ma.len().saturating_mul(mb.len()) <= 4_000_000 {
        let (n, m) = (ma.len(), mb.len());
        let mut len = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                len[i * (m + 1) + j] = if ma[i] == mb[j] {
                    len[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    len[(i + 1) * (m + 1) + j].max(len[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n && j < m {
            if ma[i] == mb[j] {
                pairs.push((prefix + i, prefix + j));
                i += 1;
                j += 1;
            } else if len[(i + 1) * (m + 1) + j] >= len[i * (m + 1) + j + 1] {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    let mut all: Vec<(usize, usize)> = (0..prefix).map(|k| (k, k)).collect();
    all.extend(pairs);
    all.extend((0..suffix).map(|k| (a.len() - suffix + k, b.len() - suffix + k)));
    let mut ops: Vec<Op> = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut push = |op: Op| {
        if let Some(last) = ops.last_mut() {
            if last.equal == op.equal && last.i2 == op.i1 && last.j2 == op.j1 {
                last.i2 = op.i2;
                last.j2 = op.j2;
                return;
            }
        }
        ops.push(op);
    };
    for (x, y) in all {
        if x > i || y > j {
            push(Op {
                equal: false,
                i1: i,
                i2: x,
                j1: j,
                j2: y,
            });
        }
        push(Op {
            equal: true,
            i1: x,
            i2: x + 1,
            j1: y,
            j2: y + 1,
        });
        i = x + 1;
        j = y + 1;
    }
    if i < a.len() || j < b.len() {
        push(Op {
            equal: false,
            i1: i,
            i2: a.len(),
            j1: j,
            j2: b.len(),
        });
    }
    ops
}

/// `difflib.unified_diff(a, b)` (3 lines of context, empty file names), its lines joined
/// by `"\n"` as CKAN does (the header lines keep their own `"\n"`).
fn unified_diff(a: &[&str], b: &[&str]) -> String {
    const N: usize = 3;
    let mut codes = opcodes(a, b);
    if codes.is_empty() {
        codes.push(Op {
            equal: true,
            i1: 0,
            i2: 1,
            j1: 0,
            j2: 1,
        });
    }
    if let Some(first) = codes.first_mut().filter(|o| o.equal) {
        first.i1 = first.i1.max(first.i2.saturating_sub(N));
        first.j1 = first.j1.max(first.j2.saturating_sub(N));
    }
    if let Some(last) = codes.last_mut().filter(|o| o.equal) {
        last.i2 = last.i2.min(last.i1 + N);
        last.j2 = last.j2.min(last.j1 + N);
    }
    let mut groups: Vec<Vec<Op>> = Vec::new();
    let mut group: Vec<Op> = Vec::new();
    for mut op in codes {
        if op.equal && op.i2 - op.i1 > 2 * N {
            group.push(Op {
                i2: op.i2.min(op.i1 + N),
                j2: op.j2.min(op.j1 + N),
                ..op
            });
            groups.push(std::mem::take(&mut group));
            op.i1 = op.i1.max(op.i2 - N);
            op.j1 = op.j1.max(op.j2 - N);
        }
        group.push(op);
    }
    if group.iter().any(|op| !op.equal) {
        groups.push(group);
    }
    let range = |start: usize, stop: usize| {
        let mut beginning = start + 1;
        let length = stop - start;
        if length == 1 {
            return format!("{beginning}");
        }
        if length == 0 {
            beginning -= 1;
        }
        format!("{beginning},{length}")
    };
    let mut lines: Vec<String> = Vec::new();
    for (k, g) in groups.iter().enumerate() {
        if k == 0 {
            lines.push("--- \n".to_owned());
            lines.push("+++ \n".to_owned());
        }
        let (first, last) = (g[0], g[g.len() - 1]);
        lines.push(format!(
            "@@ -{} +{} @@\n",
            range(first.i1, last.i2),
            range(first.j1, last.j2)
        ));
        for op in g {
            if op.equal {
                lines.extend(a[op.i1..op.i2].iter().map(|l| format!(" {l}")));
            } else {
                lines.extend(a[op.i1..op.i2].iter().map(|l| format!("-{l}")));
                lines.extend(b[op.j1..op.j2].iter().map(|l| format!("+{l}")));
            }
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_diff_matches_difflib() {
        // python3 -c 'import difflib; print(repr("\n".join(difflib.unified_diff(
        //   "a b c d e f g h i j".split(), "a b X d e f g h i j k".split()))))'
        let a: Vec<&str> = "a b c d e f g h i j".split(' ').collect();
        let b: Vec<&str> = "a b X d e f g h i j k".split(' ').collect();
        assert_eq!(
            unified_diff(&a, &b),
            "--- \n\n+++ \n\n@@ -1,6 +1,6 @@\n\n a\n b\n-c\n+X\n d\n e\n f\n@@ -8,3 +8,4 @@\n\n h\n i\n j\n+k"
        );
        assert_eq!(unified_diff(&a, &a), "");
    }

    #[test]
    fn python_json_sorts_and_escapes() {
        let v = json!({"b": [1, {}], "a": "Trường"});
        assert_eq!(
            python_json(&v),
            "{\n  \"a\": \"Tr\\u01b0\\u1eddng\",\n  \"b\": [\n    1,\n    {}\n  ]\n}"
        );
    }
}
