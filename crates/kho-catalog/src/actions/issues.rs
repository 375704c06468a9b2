//! Error reports on datasets (requirement 14), with the action names, parameters and
//! result shapes of ckanext-issues: `issue_create`, `issue_show`, `issue_update`,
//! `issue_delete`, `issue_search`, `issue_comment_create`.
//!
//! Who may do what: whoever may read a dataset (`package_show`) may report on it and read
//! its issues; an anonymous reporter leaves an e-mail address (rate-limited) and gets a
//! follow token that opens that one issue's thread to them. The owning organization's
//! editors and admins, and sysadmins, see reporters' addresses, close, reopen and delete.

use std::collections::HashMap;

use kho_core::authz::Permission;
use kho_core::model::{Dataset, Issue, IssueComment, STATE_ACTIVE};
use kho_core::params::{opt_int, opt_natural, opt_str, Params};
use kho_core::time::{isoformat, now_utc};
use kho_core::{Error, Msg, Result};
use kho_store::{DatasetFilter, IssueQuery, IssueSort, Tx};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::datasets::{can_read, owner_perm, read_denied};
use super::{action, caller_labels, load_group, not_authorized};
use crate::registry::Registry;
use crate::{Catalog, Ctx};

const TITLE_MAX: usize = 200;
const TEXT_MAX: usize = 10_000;
const SEARCH_LIMIT_DEFAULT: i64 = 10;
const SEARCH_LIMIT_MAX: i64 = 100;

pub fn register(r: &mut Registry) {
    action!(r, "issue_create", false, issue_create,
        "Report an error in a dataset (ckanext-issues). Whoever may read the dataset may report on it; an anonymous reporter must give an `email` (seen only by the owning organization's editors and admins and by sysadmins) and is limited to `issue_reports_per_hour` reports per e-mail address and per client address (over the limit: a Validation Error on `email`).\n\n:param dataset_id: the id or name of the dataset\n:param title: a short title\n:param description: what is wrong (optional)\n:param email: the anonymous reporter's e-mail address\n:returns: the issue dict `{id, number, dataset_id, title, description, user_id, user, status, resolved, created, comment_count, visibility, abuse_status}`; for an anonymous reporter also `follow_token`, which opens this issue to `issue_show` and `issue_comment_create`\n:rtype: dictionary",
        [("dataset_id", "string", true, "id or name of the dataset"),
         ("title", "string", true, "a short title"),
         ("description", "string", false, "what is wrong"),
         ("email", "string", false, "the anonymous reporter's e-mail address (required when not logged in)")],
        "object");
    action!(r, "issue_show", true, issue_show,
        "Return one issue with its comments (ckanext-issues). For whoever may read the dataset, and for the anonymous reporter with the issue's `follow_token`.\n\n:param dataset_id: the id or name of the dataset\n:param issue_number: the issue's number within the dataset\n:param follow_token: the token `issue_create` gave an anonymous reporter (optional)\n:returns: the issue dict with `comments`, a list of `{id, issue_id, comment, user_id, user, by_reporter, created}`\n:rtype: dictionary",
        [("dataset_id", "string", true, "id or name of the dataset"),
         ("issue_number", "integer", true, "the issue's number within the dataset"),
         ("follow_token", "string", false, "the anonymous reporter's follow token")],
        "object");
    action!(r, "issue_update", false, issue_update,
        "Change an issue (ckanext-issues): its title and description (its logged-in reporter, or the owning organization's editors and admins and sysadmins) or its status (`open` or `closed`; the organization's editors and admins and sysadmins).\n\n:param dataset_id: the id or name of the dataset\n:param issue_number: the issue's number\n:param title: a new title (optional)\n:param description: a new description (optional)\n:param status: `open` or `closed` (optional)\n:returns: the issue dict\n:rtype: dictionary",
        [("dataset_id", "string", true, "id or name of the dataset"),
         ("issue_number", "integer", true, "the issue's number"),
         ("title", "string", false, "a new title"),
         ("description", "string", false, "a new description"),
         ("status", "string", false, "open or closed")],
        "object");
    action!(r, "issue_delete", false, issue_delete,
        "Delete an issue and its comments (ckanext-issues); the owning organization's editors and admins and sysadmins.\n\n:param dataset_id: the id or name of the dataset\n:param issue_number: the issue's number",
        [("dataset_id", "string", true, "id or name of the dataset"),
         ("issue_number", "integer", true, "the issue's number")],
        "null");
    action!(r, "issue_search", true, issue_search,
        "Search the issues of the datasets the caller may read (ckanext-issues).\n\n:param dataset_id: only this dataset's issues (optional)\n:param organization_id: only the issues of this organization's datasets (optional)\n:param status: `open` or `closed` (optional)\n:param q: words that must all occur in the title or description (optional)\n:param sort: `newest` (default), `oldest`, `most_commented`, `least_commented`, `recently_updated`, `least_recently_updated`\n:param offset: skip this many (default 0)\n:param limit: at most this many (default 10, at most 100)\n:returns: `{count, results}`, `results` a list of issue dicts\n:rtype: dictionary",
        [("dataset_id", "string", false, "only this dataset's issues"),
         ("organization_id", "string", false, "only the issues of this organization's datasets"),
         ("status", "string", false, "open or closed"),
         ("q", "string", false, "words in the title or description"),
         ("sort", "string", false, "newest, oldest, most_commented, least_commented, recently_updated, least_recently_updated"),
         ("offset", "integer", false, "skip this many"),
         ("limit", "integer", false, "at most this many (default 10, max 100)")],
        "object");
    action!(r, "issue_comment_create", false, issue_comment_create,
        "Add a comment to an issue's thread (ckanext-issues): any logged-in user who may read the dataset, or the anonymous reporter with the issue's `follow_token`.\n\n:param dataset_id: the id or name of the dataset\n:param issue_number: the issue's number\n:param comment: the text\n:param follow_token: the anonymous reporter's follow token (optional)\n:returns: the comment dict `{id, issue_id, comment, user_id, user, by_reporter, created}`\n:rtype: dictionary",
        [("dataset_id", "string", true, "id or name of the dataset"),
         ("issue_number", "integer", true, "the issue's number"),
         ("comment", "string", true, "the text"),
         ("follow_token", "string", false, "the anonymous reporter's follow token")],
        "object");
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let bytes: [u8; 24] = rand::random();
    hex::encode(bytes)
}

