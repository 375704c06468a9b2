//! Requests for data not yet published (ckanext-datarequests' `datarequest_*` actions;
//! requirement 15 of the provincial regulations): a person or business asks for data,
//! optionally addressed to an organization; an operator may route it; the organization
//! fulfils it with a dataset or refuses it with a reason. Anyone may read requests and
//! their comments.
//!
//! kho additions: an anonymous request carries an `email` (shown only to the operator,
//! the requester and the addressed organization's editors), a sysadmin may update any
//! request (routing), the addressed organization's editors and admins may close it, and a
//! refusal carries a `close_reason`.

use kho_core::authz::Permission;
use kho_core::model::{DataRequest, DataRequestComment, STATE_ACTIVE};
use kho_core::params::{asbool, opt_natural, opt_str, Params};
use kho_core::time::{isoformat, now_utc};
use kho_core::{Error, Msg, Result};
use kho_store::{DataRequestFilter, Tx};
use serde_json::{json, Map, Value};

use super::datasets::{can_read, has_perm, package_show};
use super::groups::organization_show;
use super::users::user_show;
use super::{action, not_authorized, pd, require_user};
use crate::registry::{ParamDoc, Registry};
use crate::{Catalog, Ctx};

/// ckanext-datarequests' limits (`constants.py`).
const TITLE_MAX: usize = 100;
const DESCRIPTION_MAX: usize = 1000;
const COMMENT_MAX: usize = 1000;
const PER_PAGE: i64 = 10;
/// kho's bound on one page of `datarequest_index`.
const MAX_LIMIT: i64 = 1000;

const CREATE_PARAMS: &[ParamDoc] = &[
    pd("title", "string", true, "at most 100 characters, unique"),
    pd("description", "string", false, "at most 1000 characters"),
    pd(
        "organization_id",
        "string",
        false,
        "the id or name of the organization the request is addressed to",
    ),
    pd(
        "email",
        "string",
        false,
        "how to reach the requester; required without a login, shown to nobody else",
    ),
];

const UPDATE_PARAMS: &[ParamDoc] = &[
    pd("id", "string", true, "the id of the data request"),
    pd("title", "string", false, "a new title (kept if absent)"),
    pd(
        "description",
        "string",
        false,
        "a new description (kept if absent)",
    ),
    pd(
        "organization_id",
        "string",
        false,
        "route the request to this organization (empty: to none; kept if absent)",
    ),
];

const INDEX_PARAMS: &[ParamDoc] = &[
    pd(
        "organization_id",
        "string",
        false,
        "only requests addressed to this organization",
    ),
    pd(
        "user_id",
        "string",
        false,
        "only requests made by this user",
    ),
    pd(
        "closed",
        "boolean",
        false,
        "only closed (true) or open (false) requests",
    ),
    pd(
        "q",
        "string",
        false,
        "words the title or description contains",
    ),
    pd(
        "sort",
        "string",
        false,
        "`asc` (oldest first, the default) or `desc`",
    ),
    pd(
        "offset",
        "integer",
        false,
        "the first request returned (default 0)",
    ),
    pd(
        "limit",
        "integer",
        false,
        "at most this many requests (default 10, at most 1000)",
    ),
];

const CLOSE_PARAMS: &[ParamDoc] = &[
    pd("id", "string", true, "the id of the data request"),
    pd(
        "accepted_dataset_id",
        "string",
        false,
        "the id or name of the dataset that fulfils the request",
    ),
    pd(
        "close_reason",
        "string",
        false,
        "why the request is refused; required when the addressed organization or the \
         operator closes it without a dataset",
    ),
];