/// A required, non-blank text of at most `max` characters.
fn req_text(p: &Params, key: &str, max: usize) -> Result<String> {
    let v = opt_text(p, key, max)?.unwrap_or_default();
    if v.is_empty() {
        return Err(Error::missing(key));
    }
    Ok(v)
}

fn opt_text(p: &Params, key: &str, max: usize) -> Result<Option<String>> {
    let v = opt_str(p, key)?.map(|s| s.trim().to_owned());
    if v.as_ref().is_some_and(|s| s.chars().count() > max) {
        return Err(Error::field(
            key,
            Msg::new("Must be a maximum of %{n} characters long").arg("n", max),
        ));
    }
    Ok(v)
}

/// A plausible address (one `@`, a dot in the domain, no spaces), lower-cased.
fn valid_email(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(e)
}

fn issue_number(p: &Params) -> Result<i64> {
    match opt_int(p, "issue_number")? {
        Some(n) if n > 0 => Ok(n),
        Some(_) => Err(Error::field("issue_number", "Must be a natural number")),
        None => Err(Error::missing("issue_number")),
    }
}

/// The active dataset `dataset_id` names, if the caller may read it (`package_show`'s
/// answers otherwise).
async fn readable_dataset(c: &Catalog, tx: &mut dyn Tx, ctx: &Ctx, asked: &str) -> Result<Dataset> {
    let d = active_dataset(tx, asked).await?;
    if !can_read(c, tx, ctx, &d).await? {
        return Err(read_denied(ctx, asked));
    }
    Ok(d)
}

async fn active_dataset(tx: &mut dyn Tx, asked: &str) -> Result<Dataset> {
    tx.package_get(asked)
        .await?
        .filter(|d| d.state == STATE_ACTIVE)
        .ok_or(Error::NotFound(None))
}

fn issue_not_found() -> Error {
    Error::not_found("Issue not found")
}

/// Does `token` open this issue?
fn follows(issue: &Issue, token: Option<&str>) -> bool {
    match (token, &issue.follow_token_hash) {
        (Some(t), Some(h)) if !t.is_empty() => token_hash(t) == *h,
        _ => false,
    }
}

/// The dataset and issue of a call that names them, for a caller who may read the
/// dataset or holds the issue's follow token. Returns whether the token was used.
async fn issue_for(
    c: &Catalog,
    tx: &mut dyn Tx,
    ctx: &Ctx,
    p: &Params,
) -> Result<(Dataset, Issue, bool)> {
    let asked = kho_core::params::req_str(p, "dataset_id")?;
    let number = issue_number(p)?;
    let token = opt_str(p, "follow_token")?;
    let d = active_dataset(tx, &asked).await?;
    let issue = tx.issue_get(&d.id, number).await?;
    if let Some(i) = issue.as_ref().filter(|i| follows(i, token.as_deref())) {
        let i = i.clone();
        return Ok((d, i, true));
    }
    if !can_read(c, tx, ctx, &d).await? {
        return Err(read_denied(ctx, &asked));
    }
    let issue = issue.ok_or_else(issue_not_found)?;
    Ok((d, issue, false))
}

/// May the caller act for the dataset's owner (answer privately, close, delete)?
async fn is_staff(tx: &mut dyn Tx, ctx: &Ctx, d: &Dataset) -> Result<bool> {
    owner_perm(tx, ctx, d, Permission::UpdateDataset).await
}

async fn user_brief(
    tx: &mut dyn Tx,
    cache: &mut HashMap<String, Value>,
    user_id: Option<&str>,
) -> Result<Value> {
    let Some(uid) = user_id else {
        return Ok(Value::Null);
    };
    if let Some(v) = cache.get(uid) {
        return Ok(v.clone());
    }
    let v = match tx.user_get(uid).await? {
        Some(u) => json!({"id": u.id, "name": u.name, "display_name": u.display_name()}),
        None => json!({"id": uid}),
    };
    cache.insert(uid.to_owned(), v.clone());
    Ok(v)
}

/// ckanext-issues' `Issue.as_dict`, with the reporter's address for `private` callers.
async fn issue_dict(
    tx: &mut dyn Tx,
    users: &mut HashMap<String, Value>,
    i: &Issue,
    private: bool,
) -> Result<Value> {
    let mut out = json!({
        "id": i.id,
        "number": i.number,
        "dataset_id": i.dataset_id,
        "title": i.title,
        "description": i.description,
        "user_id": i.user_id,
        "user": user_brief(tx, users, i.user_id.as_deref()).await?,
        "status": i.status,
        "resolved": i.resolved.as_ref().map(isoformat),
        "created": isoformat(&i.created),
        "modified": isoformat(&i.modified),
        "comment_count": i.comment_count,
        "visibility": "visible",
        "abuse_status": "unmoderated",
        "assignee_id": Value::Null,
    });
    if private {
        out["reporter_email"] = json!(i.reporter_email);
    }
    Ok(out)
}

async fn comment_dict(
    tx: &mut dyn Tx,
    users: &mut HashMap<String, Value>,
    issue: &Issue,
    c: &IssueComment,
) -> Result<Value> {
    let by_reporter = match (&c.user_id, &issue.user_id) {
        (None, _) => true,
        (Some(a), Some(r)) => a == r,
        (Some(_), None) => false,
    };
    Ok(json!({
        "id": c.id,
        "issue_id": c.issue_id,
        "comment": c.comment,
        "user_id": c.user_id,
        "user": user_brief(tx, users, c.user_id.as_deref()).await?,
        "by_reporter": by_reporter,
        "created": isoformat(&c.created),
    }))
}