pub fn register(r: &mut Registry) {
    action!(
        r,
        "datarequest_create",
        false,
        datarequest_create,
        "Ask for data that is not published yet, optionally addressed to an organization. \
         Without a login, an `email` is required.",
        CREATE_PARAMS,
        "the data request, as datarequest_show"
    );
    action!(
        r,
        "datarequest_show",
        true,
        datarequest_show,
        "Return a data request.",
        [("id", "string", true, "the id of the data request")],
        "the data request: `{id, user_id, title, description, organization_id, open_time, accepted_dataset_id, close_time, closed, close_reason, user, organization, accepted_dataset, followers, comments_count}`"
    );
    action!(
        r,
        "datarequest_update",
        false,
        datarequest_update,
        "Change a data request (its requester), or route it to an organization (a sysadmin).",
        UPDATE_PARAMS,
        "the data request, as datarequest_show"
    );
    action!(
        r,
        "datarequest_index",
        true,
        datarequest_index,
        "List data requests, oldest first, with facets by organization and state.",
        INDEX_PARAMS,
        "`{count, facets: {organization: {items}, state: {items}}, result: [data request]}`"
    );
    action!(
        r,
        "datarequest_delete",
        false,
        datarequest_delete,
        "Delete a data request with its comments (its requester or a sysadmin).",
        [("id", "string", true, "the id of the data request")],
        "the deleted data request, as datarequest_show"
    );
    action!(
        r,
        "datarequest_close",
        false,
        datarequest_close,
        "Close a data request: fulfilled with `accepted_dataset_id` (a dataset the caller \
         may read), or refused with `close_reason`. The requester, the addressed \
         organization's editors and admins, and sysadmins may close it.",
        CLOSE_PARAMS,
        "the data request, as datarequest_show"
    );
    action!(
        r,
        "datarequest_comment",
        false,
        datarequest_comment,
        "Comment on a data request (any logged-in user).",
        [
            (
                "datarequest_id",
                "string",
                true,
                "the id of the data request"
            ),
            ("comment", "string", true, "1 to 1000 characters"),
        ],
        "the comment: `{id, datarequest_id, user_id, comment, time, user}`"
    );
    action!(
        r,
        "datarequest_comment_show",
        true,
        datarequest_comment_show,
        "Return a comment on a data request.",
        [("id", "string", true, "the id of the comment")],
        "the comment: `{id, datarequest_id, user_id, comment, time, user}`"
    );
    action!(
        r,
        "datarequest_comment_list",
        true,
        datarequest_comment_list,
        "The comments on a data request, oldest first.",
        [
            (
                "datarequest_id",
                "string",
                true,
                "the id of the data request"
            ),
            ("sort", "string", false, "`asc` (the default) or `desc`"),
        ],
        "a list of comments, as datarequest_comment_show"
    );
    action!(
        r,
        "datarequest_comment_update",
        false,
        datarequest_comment_update,
        "Change the text of a comment (its author).",
        [
            ("id", "string", true, "the id of the comment"),
            ("comment", "string", true, "1 to 1000 characters"),
        ],
        "the comment, as datarequest_comment_show"
    );
    action!(
        r,
        "datarequest_comment_delete",
        false,
        datarequest_comment_delete,
        "Delete a comment (its author or a sysadmin).",
        [("id", "string", true, "the id of the comment")],
        "the deleted comment, as datarequest_comment_show"
    );
    action!(
        r,
        "datarequest_follow",
        false,
        datarequest_follow,
        "Follow a data request.",
        [("id", "string", true, "the id of the data request")],
        "true"
    );
    action!(
        r,
        "datarequest_unfollow",
        false,
        datarequest_unfollow,
        "Stop following a data request.",
        [("id", "string", true, "the id of the data request")],
        "true"
    );
}

/// A request id parameter, or the extension's "Data Request ID has not been included".
fn request_id(p: &Params, key: &str) -> Result<String> {
    opt_str(p, key)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::ValidationMessage(Msg::new("Data Request ID has not been included")))
}

fn comment_id(p: &Params) -> Result<String> {
    opt_str(p, "id")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::ValidationMessage(Msg::new("Comment ID has not been included")))
}

async fn load(tx: &mut dyn Tx, id: &str) -> Result<DataRequest> {
    tx.datarequest_get(id).await?.ok_or_else(|| {
        Error::not_found(Msg::new("Data Request %{id} not found in the data base").arg("id", id))
    })
}

async fn load_comment(tx: &mut dyn Tx, id: &str) -> Result<DataRequestComment> {
    tx.datarequest_comment_get(id).await?.ok_or_else(|| {
        Error::not_found(Msg::new("Comment %{id} not found in the data base").arg("id", id))
    })
}

fn is_requester(ctx: &Ctx, r: &DataRequest) -> bool {
    !r.user_id.is_empty() && ctx.actor.user_id() == Some(r.user_id.as_str())
}

/// Editors and admins of the organization the request is addressed to (sysadmins too).
async fn is_addressee(tx: &mut dyn Tx, ctx: &Ctx, r: &DataRequest) -> Result<bool> {
    match &r.organization_id {
        Some(org) if ctx.actor.user().is_some() => {
            has_perm(tx, ctx, org, Permission::UpdateDataset).await
        }
        _ => Ok(ctx.actor.is_sysadmin()),
    }
}