pub(crate) async fn issue_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let asked = kho_core::params::req_str(&p, "dataset_id")?;
    let title = req_text(&p, "title", TITLE_MAX)?;
    let description = opt_text(&p, "description", TEXT_MAX)?.unwrap_or_default();
    let mut tx = c.store().begin().await?;
    let d = readable_dataset(c, tx.as_mut(), ctx, &asked).await?;
    let now = now_utc();
    let mut issue = Issue {
        id: uuid::Uuid::new_v4().to_string(),
        dataset_id: d.id.clone(),
        number: 0,
        title,
        description,
        user_id: ctx.actor.user_id().map(str::to_owned),
        reporter_email: None,
        client_address: None,
        follow_token_hash: None,
        status: "open".to_owned(),
        resolved: None,
        created: now,
        modified: now,
        comment_count: 0,
    };
    let mut token = None;
    if issue.user_id.is_none() {
        let limit = c.config().issue_reports_per_hour;
        if limit == 0 {
            return Err(not_authorized(
                ctx,
                "Anonymous error reports are turned off; log in to report",
            ));
        }
        let raw = opt_str(&p, "email")?.unwrap_or_default();
        if raw.trim().is_empty() {
            return Err(Error::missing("email"));
        }
        let email = valid_email(&raw).ok_or_else(|| {
            Error::field(
                "email",
                Msg::new("Email %{email} is not a valid format").arg("email", raw.trim()),
            )
        })?;
        let since = now - chrono::Duration::hours(1);
        let (by_email, by_client) = tx
            .issue_reports_since(&email, ctx.client.as_deref(), since)
            .await?;
        if by_email.max(by_client) >= i64::from(limit) {
            return Err(Error::field(
                "email",
                Msg::new("Too many reports: at most %{limit} an hour; try again later")
                    .arg("limit", limit),
            ));
        }
        let t = new_token();
        issue.reporter_email = Some(email);
        issue.client_address = ctx.client.clone();
        issue.follow_token_hash = Some(token_hash(&t));
        token = Some(t);
    }
    let stored = tx.issue_insert(&issue).await?;
    let mut users = HashMap::new();
    // The reporter sees their own address back.
    let mut out = issue_dict(tx.as_mut(), &mut users, &stored, true).await?;
    tx.commit().await?;
    if let Some(t) = token {
        out["follow_token"] = json!(t);
    }
    Ok(out)
}

pub(crate) async fn issue_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let mut tx = c.store().read().await?;
    let (d, issue, by_token) = issue_for(c, tx.as_mut(), ctx, &p).await?;
    let private = by_token || is_staff(tx.as_mut(), ctx, &d).await?;
    let mut users = HashMap::new();
    let mut out = issue_dict(tx.as_mut(), &mut users, &issue, private).await?;
    let mut comments = Vec::new();
    for cm in tx.issue_comments(&issue.id).await? {
        comments.push(comment_dict(tx.as_mut(), &mut users, &issue, &cm).await?);
    }
    out["comments"] = Value::Array(comments);
    Ok(out)
}

pub(crate) async fn issue_comment_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let comment = req_text(&p, "comment", TEXT_MAX)?;
    let mut tx = c.store().begin().await?;
    let (_, issue, by_token) = issue_for(c, tx.as_mut(), ctx, &p).await?;
    let user_id = ctx.actor.user_id().map(str::to_owned);
    if !by_token && user_id.is_none() {
        return Err(not_authorized(
            ctx,
            "User %{user} not authorized to comment on this issue",
        ));
    }
    let cm = IssueComment {
        id: uuid::Uuid::new_v4().to_string(),
        issue_id: issue.id.clone(),
        comment,
        // With the token, the comment is the anonymous reporter's whoever is logged in.
        user_id: if by_token && issue.user_id.is_none() {
            None
        } else {
            user_id
        },
        created: now_utc(),
    };
    tx.issue_comment_insert(&cm).await?;
    let mut users = HashMap::new();
    let out = comment_dict(tx.as_mut(), &mut users, &issue, &cm).await?;
    tx.commit().await?;
    Ok(out)
}

pub(crate) async fn issue_update(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let title = opt_text(&p, "title", TITLE_MAX)?;
    let description = opt_text(&p, "description", TEXT_MAX)?;
    let status = opt_str(&p, "status")?;
    if let Some(s) = &status {
        if s != "open" && s != "closed" {
            return Err(Error::field(
                "status",
                Msg::new("Value must be one of %{choices}").arg("choices", "open, closed"),
            ));
        }
    }
    if title.as_deref() == Some("") {
        return Err(Error::missing("title"));
    }
    let mut tx = c.store().begin().await?;
    let asked = kho_core::params::req_str(&p, "dataset_id")?;
    let number = issue_number(&p)?;
    let d = readable_dataset(c, tx.as_mut(), ctx, &asked).await?;
    let mut issue = tx
        .issue_get(&d.id, number)
        .await?
        .ok_or_else(issue_not_found)?;
    let staff = is_staff(tx.as_mut(), ctx, &d).await?;
    let reporter = ctx.actor.user_id().is_some() && ctx.actor.user_id() == issue.user_id.as_deref();
    let changes_status = status.as_ref().is_some_and(|s| *s != issue.status);
    if !(staff || reporter && !changes_status) {
        return Err(not_authorized(
            ctx,
            "User %{user} not authorized to update this issue",
        ));
    }
    let now = now_utc();
    if let Some(t) = title {
        issue.title = t;
    }
    if let Some(t) = description {
        issue.description = t;
    }
    if changes_status {
        if let Some(s) = status {
            issue.resolved = (s == "closed").then_some(now);
            issue.status = s;
        }
    }
    issue.modified = now;
    tx.issue_update(&issue).await?;
    let mut users = HashMap::new();
    let out = issue_dict(tx.as_mut(), &mut users, &issue, staff).await?;
    tx.commit().await?;
    Ok(out)
}