/// The store facts a request's dict needs besides the row.
struct Facts {
    followers: i64,
    comments: i64,
    show_email: bool,
}

async fn facts(tx: &mut dyn Tx, ctx: &Ctx, r: &DataRequest) -> Result<Facts> {
    Ok(Facts {
        followers: tx.datarequest_follower_count(&r.id).await?,
        comments: tx.datarequest_comment_count(&r.id).await?,
        show_email: r.email.is_some()
            && (ctx.actor.is_sysadmin()
                || is_requester(ctx, r)
                || is_addressee(tx, ctx, r).await?),
    })
}

/// Another action's answer as the caller would get it, or null when they may not see it
/// (that is how a private accepted dataset stays hidden).
async fn shown(result: Result<Value>) -> Result<Value> {
    match result {
        Ok(v) => Ok(v),
        Err(Error::NotFound(_) | Error::NotAuthorized(_)) => Ok(Value::Null),
        Err(e) => Err(e),
    }
}

/// The extension's `_dictize_datarequest`. Call with no transaction open: the user,
/// organization and dataset are read through their own show actions, as the caller.
async fn dictize(c: &Catalog, ctx: &Ctx, r: &DataRequest, f: Facts) -> Result<Value> {
    let mut d = Map::new();
    d.insert("id".into(), r.id.clone().into());
    d.insert(
        "user_id".into(),
        if r.user_id.is_empty() {
            Value::Null
        } else {
            r.user_id.clone().into()
        },
    );
    d.insert("title".into(), r.title.clone().into());
    d.insert("description".into(), r.description.clone().into());
    d.insert("organization_id".into(), json!(r.organization_id));
    d.insert("open_time".into(), isoformat(&r.open_time).into());
    d.insert("accepted_dataset_id".into(), Value::Null);
    d.insert(
        "close_time".into(),
        json!(r.close_time.as_ref().map(isoformat)),
    );
    d.insert("closed".into(), r.closed.into());
    d.insert("close_reason".into(), json!(r.close_reason));
    let user = if r.user_id.is_empty() {
        Value::Null
    } else {
        shown(user_show(c, ctx, params(&[("id", &r.user_id)])).await).await?
    };
    d.insert("user".into(), user);
    let org = match &r.organization_id {
        Some(id) => {
            let p = params(&[
                ("id", id),
                ("include_datasets", "false"),
                ("include_users", "false"),
            ]);
            shown(organization_show(c, ctx, p).await).await?
        }
        None => Value::Null,
    };
    d.insert("organization".into(), org);
    let dataset = match &r.accepted_dataset_id {
        Some(id) => shown(package_show(c, ctx, params(&[("id", id)])).await).await?,
        None => Value::Null,
    };
    // The id too is shown only to those who may read the dataset.
    if !dataset.is_null() {
        d.insert("accepted_dataset_id".into(), json!(r.accepted_dataset_id));
    }
    d.insert("accepted_dataset".into(), dataset);
    d.insert("followers".into(), f.followers.into());
    d.insert("comments_count".into(), f.comments.into());
    if f.show_email {
        d.insert("email".into(), json!(r.email));
    }
    Ok(Value::Object(d))
}

fn params(pairs: &[(&str, &str)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
        .collect()
}

async fn comment_dict(c: &Catalog, ctx: &Ctx, m: &DataRequestComment) -> Result<Value> {
    let user = shown(user_show(c, ctx, params(&[("id", &m.user_id)])).await).await?;
    Ok(json!({
        "id": m.id,
        "datarequest_id": m.datarequest_id,
        "user_id": m.user_id,
        "comment": m.comment,
        "time": isoformat(&m.time),
        "user": user,
    }))
}

/// The extension's `validate_datarequest`, on the request as it would be stored. Returns
/// the organization's id.
async fn validate(tx: &mut dyn Tx, r: &mut DataRequest) -> Result<()> {
    let mut errors = kho_core::error::Errors::new();
    if r.title.trim().is_empty() {
        errors.add("Title", "Title cannot be empty");
    } else if r.title.chars().count() > TITLE_MAX {
        errors.add(
            "Title",
            Msg::new("Title must be a maximum of %{max} characters long").arg("max", TITLE_MAX),
        );
    } else if tx.datarequest_title_taken(&r.title, &r.id).await? {
        errors.add("Title", "That title is already in use");
    }
    if r.description.chars().count() > DESCRIPTION_MAX {
        errors.add(
            "Description",
            Msg::new("Description must be a maximum of %{max} characters long")
                .arg("max", DESCRIPTION_MAX),
        );
    }
    if let Some(org) = r.organization_id.clone() {
        match tx.group_get(&org).await? {
            Some(g) if g.is_organization && g.state == STATE_ACTIVE => {
                r.organization_id = Some(g.id)
            }
            _ => errors.add("Organization", "Organization is not valid"),
        }
    }
    errors.into_result()
}

/// An optional text parameter with empty meaning none.
fn opt_text(p: &Params, key: &str) -> Result<Option<String>> {
    Ok(opt_str(p, key)?.filter(|s| !s.trim().is_empty()))
}

async fn datarequest_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let email = opt_text(&p, "email")?;
    let user_id = match ctx.actor.user_id() {
        Some(uid) => uid.to_owned(),
        None => {
            // kho addition: anyone may ask, but an anonymous requester must be reachable.
            match &email {
                Some(e) if looks_like_email(e) => {}
                Some(_) => return Err(Error::field("email", "Email is not valid")),
                None => return Err(Error::field("email", "Missing value")),
            }
            String::new()
        }
    };
    let mut r = DataRequest {
        id: uuid::Uuid::new_v4().to_string(),
        user_id,
        email,
        title: opt_str(&p, "title")?.unwrap_or_default(),
        description: opt_str(&p, "description")?.unwrap_or_default(),
        organization_id: opt_text(&p, "organization_id")?,
        open_time: now_utc(),
        accepted_dataset_id: None,
        close_time: None,
        closed: false,
        close_reason: None,
    };
    let mut tx = c.store().begin().await?;
    validate(tx.as_mut(), &mut r).await?;
    tx.datarequest_insert(&r).await?;
    let f = facts(tx.as_mut(), ctx, &r).await?;
    tx.commit().await?;
    dictize(c, ctx, &r, f).await
}

/// Enough of an address to reply to: something@something.something, no spaces.
fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
        && s.len() <= 254
}

async fn datarequest_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = request_id(&p, "id")?;
    let mut tx = c.store().read().await?;
    let r = load(tx.as_mut(), &id).await?;
    let f = facts(tx.as_mut(), ctx, &r).await?;
    drop(tx);
    dictize(c, ctx, &r, f).await
}

async fn datarequest_update(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = request_id(&p, "id")?;
    require_user(ctx, "datarequest_update")?;
    let mut tx = c.store().begin().await?;
    let mut r = load(tx.as_mut(), &id).await?;
    if !is_requester(ctx, &r) && !ctx.actor.is_sysadmin() {
        return Err(not_authorized(
            ctx,
            "User %{user} not authorized to update this data request",
        ));
    }
    if let Some(title) = opt_str(&p, "title")? {
        r.title = title;
    }
    if let Some(description) = opt_str(&p, "description")? {
        r.description = description;
    }
    if p.contains_key("organization_id") {
        r.organization_id = opt_text(&p, "organization_id")?;
    }
    validate(tx.as_mut(), &mut r).await?;
    tx.datarequest_update(&r).await?;
    let f = facts(tx.as_mut(), ctx, &r).await?;
    tx.commit().await?;
    dictize(c, ctx, &r, f).await
}