pub(crate) async fn issue_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let asked = kho_core::params::req_str(&p, "dataset_id")?;
    let number = issue_number(&p)?;
    let mut tx = c.store().begin().await?;
    let d = readable_dataset(c, tx.as_mut(), ctx, &asked).await?;
    let issue = tx
        .issue_get(&d.id, number)
        .await?
        .ok_or_else(issue_not_found)?;
    if !is_staff(tx.as_mut(), ctx, &d).await? {
        return Err(not_authorized(
            ctx,
            "User %{user} not authorized to delete this issue",
        ));
    }
    tx.issue_delete(&issue.id).await?;
    tx.commit().await?;
    Ok(Value::Null)
}

fn parse_sort(s: Option<&str>) -> Result<IssueSort> {
    Ok(match s.unwrap_or("newest") {
        "" | "newest" => IssueSort::Newest,
        "oldest" => IssueSort::Oldest,
        "most_commented" => IssueSort::MostCommented,
        "least_commented" => IssueSort::LeastCommented,
        "recently_updated" => IssueSort::RecentlyUpdated,
        "least_recently_updated" => IssueSort::LeastRecentlyUpdated,
        _ => {
            return Err(Error::field(
                "sort",
                Msg::new("Value must be one of %{choices}").arg(
                    "choices",
                    "newest, oldest, most_commented, least_commented, recently_updated, \
                     least_recently_updated",
                ),
            ))
        }
    })
}

pub(crate) async fn issue_search(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let status = opt_str(&p, "status")?.filter(|s| !s.is_empty());
    if let Some(s) = &status {
        if s != "open" && s != "closed" {
            return Err(Error::field(
                "status",
                Msg::new("Value must be one of %{choices}").arg("choices", "open, closed"),
            ));
        }
    }
    let sort = parse_sort(opt_str(&p, "sort")?.as_deref())?;
    let offset = opt_natural(&p, "offset")?.unwrap_or(0);
    let limit = opt_natural(&p, "limit")?
        .unwrap_or(SEARCH_LIMIT_DEFAULT)
        .min(SEARCH_LIMIT_MAX);
    let q = opt_str(&p, "q")?.filter(|s| !s.trim().is_empty());
    let mut tx = c.store().read().await?;
    let dataset_id = match opt_str(&p, "dataset_id")?.filter(|s| !s.is_empty()) {
        Some(asked) => Some(readable_dataset(c, tx.as_mut(), ctx, &asked).await?.id),
        None => None,
    };
    let owner_org = match opt_str(&p, "organization_id")?.filter(|s| !s.is_empty()) {
        Some(o) => Some(
            load_group(tx.as_mut(), &o, true)
                .await?
                .filter(|g| g.state == STATE_ACTIVE)
                .ok_or(Error::NotFound(None))?
                .id,
        ),
        None => None,
    };
    let readable_by = caller_labels(c, tx.as_mut(), ctx).await?;
    let query = IssueQuery {
        datasets: DatasetFilter {
            owner_org,
            states: vec![STATE_ACTIVE.to_owned()],
            readable_by,
            ..DatasetFilter::default()
        },
        dataset_id,
        status,
        q,
        sort,
        offset,
        limit,
    };
    let (count, issues) = tx.issue_search(&query).await?;
    let mut users = HashMap::new();
    let mut staff_of: HashMap<String, bool> = HashMap::new();
    let mut results = Vec::with_capacity(issues.len());
    for i in &issues {
        let private = match staff_of.get(&i.dataset_id) {
            Some(s) => *s,
            None => {
                let s = match tx.package_get(&i.dataset_id).await? {
                    Some(d) => is_staff(tx.as_mut(), ctx, &d).await?,
                    None => false,
                };
                staff_of.insert(i.dataset_id.clone(), s);
                s
            }
        };
        results.push(issue_dict(tx.as_mut(), &mut users, i, private).await?);
    }
    Ok(json!({"count": count, "results": results}))
}