async fn datarequest_index(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let mut tx = c.store().read().await?;
    let organization_id = match opt_text(&p, "organization_id")? {
        Some(org) => Some(
            super::load_group(tx.as_mut(), &org, true)
                .await?
                .ok_or_else(|| Error::not_found("Organization not found"))?
                .id,
        ),
        None => None,
    };
    let user_id = match opt_text(&p, "user_id")? {
        Some(u) => Some(
            tx.user_get(&u)
                .await?
                .ok_or_else(|| Error::not_found("User not found"))?
                .id,
        ),
        None => None,
    };
    let closed = if p.get("closed").is_some_and(|v| !v.is_null()) {
        Some(asbool(&p, "closed", false)?)
    } else {
        None
    };
    let filter = DataRequestFilter {
        organization_id,
        user_id,
        closed,
        q: opt_text(&p, "q")?,
        desc: opt_str(&p, "sort")?.as_deref() == Some("desc"),
    };
    let offset = opt_natural(&p, "offset")?.unwrap_or(0);
    let limit = opt_natural(&p, "limit")?.unwrap_or(PER_PAGE).min(MAX_LIMIT);
    let all = tx.datarequest_list(&filter).await?;

    // Facets over every match, as the extension counts them.
    let mut per_org: std::collections::BTreeMap<&str, i64> = Default::default();
    let (mut open, mut closed_n) = (0i64, 0i64);
    for r in &all {
        if let Some(org) = &r.organization_id {
            *per_org.entry(org).or_default() += 1;
        }
        if r.closed {
            closed_n += 1;
        } else {
            open += 1;
        }
    }
    let mut org_items = Vec::new();
    for (org, count) in per_org {
        if let Some(g) = tx.group_get(org).await? {
            let display = g
                .title
                .clone()
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| g.name.clone());
            org_items.push(json!({"name": g.name, "display_name": display, "count": count}));
        }
    }
    let mut state_items = Vec::new();
    for (name, display, count) in [("closed", "Closed", closed_n), ("open", "Open", open)] {
        if count > 0 {
            state_items.push(json!({"name": name, "display_name": display, "count": count}));
        }
    }
    let mut facets = Map::new();
    if !org_items.is_empty() {
        facets.insert("organization".into(), json!({ "items": org_items }));
    }
    if !state_items.is_empty() {
        facets.insert("state".into(), json!({ "items": state_items }));
    }

    let page: Vec<DataRequest> = all
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .cloned()
        .collect();
    let mut with_facts = Vec::with_capacity(page.len());
    for r in page {
        let f = facts(tx.as_mut(), ctx, &r).await?;
        with_facts.push((r, f));
    }
    drop(tx);
    let mut result = Vec::with_capacity(with_facts.len());
    for (r, f) in with_facts {
        result.push(dictize(c, ctx, &r, f).await?);
    }
    Ok(json!({"count": all.len(), "facets": facets, "result": result}))
}

async fn datarequest_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = request_id(&p, "id")?;
    require_user(ctx, "datarequest_delete")?;
    let mut tx = c.store().begin().await?;
    let r = load(tx.as_mut(), &id).await?;
    if !is_requester(ctx, &r) && !ctx.actor.is_sysadmin() {
        return Err(not_authorized(
            ctx,
            "User %{user} not authorized to delete this data request",
        ));
    }
    let f = facts(tx.as_mut(), ctx, &r).await?;
    tx.datarequest_delete(&r.id).await?;
    tx.commit().await?;
    dictize(c, ctx, &r, f).await
}

async fn datarequest_close(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = request_id(&p, "id")?;
    require_user(ctx, "datarequest_close")?;
    let mut tx = c.store().begin().await?;
    let mut r = load(tx.as_mut(), &id).await?;
    let requester = is_requester(ctx, &r);
    if !requester && !is_addressee(tx.as_mut(), ctx, &r).await? {
        return Err(not_authorized(
            ctx,
            "User %{user} not authorized to close this data request",
        ));
    }
    let accepted = match opt_text(&p, "accepted_dataset_id")? {
        Some(ds) => {
            let not_found = || Error::field("Accepted Dataset", "Dataset not found");
            let d = tx.package_get(&ds).await?.ok_or_else(not_found)?;
            // A dataset the caller may not read is reported as absent, not as forbidden.
            if d.state != STATE_ACTIVE || !can_read(c, tx.as_mut(), ctx, &d).await? {
                return Err(not_found());
            }
            Some(d.id)
        }
        None => None,
    };
    let reason = opt_text(&p, "close_reason")?;
    if accepted.is_none() && reason.is_none() && !requester {
        return Err(Error::field(
            "close_reason",
            "A reason is required to refuse a data request",
        ));
    }
    if r.closed {
        return Err(Error::ValidationMessage(Msg::new(
            "This Data Request is already closed",
        )));
    }
    r.closed = true;
    r.close_time = Some(now_utc());
    r.accepted_dataset_id = accepted;
    r.close_reason = reason;
    tx.datarequest_update(&r).await?;
    let f = facts(tx.as_mut(), ctx, &r).await?;
    tx.commit().await?;
    dictize(c, ctx, &r, f).await
}

/// The extension's `validate_comment` on the text.
fn comment_text(p: &Params) -> Result<String> {
    let text = opt_str(p, "comment")?.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(Error::field(
            "Comment",
            "Comments must be a minimum of 1 character long",
        ));
    }
    if text.chars().count() > COMMENT_MAX {
        return Err(Error::field(
            "Comment",
            Msg::new("Comments must be a maximum of %{max} characters long")
                .arg("max", COMMENT_MAX),
        ));
    }
    Ok(text)
}

async fn datarequest_comment(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = request_id(&p, "datarequest_id")?;
    let user = require_user(ctx, "datarequest_comment")?;
    let mut tx = c.store().begin().await?;
    if tx.datarequest_get(&id).await?.is_none() {
        return Err(Error::field("Data Request", "Data Request not found"));
    }
    let m = DataRequestComment {
        id: uuid::Uuid::new_v4().to_string(),
        datarequest_id: id,
        user_id: user.id.clone(),
        comment: comment_text(&p)?,
        time: now_utc(),
    };
    tx.datarequest_comment_insert(&m).await?;
    tx.commit().await?;
    comment_dict(c, ctx, &m).await
}

async fn datarequest_comment_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = comment_id(&p)?;
    let mut tx = c.store().read().await?;
    let m = load_comment(tx.as_mut(), &id).await?;
    drop(tx);
    comment_dict(c, ctx, &m).await
}

async fn datarequest_comment_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = request_id(&p, "datarequest_id")?;
    let desc = opt_str(&p, "sort")?.as_deref() == Some("desc");
    let mut tx = c.store().read().await?;
    let r = load(tx.as_mut(), &id).await?;
    let list = tx.datarequest_comments(&r.id, desc).await?;
    drop(tx);
    let mut out = Vec::with_capacity(list.len());
    for m in &list {
        out.push(comment_dict(c, ctx, m).await?);
    }
    Ok(Value::Array(out))
}

/// The comment `id`, if the caller wrote it (or, with `sysadmin_too`, is a sysadmin).
async fn own_comment(
    tx: &mut dyn Tx,
    ctx: &Ctx,
    id: &str,
    sysadmin_too: bool,
    template: &str,
) -> Result<DataRequestComment> {
    let m = load_comment(tx, id).await?;
    let author = ctx.actor.user_id() == Some(m.user_id.as_str());
    if !(author || sysadmin_too && ctx.actor.is_sysadmin()) {
        return Err(not_authorized(ctx, template));
    }
    Ok(m)
}

async fn datarequest_comment_update(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = comment_id(&p)?;
    require_user(ctx, "datarequest_comment_update")?;
    let mut tx = c.store().begin().await?;
    let mut m = own_comment(
        tx.as_mut(),
        ctx,
        &id,
        false,
        "User %{user} not authorized to update this comment",
    )
    .await?;
    m.comment = comment_text(&p)?;
    tx.datarequest_comment_update(&m).await?;
    tx.commit().await?;
    comment_dict(c, ctx, &m).await
}

async fn datarequest_comment_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = comment_id(&p)?;
    require_user(ctx, "datarequest_comment_delete")?;
    let mut tx = c.store().begin().await?;
    let m = own_comment(
        tx.as_mut(),
        ctx,
        &id,
        true,
        "User %{user} not authorized to delete this comment",
    )
    .await?;
    tx.datarequest_comment_delete(&m.id).await?;
    tx.commit().await?;
    comment_dict(c, ctx, &m).await
}

async fn datarequest_follow(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = request_id(&p, "id")?;
    let user = require_user(ctx, "datarequest_follow")?;
    let mut tx = c.store().begin().await?;
    let r = load(tx.as_mut(), &id).await?;
    if !tx.datarequest_follow(&r.id, &user.id, &now_utc()).await? {
        return Err(Error::ValidationMessage(Msg::new(
            "The user is already following the given Data Request",
        )));
    }
    tx.commit().await?;
    Ok(Value::Bool(true))
}

async fn datarequest_unfollow(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = request_id(&p, "id")?;
    let user = require_user(ctx, "datarequest_unfollow")?;
    let mut tx = c.store().begin().await?;
    if !tx.datarequest_unfollow(&id, &user.id).await? {
        return Err(Error::not_found(
            "The user is not following the given Data Request",
        ));
    }
    tx.commit().await?;
    Ok(Value::Bool(true))
}
