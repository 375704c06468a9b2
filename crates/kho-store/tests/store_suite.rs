//! One store test suite, run on every backend: a SQLite file, an in-memory SQLite and
//! Postgres (a fresh database per test from `kho_test_support::postgres_url`).
//!
//! Each test is a generic `async fn(Arc<dyn Store>)`; the `store_suite!` macro at the end
//! instantiates it once per backend. Tests that hold a write transaction open while
//! reading through another connection do not run on the in-memory SQLite, whose single
//! connection serves reads and writes alike.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use kho_core::model::{
    AccessGrant, Activity, ApiToken, Collaborator, DataRequest, DataRequestComment, Dataset,
    DatasetExtra, Grantee, Group, GroupExtra, HarvestJob, HarvestSource, HarvestedDataset, Issue,
    IssueComment, Member, NameAlias, PersonalDataOverride, Resource, ResourceFile, Tag, User,
    ALIAS_GROUP, ALIAS_PACKAGE,
};
use kho_core::visibility::{caller_labels, CallerFacts};
use kho_store::{
    ActivityQuery, ActivityScope, DataRequestFilter, DatasetFilter, IssueQuery, IssueSort,
    SharingEntry, SharingLogQuery, Store, StoreError, Suspension,
};

// ---------------------------------------------------------------- fixtures

fn at(s: &str) -> NaiveDateTime {
    kho_core::time::parse(s).expect("test timestamp")
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn user(name: &str) -> User {
    User {
        id: new_id(),
        name: name.to_owned(),
        fullname: Some(format!("{name} Nguyễn")),
        email: Some(format!("{name}@example.org")),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        about: None,
        image_url: None,
        sysadmin: false,
        state: "active".to_owned(),
        created: at("2026-01-02T03:04:05.123456"),
        last_active: None,
        activity_streams_email_notifications: false,
        plugin_extras: None,
    }
}

fn token(user_id: &str, name: &str, created_at: &str) -> ApiToken {
    ApiToken {
        id: new_id(),
        user_id: user_id.to_owned(),
        name: name.to_owned(),
        token_hash: format!("hash-{}", new_id()),
        created_at: at(created_at),
        last_access: None,
        expires_at: None,
        state: "active".to_owned(),
        state_reason: None,
    }
}

fn extra(group_id: &str, key: &str, value: &str) -> GroupExtra {
    GroupExtra {
        id: new_id(),
        group_id: group_id.to_owned(),
        key: key.to_owned(),
        value: value.to_owned(),
        state: "active".to_owned(),
    }
}

fn group(name: &str, is_organization: bool) -> Group {
    Group {
        id: new_id(),
        name: name.to_owned(),
        title: Some(format!("Title of {name}")),
        description: Some("Mô tả".to_owned()),
        image_url: None,
        group_type: if is_organization {
            "organization"
        } else {
            "group"
        }
        .to_owned(),
        is_organization,
        approval_status: "approved".to_owned(),
        state: "active".to_owned(),
        created: at("2026-03-04T05:06:07"),
        extras: Vec::new(),
    }
}

fn member(group_id: &str, table_id: &str, table_name: &str, capacity: &str) -> Member {
    Member {
        id: new_id(),
        group_id: group_id.to_owned(),
        table_id: table_id.to_owned(),
        table_name: table_name.to_owned(),
        capacity: capacity.to_owned(),
        state: "active".to_owned(),
    }
}

fn activity(object_id: &str, timestamp: &str) -> Activity {
    Activity {
        id: new_id(),
        timestamp: at(timestamp),
        user_id: new_id(),
        object_id: object_id.to_owned(),
        activity_type: "changed package".to_owned(),
        data: format!(r#"{{"package":{{"id":"{object_id}"}}}}"#),
        permission_labels: vec!["public".to_owned(), "member-org1".to_owned()],
    }
}

async fn insert_users(store: &dyn Store, users: &[&User]) {
    let mut tx = store.begin().await.expect("begin");
    for u in users {
        tx.user_insert(u).await.expect("user_insert");
    }
    tx.commit().await.expect("commit");
}

async fn insert_groups(store: &dyn Store, groups: &[&Group]) {
    let mut tx = store.begin().await.expect("begin");
    for g in groups {
        tx.group_insert(g).await.expect("group_insert");
    }
    tx.commit().await.expect("commit");
}

fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.name.as_str()).collect()
}

fn keys(group: &Group) -> Vec<(&str, &str)> {
    group
        .extras
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_str()))
        .collect()
}

/// A dataset with every optional column set and no extras, tags or resources.
fn dataset(name: &str, owner_org: Option<&str>) -> Dataset {
    Dataset {
        id: new_id(),
        name: name.to_owned(),
        title: Some(format!("Dữ liệu {name}")),
        author: Some("Trần Văn A".to_owned()),
        author_email: Some("a@example.org".to_owned()),
        maintainer: Some("Lê Thị B".to_owned()),
        maintainer_email: Some("b@example.org".to_owned()),
        license_id: Some("cc-by".to_owned()),
        notes: Some("Ghi chú\u{0}with NUL".to_owned()),
        url: Some("https://example.org/source".to_owned()),
        version: Some("1.0".to_owned()),
        state: "active".to_owned(),
        dataset_type: "dataset".to_owned(),
        owner_org: owner_org.map(str::to_owned),
        sharing_level: "open".to_owned(),
        creator_user_id: Some(new_id()),
        metadata_created: at("2026-02-03T04:05:06.654321"),
        metadata_modified: at("2026-02-04T04:05:06"),
        profile: r#"{"tần_suất_cập_nhật":"hàng tháng","lĩnh_vực":["Giáo dục","Y tế"]}"#.to_owned(),
        plugin_data: Some(r#"{"harvest":{"source":"x"}}"#.to_owned()),
        extras: Vec::new(),
        tags: Vec::new(),
        resources: Vec::new(),
    }
}

/// A dataset with only the required columns.
fn bare_dataset(name: &str) -> Dataset {
    Dataset {
        title: None,
        author: None,
        author_email: None,
        maintainer: None,
        maintainer_email: None,
        license_id: None,
        notes: None,
        url: None,
        version: None,
        owner_org: None,
        creator_user_id: None,
        plugin_data: None,
        profile: "{}".to_owned(),
        ..dataset(name, None)
    }
}

fn resource(package_id: &str, position: i64) -> Resource {
    Resource {
        id: new_id(),
        package_id: package_id.to_owned(),
        url: format!("https://example.org/file-{position}.csv"),
        format: "CSV".to_owned(),
        name: Some(format!("Tệp {position}")),
        description: Some("Mô tả tệp".to_owned()),
        hash: "sha256:abc".to_owned(),
        size: Some(1_234_567_890_123),
        mimetype: Some("text/csv".to_owned()),
        mimetype_inner: None,
        cache_url: None,
        cache_last_updated: Some(at("2026-03-01T00:00:00.000001")),
        last_modified: None,
        created: at("2026-02-03T04:05:06.654321"),
        metadata_modified: at("2026-02-05T01:02:03"),
        resource_type: None,
        url_type: Some("upload".to_owned()),
        position,
        state: "active".to_owned(),
        extras: r#"{"ngôn_ngữ":"vi","datastore_active":false}"#.to_owned(),
    }
}

fn tag(name: &str, vocabulary_id: Option<&str>) -> Tag {
    Tag {
        id: new_id(),
        name: name.to_owned(),
        vocabulary_id: vocabulary_id.map(str::to_owned),
    }
}

fn dataset_extra(key: &str, value: &str) -> DatasetExtra {
    DatasetExtra {
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

async fn insert_datasets(store: &dyn Store, datasets: &[&Dataset]) {
    let mut tx = store.begin().await.expect("begin");
    for d in datasets {
        tx.package_insert(d).await.expect("package_insert");
    }
    tx.commit().await.expect("commit");
}

/// `d` as `package_get` returns it: children sorted, only active resources.
fn as_stored(d: &Dataset) -> Dataset {
    let mut d = d.clone();
    // Extras keep the order they were given; tags and resources are sorted.
    d.tags
        .sort_by(|a, b| (&a.name, &a.vocabulary_id).cmp(&(&b.name, &b.vocabulary_id)));
    d.resources.retain(|r| r.state == "active");
    d.resources.sort_by_key(|r| r.position);
    d
}

// ---------------------------------------------------------------- tests

async fn link_checks_and_targets(store: Arc<dyn Store>) {
    use kho_core::model::LinkCheck;
    let mut d = dataset("link-checks", None);
    let mut web = resource(&d.id, 0);
    web.url_type = None;
    web.url = "https://example.org/a.csv".into();
    let upload = resource(&d.id, 1);
    let mut ftp = resource(&d.id, 2);
    ftp.url_type = None;
    ftp.url = "ftp://example.org/b.csv".into();
    let mut other = resource(&d.id, 3);
    other.url_type = Some(String::new());
    other.url = "HTTP://example.org/c.csv".into();
    d.resources = vec![web.clone(), upload, ftp, other.clone()];
    let mut deleted = dataset("link-checks-deleted", None);
    deleted.state = "deleted".into();
    let mut gone = resource(&deleted.id, 0);
    gone.url_type = None;
    deleted.resources = vec![gone];
    insert_datasets(store.as_ref(), &[&d, &deleted]).await;

    let now = at("2026-05-01T00:00:00");
    let mut tx = store.begin().await.expect("begin");
    let due = tx.link_targets(None, &now, 10).await.expect("targets");
    let ids: Vec<&str> = due.iter().map(|t| t.resource_id.as_str()).collect();
    // http(s) only (any case), no uploads, no deleted datasets; by position.
    assert_eq!(ids, [web.id.as_str(), other.id.as_str()]);
    assert_eq!(due[0].url, "https://example.org/a.csv");
    assert_eq!(due[0].dataset_id, d.id);
    assert_eq!(tx.link_targets(None, &now, 1).await.expect("t").len(), 1);
    assert_eq!(
        tx.link_targets(Some("no-such-dataset"), &now, 10)
            .await
            .expect("t"),
        vec![]
    );

    let check = LinkCheck {
        resource_id: web.id.clone(),
        dataset_id: d.id.clone(),
        url: web.url.clone(),
        checked_at: at("2026-04-01T00:00:00"),
        status_code: Some(404),
        ok: false,
        error: Some("Không tìm thấy".into()),
        content_type: Some("text/html".into()),
    };
    tx.link_check_put(&check).await.expect("put");
    // Replacing keeps one row per resource.
    let newer = LinkCheck {
        checked_at: at("2026-04-20T00:00:00"),
        status_code: Some(200),
        ok: true,
        error: None,
        ..check.clone()
    };
    tx.link_check_put(&newer).await.expect("put again");
    assert_eq!(
        tx.link_checks_of(std::slice::from_ref(&d.id))
            .await
            .expect("of"),
        vec![newer.clone()]
    );
    // Checked after the cut-off: no longer due; before it: due after the unchecked.
    let due = tx.link_targets(Some(&d.id), &now, 10).await.expect("t");
    let ids: Vec<&str> = due.iter().map(|t| t.resource_id.as_str()).collect();
    assert_eq!(ids, [other.id.as_str(), web.id.as_str()]);
    let due = tx
        .link_targets(Some(&d.id), &at("2026-04-10T00:00:00"), 10)
        .await
        .expect("t");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].resource_id, other.id);
    tx.package_purge(&d.id).await.expect("purge");
    assert_eq!(
        tx.link_checks_of(std::slice::from_ref(&d.id))
            .await
            .expect("of"),
        vec![]
    );
    tx.commit().await.expect("commit");
}

async fn migrations_are_idempotent(store: Arc<dyn Store>) {
    store.migrate().await.expect("second migrate");
    store.migrate().await.expect("third migrate");
    store.ping().await.expect("ping");
    let u = user("after-migrate");
    insert_users(&*store, &[&u]).await;
    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.user_count().await.expect("count"), 1);
}

async fn user_roundtrip(store: Arc<dyn Store>) {
    let mut full = user("full");
    full.about = Some("about me".to_owned());
    full.image_url = Some("https://example.org/me.png".to_owned());
    full.sysadmin = true;
    full.last_active = Some(at("2026-05-06T07:08:09"));
    full.activity_streams_email_notifications = true;
    full.plugin_extras = Some(r#"{"k":"v"}"#.to_owned());
    let mut bare = user("bare");
    bare.fullname = None;
    bare.email = None;
    bare.password_hash = None;
    bare.created = at("2026-01-02T03:04:05");
    insert_users(&*store, &[&full, &bare]).await;

    let mut tx = store.read().await.expect("read");
    assert_eq!(
        tx.user_get(&full.id).await.expect("get"),
        Some(full.clone())
    );
    assert_eq!(tx.user_get("full").await.expect("get"), Some(full.clone()));
    assert_eq!(
        tx.user_get(&bare.id).await.expect("get"),
        Some(bare.clone())
    );
    assert_eq!(tx.user_get("nobody").await.expect("get"), None);
    drop(tx);

    let mut changed = full.clone();
    changed.name = "full-renamed".to_owned();
    changed.fullname = None;
    changed.email = Some("new@example.org".to_owned());
    changed.sysadmin = false;
    changed.state = "deleted".to_owned();
    changed.plugin_extras = None;
    let mut tx = store.begin().await.expect("begin");
    tx.user_update(&changed).await.expect("update");
    tx.user_touch(&bare.id, at("2026-07-08T09:10:11.000001"))
        .await
        .expect("touch");
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.user_get(&full.id).await.expect("get"), Some(changed));
    assert_eq!(tx.user_get("full").await.expect("get"), None);
    let touched = tx
        .user_get("bare")
        .await
        .expect("get")
        .expect("bare exists");
    assert_eq!(touched.last_active, Some(at("2026-07-08T09:10:11.000001")));
}

/// Text with control characters, NUL included, reads back unchanged on every backend
/// (Postgres TEXT cannot hold NUL, so the store encodes it there).
async fn control_characters_round_trip(store: Arc<dyn Store>) {
    let mut odd = user("odd");
    odd.fullname = Some("a\u{0}b\u{1}c\u{1}\u{0}".to_owned());
    odd.about = Some("\u{1}\u{2}Sở Y tế\u{0}".to_owned());
    insert_users(&*store, &[&odd]).await;
    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.user_get(&odd.id).await.expect("get"), Some(odd.clone()));
    assert_eq!(tx.user_get("o\u{0}dd").await.expect("get"), None);
}

async fn user_get_prefers_id_over_name(store: Arc<dyn Store>) {
    let first = user("first");
    // A second user whose *name* is the first user's id.
    let second = user(&first.id);
    insert_users(&*store, &[&second, &first]).await;
    let mut tx = store.read().await.expect("read");
    let got = tx.user_get(&first.id).await.expect("get").expect("found");
    assert_eq!(got.id, first.id);
    let got = tx.user_get(&second.id).await.expect("get").expect("found");
    assert_eq!(got.id, second.id);
}

async fn user_list_excludes_deleted(store: Arc<dyn Store>) {
    let c = user("carol");
    let a = user("alice");
    let mut b = user("bob");
    b.state = "deleted".to_owned();
    let mut p = user("pending-user");
    p.state = "pending".to_owned();
    insert_users(&*store, &[&c, &a, &b, &p]).await;
    let mut tx = store.read().await.expect("read");
    let list = tx.user_list().await.expect("list");
    assert_eq!(names(&list), ["alice", "carol", "pending-user"]);
    assert_eq!(tx.user_count().await.expect("count"), 3);
}

async fn users_by_email_is_case_insensitive(store: Arc<dyn Store>) {
    let mut a = user("alice");
    a.email = Some("Alice@Example.ORG".to_owned());
    let mut b = user("alice-old");
    b.email = Some("alice@example.org".to_owned());
    b.state = "deleted".to_owned();
    let c = user("carol");
    insert_users(&*store, &[&a, &b, &c]).await;
    let mut tx = store.read().await.expect("read");
    for query in [
        "alice@example.org",
        "ALICE@EXAMPLE.ORG",
        "Alice@Example.ORG",
    ] {
        let found = tx.users_by_email(query).await.expect("by email");
        assert_eq!(names(&found), ["alice", "alice-old"], "query {query}");
    }
    assert!(tx
        .users_by_email("nobody@example.org")
        .await
        .expect("by email")
        .is_empty());
}

async fn duplicate_user_conflicts_and_leaves_nothing(store: Arc<dyn Store>) {
    let existing = user("taken");
    insert_users(&*store, &[&existing]).await;

    // Same name, committed row: Conflict.
    let fresh = user("fresh");
    let mut tx = store.begin().await.expect("begin");
    tx.user_insert(&fresh).await.expect("insert fresh");
    tx.change_append("user", &fresh.id, "create")
        .await
        .expect("change");
    let err = tx
        .user_insert(&user("taken"))
        .await
        .expect_err("duplicate name");
    assert!(matches!(err, StoreError::Conflict(_)), "got {err:?}");
    // The transaction is aborted on every backend.
    let err = tx.user_get("fresh").await.expect_err("aborted");
    assert!(matches!(err, StoreError::Aborted), "got {err:?}");
    let err = tx.commit().await.expect_err("commit of an aborted tx");
    assert!(matches!(err, StoreError::Aborted), "got {err:?}");

    // Same id: Conflict too.
    let mut same_id = user("other-name");
    same_id.id = existing.id.clone();
    let mut tx = store.begin().await.expect("begin");
    let err = tx.user_insert(&same_id).await.expect_err("duplicate id");
    assert!(matches!(err, StoreError::Conflict(_)), "got {err:?}");
    drop(tx);

    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.user_get("fresh").await.expect("get"), None);
    assert_eq!(tx.user_get("other-name").await.expect("get"), None);
    assert_eq!(names(&tx.user_list().await.expect("list")), ["taken"]);
    assert!(tx.changes_since(0, 10).await.expect("changes").is_empty());
}

async fn token_lifecycle(store: Arc<dyn Store>) {
    let owner = user("owner");
    let other = user("other");
    insert_users(&*store, &[&owner, &other]).await;
    let newer = token(&owner.id, "newer", "2026-02-01T00:00:00");
    let mut older = token(&owner.id, "older", "2026-01-01T00:00:00.5");
    older.expires_at = Some(at("2027-01-01T00:00:00"));
    let others = token(&other.id, "others", "2026-01-15T00:00:00");
    let mut tx = store.begin().await.expect("begin");
    for t in [&newer, &older, &others] {
        tx.token_insert(t).await.expect("token_insert");
    }
    tx.commit().await.expect("commit");

    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.token_get(&older.id).await.expect("get"),
        Some(older.clone())
    );
    assert_eq!(tx.token_get("missing").await.expect("get"), None);
    assert_eq!(
        tx.token_by_hash(&newer.token_hash).await.expect("by hash"),
        Some(newer.clone())
    );
    assert_eq!(tx.token_by_hash("nope").await.expect("by hash"), None);
    let listed = tx.token_list(&owner.id).await.expect("list");
    assert_eq!(listed, vec![older.clone(), newer.clone()]);

    tx.token_set_state(&older.id, "revoked", Some("leaked"))
        .await
        .expect("set state");
    tx.token_touch(&newer.id, at("2026-03-03T03:03:03.303030"))
        .await
        .expect("touch");
    tx.commit().await.expect("commit");

    let mut tx = store.begin().await.expect("begin");
    let revoked = tx.token_get(&older.id).await.expect("get").expect("exists");
    assert_eq!(revoked.state, "revoked");
    assert_eq!(revoked.state_reason.as_deref(), Some("leaked"));
    let touched = tx.token_get(&newer.id).await.expect("get").expect("exists");
    assert_eq!(touched.last_access, Some(at("2026-03-03T03:03:03.303030")));
    tx.token_set_state(&older.id, "active", None)
        .await
        .expect("set state");
    let active = tx.token_get(&older.id).await.expect("get").expect("exists");
    assert_eq!(active.state_reason, None);

    let mut dup = token(&owner.id, "dup", "2026-04-01T00:00:00");
    dup.token_hash = newer.token_hash.clone();
    let err = tx.token_insert(&dup).await.expect_err("duplicate hash");
    assert!(matches!(err, StoreError::Conflict(_)), "got {err:?}");
}

async fn token_needs_existing_user(store: Arc<dyn Store>) {
    let mut tx = store.begin().await.expect("begin");
    let orphan = token("no-such-user", "orphan", "2026-01-01T00:00:00");
    let err = tx.token_insert(&orphan).await.expect_err("foreign key");
    assert!(matches!(err, StoreError::Database(_)), "got {err:?}");
}

async fn group_with_extras(store: Arc<dyn Store>) {
    let mut org = group("org-b", true);
    let mut deleted_extra = extra(&org.id, "gone", "x");
    deleted_extra.state = "deleted".to_owned();
    org.extras = vec![
        extra(&org.id, "zeta", "26"),
        extra(&org.id, "alpha", "1"),
        deleted_extra,
    ];
    let org_a = group("org-a", true);
    let mut grp = group("group-a", false);
    grp.extras = vec![extra(&grp.id, "theme", "health")];
    insert_groups(&*store, &[&org, &grp, &org_a]).await;

    let mut tx = store.read().await.expect("read");
    let by_name = tx.group_get("org-b").await.expect("get").expect("found");
    assert_eq!(keys(&by_name), [("alpha", "1"), ("zeta", "26")]);
    assert_eq!(by_name.extras[0], org.extras[1]);
    let mut expected = org.clone();
    expected.extras = vec![org.extras[1].clone(), org.extras[0].clone()];
    assert_eq!(by_name, expected);
    assert_eq!(tx.group_get(&org.id).await.expect("get"), Some(expected));
    assert_eq!(tx.group_get("nope").await.expect("get"), None);

    let orgs = tx.group_list(true).await.expect("list");
    let org_names: Vec<&str> = orgs.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(org_names, ["org-a", "org-b"]);
    assert!(orgs[0].extras.is_empty());
    assert_eq!(keys(&orgs[1]), [("alpha", "1"), ("zeta", "26")]);
    let groups = tx.group_list(false).await.expect("list");
    assert_eq!(groups, vec![grp.clone()]);
    drop(tx);

    let mut changed = org.clone();
    changed.title = Some("New title".to_owned());
    changed.state = "deleted".to_owned();
    changed.extras = vec![extra(&org.id, "zeta", "27"), extra(&org.id, "new", "n")];
    let mut tx = store.begin().await.expect("begin");
    tx.group_update(&changed).await.expect("update");
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    let got = tx.group_get("org-b").await.expect("get").expect("found");
    assert_eq!(got.title.as_deref(), Some("New title"));
    assert_eq!(got.state, "deleted");
    assert_eq!(keys(&got), [("new", "n"), ("zeta", "27")]);
    // Lists include every state.
    assert_eq!(tx.group_list(true).await.expect("list").len(), 2);
}

async fn groups_and_orgs_share_names(store: Arc<dyn Store>) {
    insert_groups(&*store, &[&group("shared", true)]).await;
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .group_insert(&group("shared", false))
        .await
        .expect_err("same name");
    assert!(matches!(err, StoreError::Conflict(_)), "got {err:?}");
    drop(tx);

    let mut g = group("dup-extras", false);
    g.extras = vec![extra(&g.id, "k", "1"), extra(&g.id, "k", "2")];
    let mut tx = store.begin().await.expect("begin");
    let err = tx.group_insert(&g).await.expect_err("duplicate extra key");
    assert!(matches!(err, StoreError::Conflict(_)), "got {err:?}");
    drop(tx);
    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.group_get("dup-extras").await.expect("get"), None);
}

async fn group_purge_removes_extras_and_members(store: Arc<dyn Store>) {
    let mut grp = group("doomed", false);
    grp.extras = vec![extra(&grp.id, "k", "v")];
    let org = group("parent-org", true);
    let alice = user("alice");
    insert_users(&*store, &[&alice]).await;
    insert_groups(&*store, &[&grp, &org]).await;
    let mut tx = store.begin().await.expect("begin");
    for m in [
        member(&grp.id, &alice.id, "user", "member"),
        member(&grp.id, "package-1", "package", "public"),
        member(&org.id, &grp.id, "group", "parent"),
        member(&org.id, &alice.id, "user", "admin"),
    ] {
        tx.member_upsert(&m).await.expect("member_upsert");
    }
    tx.commit().await.expect("commit");

    let mut tx = store.begin().await.expect("begin");
    tx.group_purge(&grp.id).await.expect("purge");
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.group_get("doomed").await.expect("get"), None);
    assert!(tx.group_list(false).await.expect("list").is_empty());
    assert!(tx
        .member_list(&grp.id, None)
        .await
        .expect("list")
        .is_empty());
    let left = tx.member_list(&org.id, None).await.expect("list");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].table_id, alice.id);
    assert!(tx.member_of(&grp.id, "group").await.expect("of").is_empty());
    drop(tx);

    // The extras are really gone: the same extra id and key can be used again.
    let mut again = group("doomed", false);
    again.extras = grp.extras.clone();
    again.extras[0].group_id = again.id.clone();
    insert_groups(&*store, &[&again]).await;
}

async fn member_upsert_and_delete(store: Arc<dyn Store>) {
    let g1 = group("g1", false);
    let g2 = group("g2", true);
    insert_groups(&*store, &[&g1, &g2]).await;
    let first = member(&g1.id, "user-1", "user", "member");
    let mut tx = store.begin().await.expect("begin");
    tx.member_upsert(&first).await.expect("upsert");
    let mut second = member(&g1.id, "user-1", "user", "admin");
    second.id = new_id();
    tx.member_upsert(&second).await.expect("upsert again");
    tx.member_upsert(&member(&g1.id, "pkg-1", "package", "public"))
        .await
        .expect("upsert");
    tx.member_upsert(&member(&g2.id, "user-1", "user", "editor"))
        .await
        .expect("upsert");
    let mut gone = member(&g1.id, "user-2", "user", "member");
    gone.state = "deleted".to_owned();
    tx.member_upsert(&gone).await.expect("upsert");
    tx.commit().await.expect("commit");

    let mut tx = store.begin().await.expect("begin");
    let got = tx
        .member_get(&g1.id, "user-1", "user")
        .await
        .expect("get")
        .expect("found");
    assert_eq!(got.id, first.id, "the row keeps its id");
    assert_eq!(got.capacity, "admin");
    let users = tx.member_list(&g1.id, Some("user")).await.expect("list");
    assert_eq!(users, vec![got.clone()]);
    let all = tx.member_list(&g1.id, None).await.expect("list");
    let tables: Vec<&str> = all.iter().map(|m| m.table_name.as_str()).collect();
    assert_eq!(tables, ["package", "user"]);
    // Deleted rows are not listed but can be fetched.
    let fetched = tx.member_get(&g1.id, "user-2", "user").await.expect("get");
    assert_eq!(fetched.map(|m| m.state), Some("deleted".to_owned()));

    let mut expected_groups = vec![g1.id.clone(), g2.id.clone()];
    expected_groups.sort();
    let of: Vec<String> = tx
        .member_of("user-1", "user")
        .await
        .expect("of")
        .into_iter()
        .map(|m| m.group_id)
        .collect();
    assert_eq!(of, expected_groups);

    tx.member_delete(&g1.id, "user-1", "user")
        .await
        .expect("delete");
    assert_eq!(
        tx.member_get(&g1.id, "user-1", "user").await.expect("get"),
        None
    );
    assert_eq!(tx.member_of("user-1", "user").await.expect("of").len(), 1);
    tx.member_delete_all_of("user-1", "user")
        .await
        .expect("delete all");
    assert!(tx.member_of("user-1", "user").await.expect("of").is_empty());
    assert_eq!(tx.member_list(&g1.id, None).await.expect("list").len(), 1);
    tx.commit().await.expect("commit");
}

async fn activity_newest_first(store: Arc<dyn Store>) {
    // Timestamps with and without a fraction: text order must be time order.
    let stamps = [
        "2026-01-01T10:00:00",
        "2026-01-01T10:00:00.000001",
        "2026-01-01T09:59:59.999999",
        "2026-01-02T00:00:00",
        "2025-12-31T23:59:59.5",
    ];
    let acts: Vec<Activity> = stamps.iter().map(|s| activity("pkg-1", s)).collect();
    let mut tx = store.begin().await.expect("begin");
    for a in &acts {
        tx.activity_insert(a).await.expect("insert");
    }
    tx.activity_insert(&activity("pkg-2", "2030-01-01T00:00:00"))
        .await
        .expect("insert");
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    let page1 = tx.activity_list("pkg-1", 0, 3).await.expect("list");
    let page2 = tx.activity_list("pkg-1", 3, 10).await.expect("list");
    let order = [3, 1, 0, 2, 4];
    let expected: Vec<Activity> = order.iter().map(|&i| acts[i].clone()).collect();
    assert_eq!(page1, expected[..3].to_vec());
    assert_eq!(page2, expected[3..].to_vec());
    assert!(tx
        .activity_list("pkg-1", 5, 10)
        .await
        .expect("list")
        .is_empty());
    assert!(tx
        .activity_list("pkg-1", 0, 0)
        .await
        .expect("list")
        .is_empty());
    assert!(tx
        .activity_list("nothing", 0, 10)
        .await
        .expect("list")
        .is_empty());
}

async fn change_log_sequence(store: Arc<dyn Store>) {
    let mut seqs = Vec::new();
    let mut tx = store.begin().await.expect("begin");
    seqs.push(
        tx.change_append("package", "p1", "create")
            .await
            .expect("append"),
    );
    seqs.push(
        tx.change_append("group", "g1", "update")
            .await
            .expect("append"),
    );
    tx.commit().await.expect("commit");
    let mut tx = store.begin().await.expect("begin");
    seqs.push(
        tx.change_append("user", "u1", "delete")
            .await
            .expect("append"),
    );
    tx.commit().await.expect("commit");
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");

    let mut tx = store.read().await.expect("read");
    let all = tx.changes_since(0, 100).await.expect("since");
    let got: Vec<(i64, &str, &str, &str)> = all
        .iter()
        .map(|c| {
            (
                c.seq,
                c.entity_type.as_str(),
                c.entity_id.as_str(),
                c.op.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (seqs[0], "package", "p1", "create"),
            (seqs[1], "group", "g1", "update"),
            (seqs[2], "user", "u1", "delete"),
        ]
    );
    let now = kho_core::time::now_utc();
    for c in &all {
        let age = now - c.at;
        assert!(age.num_seconds().abs() < 300, "at {:?} is not now", c.at);
    }
    let page = tx.changes_since(seqs[0], 1).await.expect("since");
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].seq, seqs[1]);
    assert!(tx
        .changes_since(seqs[2], 10)
        .await
        .expect("since")
        .is_empty());
    assert!(tx.changes_since(0, 0).await.expect("since").is_empty());
}

async fn dropped_transaction_writes_nothing(store: Arc<dyn Store>) {
    let u = user("ghost");
    let mut g = group("ghost-group", true);
    g.extras = vec![extra(&g.id, "k", "v")];
    let mut tx = store.begin().await.expect("begin");
    tx.user_insert(&u).await.expect("insert");
    tx.group_insert(&g).await.expect("insert");
    tx.member_upsert(&member(&g.id, &u.id, "user", "admin"))
        .await
        .expect("member");
    tx.activity_insert(&activity(&g.id, "2026-01-01T00:00:00"))
        .await
        .expect("activity");
    tx.change_append("organization", &g.id, "create")
        .await
        .expect("change");
    assert!(tx.user_get("ghost").await.expect("get").is_some());
    drop(tx);

    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.user_get("ghost").await.expect("get"), None);
    assert_eq!(tx.group_get("ghost-group").await.expect("get"), None);
    assert!(tx.member_of(&u.id, "user").await.expect("of").is_empty());
    assert!(tx
        .activity_list(&g.id, 0, 10)
        .await
        .expect("list")
        .is_empty());
    assert!(tx.changes_since(0, 10).await.expect("since").is_empty());
    drop(tx);

    // The store is still usable, and the same rows can now be written.
    insert_users(&*store, &[&u]).await;
    insert_groups(&*store, &[&g]).await;
}

async fn concurrent_writers(store: Arc<dyn Store>) {
    const TASKS: usize = 8;
    const PER_TASK: usize = 5;
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let store = Arc::clone(&store);
        handles.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..PER_TASK {
                let u = user(&format!("writer-{t}-{i}"));
                let mut tx = store.begin().await?;
                tx.user_insert(&u).await?;
                // Interleave a read so transactions stay open across awaits.
                let _ = tx.user_count().await?;
                seqs.push(tx.change_append("user", &u.id, "create").await?);
                tx.commit().await?;
                tokio::task::yield_now().await;
            }
            Ok::<_, StoreError>(seqs)
        }));
    }
    let mut all_seqs = Vec::new();
    for handle in handles {
        let seqs = handle.await.expect("task").expect("writes succeed");
        all_seqs.extend(seqs);
    }
    let mut tx = store.read().await.expect("read");
    assert_eq!(
        tx.user_count().await.expect("count"),
        (TASKS * PER_TASK) as i64
    );
    let changes = tx.changes_since(0, 1000).await.expect("since");
    let logged: Vec<i64> = changes.iter().map(|c| c.seq).collect();
    all_seqs.sort_unstable();
    assert_eq!(logged, all_seqs);
    assert!(logged.windows(2).all(|w| w[0] < w[1]));
}

async fn read_while_writing(store: Arc<dyn Store>) {
    let u = user("in-flight");
    let mut writer = store.begin().await.expect("begin");
    writer.user_insert(&u).await.expect("insert");
    // A reader neither blocks nor sees uncommitted rows.
    let mut reader = tokio::time::timeout(Duration::from_secs(5), store.read())
        .await
        .expect("read does not wait for the writer")
        .expect("read");
    assert_eq!(reader.user_get("in-flight").await.expect("get"), None);
    drop(reader);
    writer.commit().await.expect("commit");
    let mut reader = store.read().await.expect("read");
    assert!(reader.user_get("in-flight").await.expect("get").is_some());
}

/// `read()` refuses writes and sees one snapshot.
async fn read_is_read_only_snapshot(store: Arc<dyn Store>) {
    let mut reader = store.read().await.expect("read");
    assert_eq!(reader.user_count().await.expect("count"), 0);
    let err = reader
        .user_insert(&user("sneaky"))
        .await
        .expect_err("write through read()");
    assert!(matches!(err, StoreError::Database(_)), "got {err:?}");
    drop(reader);

    let mut reader = store.read().await.expect("read");
    assert_eq!(reader.user_count().await.expect("count"), 0);
    insert_users(&*store, &[&user("later")]).await;
    assert_eq!(
        reader.user_count().await.expect("count"),
        0,
        "a read sees the snapshot it started with"
    );
    drop(reader);
    let mut reader = store.read().await.expect("read");
    assert_eq!(reader.user_count().await.expect("count"), 1);
}

/// A change appended later never becomes visible before an earlier one: seq order is
/// commit order, so a follower reading `changes_since` cannot skip a change.
async fn change_log_commit_order(store: Arc<dyn Store>) {
    let mut first = store.begin().await.expect("begin");
    let first_seq = first
        .change_append("package", "first", "create")
        .await
        .expect("append");

    let second_store = Arc::clone(&store);
    let second = tokio::spawn(async move {
        let mut tx = second_store.begin().await?;
        let seq = tx.change_append("package", "second", "create").await?;
        tx.commit().await?;
        Ok::<_, StoreError>(seq)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    {
        let mut reader = store.read().await.expect("read");
        let seen = reader.changes_since(0, 10).await.expect("since");
        assert!(
            seen.is_empty(),
            "a later change is visible before the earlier one commits: {seen:?}"
        );
    }
    first.commit().await.expect("commit first");
    let second_seq = second.await.expect("task").expect("second writer");
    assert!(first_seq < second_seq);
    let mut reader = store.read().await.expect("read");
    let ids: Vec<String> = reader
        .changes_since(0, 10)
        .await
        .expect("since")
        .into_iter()
        .map(|c| c.entity_id)
        .collect();
    assert_eq!(ids, ["first", "second"]);
}

/// Two stores on one database, as when a CLI run writes while the server does. Every
/// transaction reads before it writes (the case where a deferred SQLite transaction would
/// fail with "database is locked").
async fn two_stores_one_database(url: String) {
    const TASKS: usize = 6;
    const PER_TASK: usize = 5;
    let stores = [migrated(&url).await, migrated(&url).await];
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let store = Arc::clone(&stores[t % 2]);
        handles.push(tokio::spawn(async move {
            for i in 0..PER_TASK {
                let u = user(&format!("process-{t}-{i}"));
                let mut tx = store.begin().await?;
                let _ = tx.user_count().await?;
                tx.user_insert(&u).await?;
                tx.change_append("user", &u.id, "create").await?;
                tx.commit().await?;
            }
            Ok::<_, StoreError>(())
        }));
    }
    for handle in handles {
        handle.await.expect("task").expect("writes succeed");
    }
    for store in &stores {
        let mut tx = store.read().await.expect("read");
        assert_eq!(
            tx.user_count().await.expect("count"),
            (TASKS * PER_TASK) as i64
        );
        assert_eq!(
            tx.changes_since(0, 1000).await.expect("since").len(),
            TASKS * PER_TASK
        );
    }
}

/// The backfill in migration 0004 gives the datasets stored before it the labels that
/// `kho_core::visibility::dataset_labels` gives them (the store writes those on every
/// dataset write since).
async fn labels_backfill_matches_the_rule(url: String) {
    use sqlx::{Connection, Executor, Row};
    let store = migrated(&url).await;
    let org = group("so-a", true);
    insert_groups(&*store, &[&org]).await;
    let mut datasets = Vec::new();
    for (i, (state, level, owned)) in [
        ("active", "open", true),
        ("active", "shared", true),
        ("active", "restricted", true),
        ("draft", "open", true),
        ("deleted", "shared", true),
        ("active", "restricted", false),
        ("draft", "shared", false),
    ]
    .into_iter()
    .enumerate()
    {
        let mut d = dataset(&format!("d{i}"), owned.then_some(org.id.as_str()));
        d.state = state.to_owned();
        d.sharing_level = level.to_owned();
        d.creator_user_id = (i % 2 == 0).then(|| "creator".to_owned());
        datasets.push(d);
    }
    insert_datasets(&*store, &datasets.iter().collect::<Vec<_>>()).await;
    let backfill: Vec<&str> = include_str!("../migrations/sqlite/0004_access.sql")
        .split(';')
        .map(str::trim)
        .map(|s| {
            s.lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
        })
        .filter(|lines| {
            lines
                .first()
                .is_some_and(|l| l.starts_with("INSERT INTO package_labels"))
        })
        .map(|lines| Box::leak(lines.join("\n").into_boxed_str()) as &str)
        .collect();
    assert_eq!(backfill.len(), 6, "the backfill statements");
    let read_all = |rows: Vec<sqlx::any::AnyRow>| -> BTreeSet<(String, String)> {
        rows.iter()
            .map(|r| {
                (
                    r.get::<String, _>("package_id"),
                    r.get::<String, _>("label"),
                )
            })
            .collect()
    };
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    let select = "SELECT package_id, label FROM package_labels";
    let written = read_all(conn.fetch_all(select).await.expect("labels"));
    let expected: BTreeSet<(String, String)> = datasets
        .iter()
        .flat_map(|d| {
            kho_core::visibility::dataset_labels(d)
                .into_iter()
                .map(|l| (d.id.clone(), l))
        })
        .collect();
    assert_eq!(written, expected, "the store writes the rule's labels");
    conn.execute("DELETE FROM package_labels")
        .await
        .expect("clear");
    for statement in backfill {
        conn.execute(statement).await.expect(statement);
    }
    let backfilled = read_all(conn.fetch_all(select).await.expect("labels"));
    assert_eq!(backfilled, expected, "the backfill gives the same labels");
    let _ = conn.close().await;
}

// ---------------------------------------------------------------- datasets

async fn dataset_roundtrip(store: Arc<dyn Store>) {
    let mut full = dataset("full-dataset", Some(&new_id()));
    let vocabulary = new_id();
    full.tags = vec![
        tag("zeta", None),
        tag("alpha", None),
        tag("Giáo dục", Some(&vocabulary)),
    ];
    full.extras = vec![
        dataset_extra("z-key", "giá trị"),
        dataset_extra("a-key", ""),
    ];
    let mut bare_resource = resource(&full.id, 0);
    bare_resource.name = None;
    bare_resource.description = None;
    bare_resource.size = None;
    bare_resource.mimetype = None;
    bare_resource.cache_last_updated = None;
    bare_resource.url_type = None;
    bare_resource.extras = "{}".to_owned();
    let mut with_everything = resource(&full.id, 2);
    with_everything.mimetype_inner = Some("text/plain".to_owned());
    with_everything.cache_url = Some("https://cache.example.org/x".to_owned());
    with_everything.last_modified = Some(at("2026-04-05T06:07:08.9"));
    with_everything.resource_type = Some("file".to_owned());
    full.resources = vec![with_everything, bare_resource, resource(&full.id, 1)];
    let bare = bare_dataset("bare-dataset");
    // Shares the free tag "alpha" with `full`: the stored tag row is reused.
    let mut sharing = bare_dataset("sharing-dataset");
    sharing.tags = vec![tag("alpha", None), tag("alpha", Some(&vocabulary))];
    insert_datasets(&*store, &[&full, &bare, &sharing]).await;

    let expected = as_stored(&full);
    assert_eq!(
        expected
            .resources
            .iter()
            .map(|r| r.position)
            .collect::<Vec<_>>(),
        [0, 1, 2]
    );
    let mut tx = store.read().await.expect("read");
    assert_eq!(
        tx.package_get(&full.id).await.expect("get"),
        Some(expected.clone())
    );
    assert_eq!(
        tx.package_get("full-dataset").await.expect("get"),
        Some(expected.clone())
    );
    assert_eq!(
        tx.package_get("bare-dataset").await.expect("get"),
        Some(bare.clone())
    );
    assert_eq!(tx.package_get("nothing").await.expect("get"), None);

    let got = tx
        .package_get("sharing-dataset")
        .await
        .expect("get")
        .expect("sharing");
    let alpha = full.tags.iter().find(|t| t.name == "alpha").expect("alpha");
    assert_eq!(got.tags[0], *alpha, "the existing tag row is reused");
    assert_eq!(
        got.tags[1].vocabulary_id.as_deref(),
        Some(vocabulary.as_str())
    );
    assert_ne!(got.tags[1].id, alpha.id, "vocabulary tags are distinct");

    for r in &full.resources {
        assert_eq!(
            tx.resource_get(&r.id).await.expect("resource"),
            Some(r.clone())
        );
    }
    assert_eq!(tx.resource_get("no-such").await.expect("resource"), None);
}

/// The id is looked up before the name, as for users and groups.
async fn package_get_prefers_id_over_name(store: Arc<dyn Store>) {
    let first = bare_dataset("first");
    let mut second = bare_dataset("second");
    second.name = first.id.clone();
    insert_datasets(&*store, &[&first, &second]).await;
    let mut tx = store.read().await.expect("read");
    let got = tx
        .package_get(&first.id)
        .await
        .expect("get")
        .expect("found");
    assert_eq!(got.name, "first");
}

async fn dataset_update_replaces_children(store: Arc<dyn Store>) {
    let mut d = dataset("updated", None);
    d.tags = vec![tag("a", None), tag("b", None)];
    d.extras = vec![dataset_extra("k1", "v1"), dataset_extra("k2", "v2")];
    d.resources = (0..3).map(|i| resource(&d.id, i)).collect();
    insert_datasets(&*store, &[&d]).await;

    let removed = d.resources[1].clone();
    let mut changed = d.clone();
    changed.title = None;
    changed.state = "draft".to_owned();
    changed.sharing_level = "restricted".to_owned();
    changed.metadata_modified = at("2026-06-07T08:09:10.111213");
    changed.profile = r#"{"phạm_vi":"Hà Nội"}"#.to_owned();
    changed.tags = vec![tag("c", Some("vocab")), d.tags[1].clone()];
    changed.extras = vec![dataset_extra("k3", "v3"), dataset_extra("k2", "mới")];
    let mut moved = d.resources[2].clone();
    moved.position = 1;
    moved.url = "https://example.org/moved.csv".to_owned();
    moved.size = None;
    changed.resources = vec![d.resources[0].clone(), moved, resource(&d.id, 2)];
    let mut tx = store.begin().await.expect("begin");
    tx.package_update(&changed).await.expect("update");
    // Updating a dataset that does not exist is a no-op.
    tx.package_update(&bare_dataset("never-inserted"))
        .await
        .expect("update of nothing");
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    assert_eq!(
        tx.package_get(&d.id).await.expect("get"),
        Some(as_stored(&changed))
    );
    assert_eq!(tx.package_get("never-inserted").await.expect("get"), None);
    let kept = tx
        .resource_get(&removed.id)
        .await
        .expect("resource")
        .expect("removed resource is kept");
    assert_eq!(kept.state, "deleted");
    assert_eq!(kept.url, removed.url);
    drop(tx);

    // A removed resource can come back.
    let mut again = changed.clone();
    let mut revived = removed.clone();
    revived.position = 3;
    again.resources.push(revived);
    let mut tx = store.begin().await.expect("begin");
    tx.package_update(&again).await.expect("update");
    tx.commit().await.expect("commit");
    let mut tx = store.read().await.expect("read");
    let got = tx.package_get(&d.id).await.expect("get").expect("found");
    assert_eq!(got.resources.len(), 4);
    assert_eq!(got, as_stored(&again));
    drop(tx);

    // A resource of another dataset cannot be taken over.
    let mut other = bare_dataset("other");
    other.resources = vec![d.resources[0].clone()];
    other.resources[0].package_id = other.id.clone();
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .package_insert(&other)
        .await
        .expect_err("taken resource id");
    assert!(matches!(err, StoreError::Conflict(_)), "got {err:?}");
}

async fn dataset_rename_frees_name(store: Arc<dyn Store>) {
    let mut old = dataset("reused-name", None);
    old.state = "deleted".to_owned();
    old.resources = vec![resource(&old.id, 0)];
    insert_datasets(&*store, &[&old]).await;

    let new = dataset("reused-name", None);
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .package_insert(&new)
        .await
        .expect_err("name of a deleted dataset");
    assert!(matches!(err, StoreError::Conflict(_)), "got {err:?}");
    drop(tx);

    let mut tx = store.begin().await.expect("begin");
    tx.package_rename(&old.id, &old.id).await.expect("rename");
    tx.package_insert(&new)
        .await
        .expect("insert with the freed name");
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    assert_eq!(
        tx.package_get("reused-name").await.expect("get"),
        Some(new.clone())
    );
    let renamed = tx.package_get(&old.id).await.expect("get").expect("old");
    assert_eq!(renamed.name, old.id);
    assert_eq!(renamed.state, "deleted");
    assert_eq!(renamed.resources, old.resources);
}

/// `package_update_from` ends where `package_update` ends, whatever changed; resources
/// read back through the aggregated JSON keep every character (U+0000 included).
async fn package_update_from_matches_package_update(store: Arc<dyn Store>) {
    let org = group("from-org", true);
    insert_groups(&*store, &[&org]).await;
    let mut a = dataset("via-update", Some(&org.id));
    a.tags = vec![tag("one", None), tag("two", Some("v"))];
    a.extras = vec![dataset_extra("k", "v")];
    a.resources = (0..5).map(|i| resource(&a.id, i)).collect();
    a.resources[1].name = Some("nul \u{0} and \u{1} \"quoted\" \\ tab\t".to_owned());
    a.resources[2].description = Some(String::new());
    let mut b = a.clone();
    b.id = new_id();
    b.name = "via-update-from".to_owned();
    for r in &mut b.resources {
        r.id = new_id();
        r.package_id.clone_from(&b.id);
    }
    insert_datasets(&*store, &[&a, &b]).await;
    let mut tx = store.read().await.expect("read");
    let stored_b = tx.package_get(&b.id).await.expect("get").expect("b");
    assert_eq!(
        stored_b.resources, b.resources,
        "JSON read keeps every field"
    );
    drop(tx);

    // Drop one resource, change one, move one, append two; change tags and extras.
    let change = |d: &Dataset| {
        let mut n = d.clone();
        n.title = Some("changed".to_owned());
        n.resources.remove(0);
        n.resources[0].url = "https://example.org/changed".to_owned();
        n.resources.swap(1, 2);
        for extra in 0..2 {
            let mut r = resource(&n.id, 0);
            r.id = format!("{}-new-{extra}", n.id);
            n.resources.push(r);
        }
        for (i, r) in n.resources.iter_mut().enumerate() {
            r.position = i64::try_from(i).expect("position");
        }
        n.tags = vec![d.tags[1].clone(), tag("three", None)];
        n.extras = vec![dataset_extra("k2", "v2")];
        n
    };
    let new_a = change(&a);
    let new_b = change(&stored_b);
    let mut tx = store.begin().await.expect("begin");
    tx.package_update(&new_a).await.expect("update");
    tx.package_update_from(&stored_b, &new_b)
        .await
        .expect("update_from");
    tx.commit().await.expect("commit");
    let mut tx = store.read().await.expect("read");
    let got_a = tx.package_get(&a.id).await.expect("get").expect("a");
    let got_b = tx.package_get(&b.id).await.expect("get").expect("b");
    assert_eq!(got_b.resources, new_b.resources);
    assert_eq!(got_b.title, new_b.title);
    assert_eq!(got_b.extras, new_b.extras);
    let names = |d: &Dataset| d.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&got_a), names(&got_b));
    assert_eq!(names(&got_b), ["three", "two"]);
    assert_eq!(got_a.resources.len(), got_b.resources.len());
    // The dropped resource is kept as deleted, as package_update keeps it.
    let gone = tx
        .resource_get(&b.resources[0].id)
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(gone.state, "deleted");
    // Nothing changed: nothing but the row is written, and the result is the same.
    drop(tx);
    let mut tx = store.begin().await.expect("begin");
    tx.package_update_from(&got_b, &got_b)
        .await
        .expect("update_from");
    tx.commit().await.expect("commit");
    let mut tx = store.read().await.expect("read");
    assert_eq!(
        tx.package_get(&b.id).await.expect("get"),
        Some(got_b.clone())
    );
    drop(tx);
    // A stale `old` (another writer committed since it was read): the whole dataset is
    // replaced, so nothing of the other writer's state survives.
    let mut other = got_b.clone();
    other.metadata_modified = at("2030-01-01T00:00:00");
    other.resources.push(resource(&b.id, 9));
    other.resources[0].url = "https://example.org/other-writer".to_owned();
    let mut tx = store.begin().await.expect("begin");
    tx.package_update_from(&got_b, &other).await.expect("other");
    tx.commit().await.expect("commit");
    let mut mine = got_b.clone();
    mine.metadata_modified = at("2030-01-02T00:00:00");
    mine.resources.truncate(1);
    mine.notes = Some("mine".to_owned());
    let mut tx = store.begin().await.expect("begin");
    tx.package_update_from(&got_b, &mine).await.expect("stale");
    tx.commit().await.expect("commit");
    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.package_get(&b.id).await.expect("get"), Some(mine));
}

/// `package_append_resource` ends where `package_update_from` with the resource appended
/// ends: the row's timestamp, the new resource (a deleted one of the dataset revived), the
/// rest untouched; a resource id of another dataset conflicts; a stale `old` replaces
/// everything.
async fn package_append_resource_matches_update_from(store: Arc<dyn Store>) {
    let org = group("append-org", true);
    insert_groups(&*store, &[&org]).await;
    let mut d = dataset("append", Some(&org.id));
    d.tags = vec![tag("one", None)];
    d.extras = vec![dataset_extra("k", "v")];
    d.resources = (0..3).map(|i| resource(&d.id, i)).collect();
    let mut other = dataset("append-other", Some(&org.id));
    let other_resource = resource(&other.id, 0);
    other.resources = vec![other_resource.clone()];
    insert_datasets(&*store, &[&d, &other]).await;
    let mut tx = store.read().await.expect("read");
    let stored = tx.package_get(&d.id).await.expect("get").expect("d");
    drop(tx);

    let mut added = resource(&d.id, 3);
    added.name = Some("nul \u{0} và \u{1}".to_owned());
    let now = at("2030-01-01T00:00:00.000001");
    let mut tx = store.begin().await.expect("begin");
    tx.package_append_resource(&stored, &added, now)
        .await
        .expect("append");
    tx.commit().await.expect("commit");
    let mut want = stored.clone();
    want.resources.push(added.clone());
    want.metadata_modified = now;
    let mut tx = store.read().await.expect("read");
    let got = tx.package_get(&d.id).await.expect("get").expect("d");
    assert_eq!(got, want);
    drop(tx);

    // Delete the appended resource, then append it again: it is revived.
    let mut without = got.clone();
    without.resources.pop();
    without.metadata_modified = at("2030-01-02T00:00:00");
    let mut tx = store.begin().await.expect("begin");
    tx.package_update_from(&got, &without)
        .await
        .expect("delete");
    tx.commit().await.expect("commit");
    let later = at("2030-01-03T00:00:00");
    let mut tx = store.begin().await.expect("begin");
    tx.package_append_resource(&without, &added, later)
        .await
        .expect("revive");
    tx.commit().await.expect("commit");
    let mut tx = store.read().await.expect("read");
    let revived = tx.package_get(&d.id).await.expect("get").expect("d");
    assert_eq!(revived.resources, want.resources);
    assert_eq!(revived.metadata_modified, later);
    drop(tx);

    // Another dataset's resource id: a conflict.
    let mut tx = store.begin().await.expect("begin");
    let mut theirs = other_resource.clone();
    theirs.package_id.clone_from(&d.id);
    theirs.position = 4;
    let err = tx
        .package_append_resource(&revived, &theirs, at("2030-01-04T00:00:00"))
        .await
        .expect_err("conflict");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);

    // A stale `old`: exactly `old` plus the resource, whatever was stored since.
    let mut tx = store.begin().await.expect("begin");
    let mut changed = revived.clone();
    changed.title = Some("another writer".to_owned());
    changed.resources.truncate(1);
    changed.metadata_modified = at("2030-01-05T00:00:00");
    tx.package_update_from(&revived, &changed)
        .await
        .expect("other writer");
    tx.commit().await.expect("commit");
    let mut last = resource(&d.id, 4);
    last.url = "https://example.org/last".to_owned();
    let end = at("2030-01-06T00:00:00");
    let mut tx = store.begin().await.expect("begin");
    tx.package_append_resource(&revived, &last, end)
        .await
        .expect("stale");
    tx.commit().await.expect("commit");
    let mut want = revived.clone();
    want.resources.push(last);
    want.metadata_modified = end;
    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.package_get(&d.id).await.expect("get"), Some(want));
}

async fn dataset_purge_removes_everything(store: Arc<dyn Store>) {
    let org = group("purge-org", true);
    insert_groups(&*store, &[&org]).await;
    let mut d = dataset("purged", Some(&org.id));
    d.tags = vec![tag("shared", None), tag("own", Some("v"))];
    d.extras = vec![dataset_extra("k", "v")];
    d.resources = (0..2).map(|i| resource(&d.id, i)).collect();
    let mut kept = bare_dataset("kept");
    // The same tag row as `d`'s (tags are looked up by name and vocabulary).
    kept.tags = vec![d.tags[0].clone()];
    kept.resources = vec![resource(&kept.id, 0)];
    insert_datasets(&*store, &[&d, &kept]).await;
    let mut tx = store.begin().await.expect("begin");
    // One resource deleted, so that purge must remove deleted resources too.
    let mut fewer = d.clone();
    fewer.resources.truncate(1);
    tx.package_update(&fewer).await.expect("update");
    tx.member_upsert(&member(&org.id, &d.id, "package", "organization"))
        .await
        .expect("member");
    tx.member_upsert(&member(&org.id, &kept.id, "package", "organization"))
        .await
        .expect("member");
    tx.commit().await.expect("commit");

    let mut tx = store.begin().await.expect("begin");
    tx.package_purge(&d.id).await.expect("purge");
    tx.package_purge("no-such-dataset")
        .await
        .expect("purge nothing");
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.package_get(&d.id).await.expect("get"), None);
    assert_eq!(tx.package_get("purged").await.expect("get"), None);
    for r in &d.resources {
        assert_eq!(tx.resource_get(&r.id).await.expect("resource"), None);
    }
    assert_eq!(
        tx.member_get(&org.id, &d.id, "package")
            .await
            .expect("member"),
        None
    );
    let of_org = DatasetFilter {
        owner_org: Some(org.id.clone()),
        states: strings(&["active", "draft", "deleted"]),
        ..DatasetFilter::default()
    };
    assert_eq!(tx.package_count(&of_org).await.expect("count"), 0);
    assert_eq!(tx.tags_in_use(None).await.expect("tags"), ["shared"]);
    assert!(tx.tags_in_use(Some("v")).await.expect("tags").is_empty());
    // The other dataset is untouched.
    assert_eq!(
        tx.package_get("kept").await.expect("get"),
        Some(kept.clone())
    );
    assert!(tx
        .member_get(&org.id, &kept.id, "package")
        .await
        .expect("member")
        .is_some());
    drop(tx);

    // The name is free again.
    insert_datasets(&*store, &[&dataset("purged", None)]).await;
}

/// CKAN's `package_list`: active open datasets.
fn open_active() -> DatasetFilter {
    DatasetFilter {
        states: strings(&["active"]),
        open_only: true,
        ..DatasetFilter::default()
    }
}

async fn package_names_lists_open_active(store: Arc<dyn Store>) {
    let b = dataset("b-open", None);
    let a = dataset("a-open", None);
    let f = dataset("f-open", None);
    let mut restricted = dataset("c-restricted", None);
    restricted.sharing_level = "restricted".to_owned();
    let mut shared = dataset("c-shared", None);
    shared.sharing_level = "shared".to_owned();
    let mut deleted = dataset("d-deleted", None);
    deleted.state = "deleted".to_owned();
    let mut draft = dataset("e-draft", None);
    draft.state = "draft".to_owned();
    insert_datasets(
        &*store,
        &[&b, &restricted, &a, &shared, &deleted, &draft, &f],
    )
    .await;

    let mut tx = store.read().await.expect("read");
    let open = open_active();
    assert_eq!(
        tx.package_names(&open, None, 0).await.expect("names"),
        ["a-open", "b-open", "f-open"]
    );
    assert_eq!(
        tx.package_names(&open, Some(2), 0).await.expect("names"),
        ["a-open", "b-open"]
    );
    assert_eq!(
        tx.package_names(&open, Some(2), 2).await.expect("names"),
        ["f-open"]
    );
    assert_eq!(
        tx.package_names(&open, None, 1).await.expect("names"),
        ["b-open", "f-open"]
    );
    assert!(tx
        .package_names(&open, Some(0), 0)
        .await
        .expect("names")
        .is_empty());
    assert!(tx
        .package_names(&open, None, 3)
        .await
        .expect("names")
        .is_empty());

    // The other filters select names as they select pages.
    let every_state = strings(&["active", "draft", "deleted"]);
    let filter = |states: &[String], readable_by: Option<Vec<String>>, open_only| DatasetFilter {
        states: states.to_vec(),
        readable_by,
        open_only,
        ..DatasetFilter::default()
    };
    let cases = [
        // A sysadmin, everything.
        (
            filter(&every_state, None, false),
            vec![
                "a-open",
                "b-open",
                "c-restricted",
                "c-shared",
                "d-deleted",
                "e-draft",
                "f-open",
            ],
        ),
        // Open ones whatever their state: the draft, not the shared.
        (
            filter(&strings(&["active", "draft"]), None, true),
            vec!["a-open", "b-open", "e-draft", "f-open"],
        ),
        // Anyone's labels: the active open ones.
        (
            filter(&every_state, caller_labels(false, None), false),
            vec!["a-open", "b-open", "f-open"],
        ),
        // A government account: the shared one too.
        (
            filter(
                &strings(&["active"]),
                Some(strings(&["public", "government"])),
                false,
            ),
            vec!["a-open", "b-open", "c-shared", "f-open"],
        ),
        // The creator of the restricted one, asking for open ones only.
        (
            filter(
                &every_state,
                Some(vec![format!(
                    "creator-{}",
                    restricted.creator_user_id.clone().unwrap_or_default()
                )]),
                true,
            ),
            vec![],
        ),
        (filter(&[], None, false), vec![]),
    ];
    for (f, expected) in cases {
        assert_eq!(
            tx.package_names(&f, None, 0).await.expect("names"),
            expected,
            "{f:?}"
        );
        assert_eq!(
            tx.package_count(&f).await.expect("count"),
            i64::try_from(expected.len()).expect("small"),
            "{f:?}"
        );
    }
}

async fn package_counts_per_org(store: Arc<dyn Store>) {
    let (org1, org2) = (new_id(), new_id());
    let mut in_org1 = Vec::new();
    for (name, state) in [
        ("o1-a", "active"),
        ("o1-b", "active"),
        ("o1-c", "deleted"),
        ("o1-d", "draft"),
    ] {
        let mut d = dataset(name, Some(&org1));
        d.state = state.to_owned();
        in_org1.push(d);
    }
    let in_org2 = dataset("o2-a", Some(&org2));
    let unowned = dataset("no-org", None);
    let mut all: Vec<&Dataset> = in_org1.iter().collect();
    all.push(&in_org2);
    all.push(&unowned);
    insert_datasets(&*store, &all).await;

    let mut tx = store.read().await.expect("read");
    let cases: [(&str, &[&str], i64); 7] = [
        (&org1, &["active"], 2),
        (&org1, &["active", "draft"], 3),
        (&org1, &["deleted"], 1),
        (&org1, &["active", "draft", "deleted"], 4),
        (&org1, &[], 0),
        (&org2, &["active"], 1),
        ("no-such-org", &["active"], 0),
    ];
    for (org, states, expected) in cases {
        assert_eq!(
            tx.package_count_of_org(org, states).await.expect("count"),
            expected,
            "{states:?}"
        );
    }
}

fn dataset_names(datasets: &[Dataset]) -> Vec<&str> {
    datasets.iter().map(|d| d.name.as_str()).collect()
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// `package_count` and `package_page` agree on what a filter selects, on every backend.
async fn package_filter_counts_and_pages(store: Arc<dyn Store>) {
    let (org1, org2, grp, other_grp) = (new_id(), new_id(), new_id(), new_id());
    let (alice, bob) = (new_id(), new_id());
    // (name, owner, state, sharing level, creator, metadata_modified)
    type Spec<'a> = (
        &'a str,
        Option<&'a str>,
        &'a str,
        &'a str,
        Option<&'a str>,
        &'a str,
    );
    let specs: [Spec; 11] = [
        (
            "o1-a",
            Some(&org1),
            "active",
            "open",
            None,
            "2026-01-05T00:00:00",
        ),
        (
            "o1-b",
            Some(&org1),
            "active",
            "restricted",
            None,
            "2026-01-04T00:00:00",
        ),
        (
            "o1-c",
            Some(&org1),
            "draft",
            "open",
            None,
            "2026-01-03T00:00:00",
        ),
        (
            "o1-d",
            Some(&org1),
            "draft",
            "restricted",
            None,
            "2026-01-02T00:00:00",
        ),
        (
            "o1-e",
            Some(&org1),
            "deleted",
            "open",
            None,
            "2026-01-06T00:00:00",
        ),
        // Same timestamp as o1-a: ties are broken by name.
        (
            "o1-f",
            Some(&org1),
            "active",
            "open",
            None,
            "2026-01-05T00:00:00",
        ),
        (
            "o2-g",
            Some(&org2),
            "active",
            "open",
            None,
            "2026-01-01T00:00:00.000001",
        ),
        (
            "o2-h",
            Some(&org2),
            "active",
            "restricted",
            None,
            "2026-01-07T00:00:00",
        ),
        (
            "u-1",
            None,
            "active",
            "restricted",
            Some(&alice),
            "2026-01-08T00:00:00",
        ),
        (
            "u-2",
            None,
            "draft",
            "open",
            Some(&bob),
            "2026-01-09T00:00:00",
        ),
        ("u-3", None, "active", "open", None, "2026-01-10T00:00:00.5"),
    ];
    let datasets: Vec<Dataset> = specs
        .iter()
        .map(|(name, owner, state, sharing, creator, modified)| {
            let mut d = dataset(name, *owner);
            d.state = (*state).to_owned();
            d.sharing_level = (*sharing).to_owned();
            d.creator_user_id = creator.map(str::to_owned);
            d.metadata_modified = at(modified);
            if *name == "o1-a" {
                d.tags = vec![tag("giáo-dục", None)];
                d.extras = vec![dataset_extra("k", "v")];
                d.resources = vec![resource(&d.id, 0)];
            }
            d
        })
        .collect();
    insert_datasets(&*store, &datasets.iter().collect::<Vec<_>>()).await;
    let id = |name: &str| {
        datasets
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.id.clone())
            .expect("fixture")
    };
    let mut tx = store.begin().await.expect("begin");
    for name in ["o1-a", "o1-b", "o1-e", "o2-h", "u-1"] {
        tx.member_upsert(&member(&grp, &id(name), "package", "public"))
            .await
            .expect("member");
    }
    // Not counted: a deleted membership, another table, another group.
    let mut gone = member(&grp, &id("o1-f"), "package", "public");
    gone.state = "deleted".to_owned();
    tx.member_upsert(&gone).await.expect("member");
    tx.member_upsert(&member(&grp, &id("o1-c"), "user", "member"))
        .await
        .expect("member");
    tx.member_upsert(&member(&other_grp, &id("o1-d"), "package", "public"))
        .await
        .expect("member");
    tx.commit().await.expect("commit");

    let live = strings(&["active", "draft"]);
    let anyone = caller_labels(false, None).expect("labels");
    let in_org1 = |states: &[String], readable_by: Option<Vec<String>>| DatasetFilter {
        owner_org: Some(org1.clone()),
        states: states.to_vec(),
        readable_by,
        ..DatasetFilter::default()
    };
    let in_grp = |readable_by: Option<Vec<String>>| DatasetFilter {
        group_id: Some(grp.clone()),
        states: live.clone(),
        readable_by,
        ..DatasetFilter::default()
    };
    let everywhere = |readable_by: Option<Vec<String>>| DatasetFilter {
        states: live.clone(),
        readable_by,
        ..DatasetFilter::default()
    };
    let reader = |orgs: &[&str], creator: Option<&str>| {
        let facts = CallerFacts {
            user_id: creator.unwrap_or("nobody").to_owned(),
            groups: strings(orgs),
            ..CallerFacts::default()
        };
        caller_labels(false, Some(&facts))
    };
    let cases: Vec<(DatasetFilter, Vec<&str>)> = vec![
        (
            in_org1(&live, None),
            vec!["o1-a", "o1-f", "o1-b", "o1-c", "o1-d"],
        ),
        (in_org1(&live, Some(anyone.clone())), vec!["o1-a", "o1-f"]),
        (
            in_org1(&live, reader(&[&org1], None)),
            vec!["o1-a", "o1-f", "o1-b", "o1-c", "o1-d"],
        ),
        (
            in_org1(&live, reader(&[&org2], Some(&alice))),
            vec!["o1-a", "o1-f"],
        ),
        (
            in_org1(&strings(&["active"]), None),
            vec!["o1-a", "o1-f", "o1-b"],
        ),
        (in_org1(&[], None), vec![]),
        (in_org1(&strings(&["deleted"]), None), vec!["o1-e"]),
        (
            in_org1(&strings(&["deleted"]), Some(anyone.clone())),
            vec![],
        ),
        (
            in_org1(&strings(&["deleted"]), reader(&[&org1], None)),
            vec!["o1-e"],
        ),
        (
            everywhere(Some(anyone.clone())),
            vec!["u-3", "o1-a", "o1-f", "o2-g"],
        ),
        (
            everywhere(reader(&[&org2], Some(&alice))),
            vec!["u-3", "u-1", "o2-h", "o1-a", "o1-f", "o2-g"],
        ),
        (
            everywhere(reader(&[], Some(&bob))),
            vec!["u-3", "u-2", "o1-a", "o1-f", "o2-g"],
        ),
        (in_grp(None), vec!["u-1", "o2-h", "o1-a", "o1-b"]),
        (in_grp(Some(anyone.clone())), vec!["o1-a"]),
        (in_grp(reader(&[&org1], None)), vec!["o1-a", "o1-b"]),
        (
            in_grp(reader(&[&org2], Some(&alice))),
            vec!["u-1", "o2-h", "o1-a"],
        ),
        (
            DatasetFilter {
                owner_org: Some(org2.clone()),
                ..in_grp(None)
            },
            vec!["o2-h"],
        ),
        (
            DatasetFilter {
                group_id: Some(new_id()),
                ..in_grp(None)
            },
            vec![],
        ),
    ];
    let mut tx = store.read().await.expect("read");
    for (filter, expected) in &cases {
        assert_eq!(
            tx.package_count(filter).await.expect("count"),
            expected.len() as i64,
            "{filter:?}"
        );
        let page = tx.package_page(filter, 100, 0).await.expect("page");
        assert_eq!(dataset_names(&page), *expected, "{filter:?}");
    }

    // Limit and offset.
    let all = in_org1(&live, None);
    for (limit, offset, expected) in [
        (2, 0, &["o1-a", "o1-f"][..]),
        (2, 2, &["o1-b", "o1-c"]),
        (2, 4, &["o1-d"]),
        (2, 5, &[]),
        (0, 0, &[]),
        (1, -3, &["o1-a"]),
    ] {
        let page = tx.package_page(&all, limit, offset).await.expect("page");
        assert_eq!(
            dataset_names(&page),
            expected,
            "limit {limit} offset {offset}"
        );
    }
    // Rows are loaded as by `package_get`, children included.
    let page = tx.package_page(&all, 1, 0).await.expect("page");
    assert_eq!(page, [as_stored(&datasets[0])]);
    assert_eq!(
        Some(&page[0]),
        tx.package_get("o1-a").await.expect("get").as_ref()
    );
}

/// A page of more rows than one `IN` list takes loads every row's children.
async fn package_page_of_many(store: Arc<dyn Store>) {
    let org = new_id();
    let datasets: Vec<Dataset> = (0..1100)
        .map(|i| {
            let mut d = bare_dataset(&format!("many-{i:04}"));
            d.owner_org = Some(org.clone());
            d.metadata_modified = at(&format!("2026-01-01T00:{:02}:{:02}", i / 60, i % 60));
            d.resources = vec![resource(&d.id, 0)];
            d
        })
        .collect();
    insert_datasets(&*store, &datasets.iter().collect::<Vec<_>>()).await;
    let filter = DatasetFilter {
        owner_org: Some(org),
        states: strings(&["active"]),
        readable_by: caller_labels(false, None),
        ..DatasetFilter::default()
    };
    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.package_count(&filter).await.expect("count"), 1100);
    let got = tx.package_page(&filter, 2000, 0).await.expect("page");
    assert_eq!(got.len(), 1100);
    assert!(got.iter().rev().eq(datasets.iter()));
    let got = tx.package_page(&filter, 10, 1095).await.expect("page");
    assert_eq!(
        dataset_names(&got),
        [
            "many-0004",
            "many-0003",
            "many-0002",
            "many-0001",
            "many-0000"
        ]
    );
}

async fn tags_in_use_ignores_deleted_datasets(store: Arc<dyn Store>) {
    let vocabulary = new_id();
    let mut active = dataset("active-tags", None);
    active.tags = vec![
        tag("shared", None),
        tag("only-active", None),
        tag("đất đai", Some(&vocabulary)),
    ];
    let mut private = dataset("private-tags", None);
    private.sharing_level = "restricted".to_owned();
    private.tags = vec![tag("shared", None), tag("from-private", None)];
    let mut deleted = dataset("deleted-tags", None);
    deleted.state = "deleted".to_owned();
    deleted.tags = vec![
        tag("shared", None),
        tag("only-deleted", None),
        tag("deleted-vocab", Some(&vocabulary)),
    ];
    insert_datasets(&*store, &[&active, &private, &deleted]).await;

    let mut tx = store.read().await.expect("read");
    assert_eq!(
        tx.tags_in_use(None).await.expect("tags"),
        ["from-private", "only-active", "shared"]
    );
    assert_eq!(
        tx.tags_in_use(Some(&vocabulary)).await.expect("tags"),
        ["đất đai"]
    );
    assert!(tx
        .tags_in_use(Some("other"))
        .await
        .expect("tags")
        .is_empty());
}

/// A large dataset round trips (and `package_get` does not issue a query per resource).
async fn thousand_resources_round_trip(store: Arc<dyn Store>) {
    let mut d = dataset("big", None);
    d.resources = (0..1000).rev().map(|i| resource(&d.id, i)).collect();
    d.tags = (0..50).map(|i| tag(&format!("tag-{i:03}"), None)).collect();
    d.extras = (0..50)
        .map(|i| dataset_extra(&format!("key-{i:03}"), "v"))
        .collect();
    insert_datasets(&*store, &[&d]).await;
    let expected = as_stored(&d);

    let mut tx = store.read().await.expect("read");
    let got = tx.package_get("big").await.expect("get").expect("found");
    assert_eq!(got.resources.len(), 1000);
    assert_eq!(got.resources[999].position, 999);
    assert_eq!(got, expected);
    let every = DatasetFilter {
        states: strings(&["active"]),
        ..DatasetFilter::default()
    };
    assert_eq!(
        tx.package_page(&every, 10, 0).await.expect("page"),
        [expected]
    );
}

async fn dataset_rollback_leaves_nothing(store: Arc<dyn Store>) {
    let mut d = dataset("rolled-back", None);
    d.tags = vec![tag("ghost-tag", None)];
    d.extras = vec![dataset_extra("k", "v")];
    d.resources = vec![resource(&d.id, 0)];
    let mut tx = store.begin().await.expect("begin");
    tx.package_insert(&d).await.expect("insert");
    assert_eq!(
        tx.package_get("rolled-back").await.expect("get"),
        Some(d.clone())
    );
    drop(tx);

    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.package_get("rolled-back").await.expect("get"), None);
    assert_eq!(
        tx.resource_get(&d.resources[0].id).await.expect("get"),
        None
    );
    assert!(tx
        .package_names(&open_active(), None, 0)
        .await
        .expect("names")
        .is_empty());
    assert!(tx.tags_in_use(None).await.expect("tags").is_empty());
    drop(tx);

    // The same rows can now be written.
    insert_datasets(&*store, &[&d]).await;
    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.package_get(&d.id).await.expect("get"), Some(d));
}

async fn duplicate_dataset_conflicts(store: Arc<dyn Store>) {
    let taken = dataset("taken", None);
    let other = dataset("other", None);
    insert_datasets(&*store, &[&taken, &other]).await;

    let fresh = dataset("fresh", None);
    let mut tx = store.begin().await.expect("begin");
    tx.package_insert(&fresh).await.expect("insert fresh");
    let err = tx
        .package_insert(&dataset("taken", None))
        .await
        .expect_err("duplicate name");
    assert!(matches!(err, StoreError::Conflict(_)), "got {err:?}");
    let err = tx.package_get("fresh").await.expect_err("aborted");
    assert!(matches!(err, StoreError::Aborted), "got {err:?}");
    let err = tx.commit().await.expect_err("commit of an aborted tx");
    assert!(matches!(err, StoreError::Aborted), "got {err:?}");

    let mut same_id = dataset("same-id", None);
    same_id.id = taken.id.clone();
    let mut tx = store.begin().await.expect("begin");
    let err = tx.package_insert(&same_id).await.expect_err("duplicate id");
    assert!(matches!(err, StoreError::Conflict(_)), "got {err:?}");
    drop(tx);

    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .package_rename(&other.id, "taken")
        .await
        .expect_err("rename onto a taken name");
    assert!(matches!(err, StoreError::Conflict(_)), "got {err:?}");
    drop(tx);

    let mut renamed = other.clone();
    renamed.name = "taken".to_owned();
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .package_update(&renamed)
        .await
        .expect_err("update onto a taken name");
    assert!(matches!(err, StoreError::Conflict(_)), "got {err:?}");
    drop(tx);

    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.package_get("fresh").await.expect("get"), None);
    assert_eq!(tx.package_get("same-id").await.expect("get"), None);
    assert_eq!(
        tx.package_names(&open_active(), None, 0)
            .await
            .expect("names"),
        ["other", "taken"]
    );
    assert_eq!(tx.package_get(&taken.id).await.expect("get"), Some(taken));
}

/// Tags, tagged datasets and formats seen by everyone come from active open datasets only;
/// `package_names_titles` applies the reader filter.
async fn public_tags_formats_and_names(store: Arc<dyn Store>) {
    let vocabulary = new_id();
    let mut open = dataset("open-tags", Some("org-a"));
    open.tags = vec![
        tag("shared", None),
        tag("Đất đai", None),
        tag("vocab", Some(&vocabulary)),
    ];
    open.resources = vec![resource(&open.id, 0), resource(&open.id, 1)];
    open.resources[1].format = "csv".to_owned();
    let mut open2 = bare_dataset("b-open");
    open2.tags = vec![tag("shared", None)];
    open2.resources = vec![resource(&open2.id, 0)];
    open2.resources[0].format = "JSON".to_owned();
    let mut private = dataset("private-tags", Some("org-a"));
    private.sharing_level = "restricted".to_owned();
    private.tags = vec![tag("shared", None), tag("bí-mật", None)];
    private.resources = vec![resource(&private.id, 0)];
    private.resources[0].format = "SECRET".to_owned();
    let mut deleted = dataset("deleted-tags", None);
    deleted.state = "deleted".to_owned();
    deleted.tags = vec![tag("only-deleted", None)];
    deleted.resources = vec![resource(&deleted.id, 0)];
    deleted.resources[0].format = "XLS".to_owned();
    insert_datasets(&*store, &[&open, &open2, &private, &deleted]).await;

    let mut tx = store.read().await.expect("read");
    let tags = tx.tags_public(None).await.expect("tags");
    let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["shared", "Đất đai"]);
    assert!(tags.iter().all(|t| t.vocabulary_id.is_none()));
    let vocab = tx.tags_public(Some(&vocabulary)).await.expect("tags");
    assert_eq!(vocab.len(), 1);
    assert_eq!(vocab[0].vocabulary_id.as_deref(), Some(vocabulary.as_str()));

    let shared = &tags[0];
    let tagged = tx
        .tag_datasets_public(&shared.id, 1000)
        .await
        .expect("tagged");
    assert_eq!(dataset_names(&tagged), ["b-open", "open-tags"]);
    assert_eq!(tagged[1].tags.len(), 3);
    assert_eq!(tagged[1].resources.len(), 2);
    let one = tx.tag_datasets_public(&shared.id, 1).await.expect("tagged");
    assert_eq!(dataset_names(&one), ["b-open"]);
    assert!(tx
        .tag_datasets_public(&shared.id, 0)
        .await
        .expect("none")
        .is_empty());

    assert_eq!(
        tx.resource_formats_public().await.expect("formats"),
        [
            ("CSV".to_owned(), 1),
            ("JSON".to_owned(), 1),
            ("csv".to_owned(), 1)
        ]
    );

    let filter = |readable_by: Option<Vec<String>>| DatasetFilter {
        states: strings(&["active", "draft"]),
        readable_by,
        ..DatasetFilter::default()
    };
    let anonymous = tx
        .package_names_titles(&filter(caller_labels(false, None)))
        .await
        .expect("names");
    assert_eq!(
        anonymous,
        [
            ("b-open".to_owned(), None),
            ("open-tags".to_owned(), Some("Dữ liệu open-tags".to_owned()))
        ]
    );
    let member = CallerFacts {
        user_id: "nobody".to_owned(),
        groups: strings(&["org-a"]),
        ..CallerFacts::default()
    };
    let seen = tx
        .package_names_titles(&filter(caller_labels(false, Some(&member))))
        .await
        .expect("names");
    let seen: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(seen, ["b-open", "open-tags", "private-tags"]);
    let all = tx.package_names_titles(&filter(None)).await.expect("names");
    assert_eq!(all.len(), 3);
}

async fn groups_of_a_package(store: Arc<dyn Store>) {
    let mut b = group("b-nhom", false);
    b.extras = vec![extra(&b.id, "z", "1"), extra(&b.id, "a", "2")];
    let a = group("a-nhom", false);
    let mut gone = group("c-cu", false);
    gone.state = "deleted".to_owned();
    let org = group("so-a", true);
    let left = group("d-roi", false);
    insert_groups(&*store, &[&a, &b, &gone, &org, &left]).await;
    let d = dataset("bo", Some(&org.id));
    insert_datasets(&*store, &[&d]).await;
    let mut tx = store.begin().await.expect("begin");
    for g in [&a, &b, &gone, &org, &left] {
        tx.member_upsert(&member(&g.id, &d.id, "package", "public"))
            .await
            .expect("member");
    }
    let mut ended = member(&left.id, &d.id, "package", "public");
    ended.state = "deleted".to_owned();
    tx.member_upsert(&ended).await.expect("member");
    let groups = tx.groups_of_package(&d.id).await.expect("groups");
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["a-nhom", "b-nhom"], "active groups, by name");
    let keys: Vec<&str> = groups[1].extras.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["a", "z"]);
    assert!(tx
        .groups_of_package("none")
        .await
        .expect("groups")
        .is_empty());
    tx.commit().await.expect("commit");
}

// ---------------------------------------------------------------- rebuilding and following

/// `package_bundles_after` pages through every dataset, any state, in id order, each as
/// `package_get`, `group_get` of its organization and `groups_of_package` load it.
async fn package_bundles_match_single_loads(store: Arc<dyn Store>) {
    let mut org = group("so-a", true);
    org.extras = vec![extra(&org.id, "z", "1"), extra(&org.id, "a", "2")];
    let mut old_org = group("so-cu", true);
    old_org.state = "deleted".to_owned();
    let mut g1 = group("b-nhom", false);
    g1.extras = vec![
        extra(&g1.id, "k", "v\u{0}\u{1}"),
        extra(&g1.id, "\u{1}đ", "w"),
    ];
    let g2 = group("a-nhom", false);
    let mut gone = group("c-cu", false);
    gone.state = "deleted".to_owned();
    insert_groups(&*store, &[&org, &old_org, &g1, &g2, &gone]).await;
    let mut datasets = Vec::new();
    for (i, state) in ["active", "draft", "deleted", "active", "active"]
        .iter()
        .enumerate()
    {
        let owner = match i {
            1 => Some(old_org.id.as_str()),
            3 => None,
            4 => Some("no-such-org"),
            _ => Some(org.id.as_str()),
        };
        let mut d = dataset(&format!("goi-{i}"), owner);
        d.state = (*state).to_owned();
        d.extras = vec![
            dataset_extra("b", "1"),
            dataset_extra("a", "2\u{0}\u{1}\"x\""),
            dataset_extra("\u{1}", ""),
        ];
        d.tags = vec![
            tag("y tế", None),
            tag("giáo dục", Some("vocab")),
            tag("giáo dục", None),
            tag("a\u{0}b", None),
        ];
        d.resources = (0..i as i64).map(|p| resource(&d.id, p)).collect();
        datasets.push(d);
    }
    insert_datasets(&*store, &datasets.iter().collect::<Vec<_>>()).await;
    let mut tx = store.begin().await.expect("begin");
    for d in &datasets[..3] {
        for g in [&g1, &g2, &gone] {
            tx.member_upsert(&member(&g.id, &d.id, "package", "public"))
                .await
                .expect("member");
        }
    }
    let mut ended = member(&g2.id, &datasets[1].id, "package", "public");
    ended.state = "deleted".to_owned();
    tx.member_upsert(&ended).await.expect("member");
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    let mut got = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = tx
            .package_bundles_after(after.as_deref(), 2)
            .await
            .expect("page");
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some(last.dataset.id.clone());
        got.extend(page);
    }
    let mut ids: Vec<&str> = datasets.iter().map(|d| d.id.as_str()).collect();
    ids.sort();
    let got_ids: Vec<&str> = got.iter().map(|b| b.dataset.id.as_str()).collect();
    assert_eq!(got_ids, ids, "every dataset, any state, by id");
    for b in &got {
        let d = &b.dataset;
        assert_eq!(Some(d), tx.package_get(&d.id).await.expect("get").as_ref());
        let org = match &d.owner_org {
            Some(id) => tx.group_get(id).await.expect("org"),
            None => None,
        };
        assert_eq!(b.organization, org, "{}", d.name);
        assert_eq!(
            b.groups,
            tx.groups_of_package(&d.id).await.expect("groups"),
            "{}",
            d.name
        );
        // The one-statement read of both, for `package_show`.
        assert_eq!(
            tx.package_relations(&d.id, d.owner_org.as_deref())
                .await
                .expect("relations"),
            (b.organization.clone(), b.groups.clone()),
            "{}",
            d.name
        );
    }
    // Extras keep their position, tags sort by name then vocabulary, on both paths.
    let first = tx.package_get("goi-0").await.expect("get").expect("goi-0");
    let extra_keys: Vec<&str> = first.extras.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(extra_keys, ["b", "a", "\u{1}"]);
    assert_eq!(first.extras[1].value, "2\u{0}\u{1}\"x\"");
    let tag_names: Vec<(&str, Option<&str>)> = first
        .tags
        .iter()
        .map(|t| (t.name.as_str(), t.vocabulary_id.as_deref()))
        .collect();
    assert_eq!(
        tag_names,
        [
            ("a\u{0}b", None),
            ("giáo dục", None),
            ("giáo dục", Some("vocab")),
            ("y tế", None)
        ]
    );
    let by_name = |name: &str| {
        got.iter()
            .find(|b| b.dataset.name == name)
            .expect("dataset")
    };
    let first = by_name("goi-0");
    let names: Vec<&str> = first.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["a-nhom", "b-nhom"]);
    assert_eq!(
        first.organization.as_ref().map(keys),
        Some(vec![("a", "2"), ("z", "1")])
    );
    assert_eq!(
        by_name("goi-1").groups.len(),
        1,
        "ended membership left out"
    );
    assert_eq!(
        by_name("goi-1")
            .organization
            .as_ref()
            .map(|o| o.state.as_str()),
        Some("deleted")
    );
    assert!(by_name("goi-4").organization.is_none());
    assert!(tx
        .package_bundles_after(None, 0)
        .await
        .expect("empty")
        .is_empty());
    // By ids: the same bundles, in id order, unknown ids left out.
    let wanted = vec![
        datasets[3].id.clone(),
        "no-such-dataset".to_owned(),
        datasets[0].id.clone(),
        datasets[3].id.clone(),
    ];
    let mut expected: Vec<&kho_store::DatasetBundle> = got
        .iter()
        .filter(|b| b.dataset.id == datasets[0].id || b.dataset.id == datasets[3].id)
        .collect();
    expected.sort_by(|a, b| a.dataset.id.cmp(&b.dataset.id));
    let by_ids = tx.package_bundles(&wanted).await.expect("by ids");
    assert_eq!(by_ids.iter().collect::<Vec<_>>(), expected);
    assert!(tx.package_bundles(&[]).await.expect("none").is_empty());
}

/// More datasets than one `IN (…)` list holds.
async fn package_bundles_of_many(store: Arc<dyn Store>) {
    let org = group("so-nhieu", true);
    insert_groups(&*store, &[&org]).await;
    let datasets: Vec<Dataset> = (0..1100)
        .map(|i| {
            let mut d = bare_dataset(&format!("nhieu-{i:04}"));
            d.owner_org = Some(org.id.clone());
            d.resources = vec![resource(&d.id, 0)];
            d
        })
        .collect();
    insert_datasets(&*store, &datasets.iter().collect::<Vec<_>>()).await;
    let mut tx = store.read().await.expect("read");
    let all = tx.package_bundles_after(None, 5000).await.expect("all");
    assert_eq!(all.len(), 1100);
    assert!(all.windows(2).all(|w| w[0].dataset.id < w[1].dataset.id));
    assert!(all.iter().all(|b| b.dataset.resources.len() == 1
        && b.organization.as_ref().map(|o| o.id.as_str()) == Some(org.id.as_str())));
}

async fn change_max_seq_is_the_last_committed(store: Arc<dyn Store>) {
    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.change_max_seq().await.expect("max"), 0);
    drop(tx);
    let mut tx = store.begin().await.expect("begin");
    tx.change_append("package", "p1", "create")
        .await
        .expect("append");
    let last = tx
        .change_append("package", "p2", "create")
        .await
        .expect("append");
    tx.commit().await.expect("commit");
    let mut tx = store.begin().await.expect("begin");
    tx.change_append("package", "p3", "create")
        .await
        .expect("append");
    drop(tx);
    let mut tx = store.read().await.expect("read");
    assert_eq!(tx.change_max_seq().await.expect("max"), last);
}

/// A change committed through one store wakes `wait_for_change` of another on Postgres
/// (LISTEN/NOTIFY), at once; a rolled-back one does not. SQLite only waits the timeout.
async fn changes_wake_other_processes(url: String) {
    use std::time::Instant;
    let (waiter, writer) = (migrated(&url).await, migrated(&url).await);
    let postgres = waiter.backend() == kho_store::Backend::Postgres;
    // The first call starts listening (and wakes once listening); drain the wake-ups.
    let started = Instant::now();
    while waiter.wait_for_change(Duration::from_millis(300)).await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "woken for ever"
        );
    }
    if !postgres {
        let t = Instant::now();
        assert!(!waiter.wait_for_change(Duration::from_millis(100)).await);
        assert!(t.elapsed() >= Duration::from_millis(100));
        return;
    }
    // Rolled back: no wake-up.
    let mut tx = writer.begin().await.expect("begin");
    tx.change_append("package", "rolled-back", "create")
        .await
        .expect("append");
    drop(tx);
    assert!(!waiter.wait_for_change(Duration::from_millis(500)).await);
    // Committed: a wake-up, long before the timeout.
    let commit = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut tx = writer.begin().await.expect("begin");
        tx.change_append("package", "p1", "create")
            .await
            .expect("append");
        tx.change_append("package", "p2", "create")
            .await
            .expect("append");
        tx.commit().await.expect("commit");
    });
    let t = Instant::now();
    assert!(waiter.wait_for_change(Duration::from_secs(20)).await);
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    commit.await.expect("writer");
    // One notification per transaction.
    assert!(!waiter.wait_for_change(Duration::from_millis(300)).await);
}

// ---------------------------------------------------------------- visibility and access

/// Names of the active-or-draft datasets a caller with `facts` may read (`None`:
/// anonymous), by the labels the store keeps.
async fn readable(store: &dyn Store, facts: Option<&CallerFacts>) -> Vec<String> {
    let filter = DatasetFilter {
        states: vec![
            "active".to_owned(),
            "draft".to_owned(),
            "deleted".to_owned(),
        ],
        readable_by: caller_labels(false, facts),
        ..DatasetFilter::default()
    };
    let mut tx = store.read().await.expect("read");
    let mut names: Vec<String> = tx
        .package_page(&filter, 100, 0)
        .await
        .expect("page")
        .into_iter()
        .map(|d| d.name)
        .collect();
    names.sort();
    names
}

async fn labels_follow_every_dataset_write(store: Arc<dyn Store>) {
    let org = group("so-a", true);
    insert_groups(&*store, &[&org]).await;
    let mut d = dataset("bo", Some(&org.id));
    d.sharing_level = "shared".to_owned();
    insert_datasets(&*store, &[&d]).await;
    let gov = CallerFacts {
        user_id: "u".into(),
        government: true,
        ..CallerFacts::default()
    };
    let member = CallerFacts {
        user_id: "m".into(),
        groups: vec![org.id.clone()],
        ..CallerFacts::default()
    };
    assert_eq!(readable(&*store, None).await, Vec::<String>::new());
    assert_eq!(readable(&*store, Some(&gov)).await, ["bo"]);
    // Restricted: government accounts lose it, members keep it.
    for (level, state, anon, govt, memb) in [
        ("restricted", "active", false, false, true),
        ("open", "active", true, true, true),
        ("open", "draft", false, false, true),
        ("shared", "deleted", false, false, true),
        ("shared", "active", false, true, true),
    ] {
        d.sharing_level = level.to_owned();
        d.state = state.to_owned();
        let mut tx = store.begin().await.expect("begin");
        tx.package_update(&d).await.expect("update");
        tx.commit().await.expect("commit");
        let sees = |v: Vec<String>| v == ["bo"];
        assert_eq!(sees(readable(&*store, None).await), anon, "{level} {state}");
        assert_eq!(
            sees(readable(&*store, Some(&gov)).await),
            govt,
            "{level} {state}"
        );
        assert_eq!(
            sees(readable(&*store, Some(&member)).await),
            memb,
            "{level} {state}"
        );
    }
    // Purge removes the labels (no dangling rows block it).
    let mut tx = store.begin().await.expect("begin");
    tx.package_purge(&d.id).await.expect("purge");
    tx.commit().await.expect("commit");
    assert!(readable(&*store, Some(&member)).await.is_empty());
}

async fn grants_and_collaborators(store: Arc<dyn Store>) {
    let org = group("so-a", true);
    let other = group("so-b", true);
    insert_groups(&*store, &[&org, &other]).await;
    let alice = user("alice");
    let bob = user("bob");
    insert_users(&*store, &[&alice, &bob]).await;
    let mut d = dataset("rieng", Some(&org.id));
    d.sharing_level = "restricted".to_owned();
    insert_datasets(&*store, &[&d]).await;
    let now = at("2026-06-01T00:00:00");
    let grant = |id: &str, t: Grantee, who: &str, expires: Option<&str>| AccessGrant {
        id: id.to_owned(),
        package_id: d.id.clone(),
        grantee_type: t,
        grantee_id: who.to_owned(),
        reason: "Công văn\u{0}số 1".to_owned(),
        expires: expires.map(at),
        created: at("2026-05-01T00:00:00.25"),
        created_by: alice.id.clone(),
    };
    let mut tx = store.begin().await.expect("begin");
    tx.grant_upsert(&grant(
        "g1",
        Grantee::User,
        &bob.id,
        Some("2026-06-01T00:00:00.5"),
    ))
    .await
    .expect("grant");
    tx.grant_upsert(&grant(
        "g2",
        Grantee::Organization,
        &other.id,
        Some("2026-05-31T23:59:59"),
    ))
    .await
    .expect("grant");
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    let stored = tx.grants_of_package(&d.id).await.expect("list");
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].reason, "Công văn\u{0}số 1");
    assert_eq!(stored[0].expires, Some(at("2026-06-01T00:00:00.5")));
    // Live at `now`: bob's (half a second left); the organization's has expired.
    assert_eq!(
        tx.granted_package_ids(&bob.id, &[], now)
            .await
            .expect("ids"),
        [d.id.clone()]
    );
    assert!(tx
        .granted_package_ids(&alice.id, std::slice::from_ref(&other.id), now)
        .await
        .expect("ids")
        .is_empty());
    assert_eq!(
        tx.granted_package_ids(
            &alice.id,
            std::slice::from_ref(&other.id),
            at("2026-05-31T00:00:00")
        )
        .await
        .expect("ids"),
        [d.id.clone()]
    );
    drop(tx);

    // Upsert replaces by grantee, keeping the id; delete reports whether it removed one.
    let mut tx = store.begin().await.expect("begin");
    let mut renewed = grant("other-id", Grantee::User, &bob.id, None);
    renewed.reason = "gia hạn".to_owned();
    tx.grant_upsert(&renewed).await.expect("renew");
    let list = tx.grants_of_package(&d.id).await.expect("list");
    let bobs = list.iter().find(|g| g.grantee_id == bob.id).expect("bob");
    assert_eq!(
        (bobs.id.as_str(), bobs.reason.as_str(), bobs.expires),
        ("g1", "gia hạn", None)
    );
    assert!(tx
        .grant_delete(&d.id, Grantee::Organization, &other.id)
        .await
        .expect("delete"));
    assert!(!tx
        .grant_delete(&d.id, Grantee::Organization, &other.id)
        .await
        .expect("delete"));

    // Collaborators.
    let collab = |user_id: &str, capacity: &str, modified: &str| Collaborator {
        package_id: d.id.clone(),
        user_id: user_id.to_owned(),
        capacity: capacity.to_owned(),
        modified: at(modified),
    };
    tx.collaborator_upsert(&collab(&bob.id, "member", "2026-05-02T00:00:00"))
        .await
        .expect("collaborator");
    tx.collaborator_upsert(&collab(&alice.id, "editor", "2026-05-03T00:00:00"))
        .await
        .expect("collaborator");
    tx.collaborator_upsert(&collab(&bob.id, "editor", "2026-05-04T00:00:00"))
        .await
        .expect("collaborator");
    let of_pkg = tx.collaborators_of_package(&d.id).await.expect("list");
    let ids: Vec<&str> = of_pkg.iter().map(|c| c.user_id.as_str()).collect();
    assert_eq!(ids, [alice.id.as_str(), bob.id.as_str()], "by modified");
    assert_eq!(
        tx.collaborator_get(&d.id, &bob.id).await.expect("get"),
        Some(collab(&bob.id, "editor", "2026-05-04T00:00:00"))
    );
    assert_eq!(
        tx.collaborations_of_user(&bob.id)
            .await
            .expect("mine")
            .len(),
        1
    );
    assert!(tx
        .collaborator_delete(&d.id, &alice.id)
        .await
        .expect("delete"));
    assert!(!tx
        .collaborator_delete(&d.id, &alice.id)
        .await
        .expect("delete"));
    tx.commit().await.expect("commit");

    // A purged dataset takes its grants and collaborators with it; a purged organization
    // its grants.
    let mut tx = store.begin().await.expect("begin");
    tx.grant_upsert(&grant("g3", Grantee::Organization, &other.id, None))
        .await
        .expect("grant");
    tx.group_purge(&other.id).await.expect("purge org");
    assert_eq!(tx.grants_of_package(&d.id).await.expect("list").len(), 1);
    tx.package_purge(&d.id).await.expect("purge");
    assert!(tx.grants_of_package(&d.id).await.expect("list").is_empty());
    assert!(tx
        .collaborations_of_user(&bob.id)
        .await
        .expect("mine")
        .is_empty());
    tx.commit().await.expect("commit");
}

async fn membership_of_an_active_organization(store: Arc<dyn Store>) {
    let org = group("so-a", true);
    let grp = group("nhom", false);
    let mut gone = group("so-cu", true);
    gone.state = "deleted".to_owned();
    insert_groups(&*store, &[&org, &grp, &gone]).await;
    let (a, b, c) = (user("a"), user("b"), user("c"));
    insert_users(&*store, &[&a, &b, &c]).await;
    let mut tx = store.begin().await.expect("begin");
    tx.member_upsert(&member(&org.id, &a.id, "user", "member"))
        .await
        .expect("member");
    tx.member_upsert(&member(&grp.id, &b.id, "user", "admin"))
        .await
        .expect("member");
    tx.member_upsert(&member(&gone.id, &c.id, "user", "admin"))
        .await
        .expect("member");
    assert!(tx.user_in_active_organization(&a.id).await.expect("a"));
    assert!(
        !tx.user_in_active_organization(&b.id).await.expect("b"),
        "groups are not agencies"
    );
    assert!(
        !tx.user_in_active_organization(&c.id).await.expect("c"),
        "deleted organization"
    );
    tx.commit().await.expect("commit");
}

// ---------------------------------------------------------------- backends

async fn migrated(url: &str) -> Arc<dyn Store> {
    let store = kho_store::connect(url).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

/// A SQLite file in a temporary directory, removed at the end of the test.
async fn sqlite_file() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = migrated(&kho_test_support::sqlite_url(dir.path())).await;
    assert_eq!(store.backend(), kho_store::Backend::Sqlite);
    (store, dir)
}

async fn sqlite_memory() -> Arc<dyn Store> {
    let store = migrated("sqlite::memory:").await;
    assert_eq!(store.backend(), kho_store::Backend::Sqlite);
    store
}

async fn postgres() -> Arc<dyn Store> {
    let store = migrated(&kho_test_support::postgres_url().await).await;
    assert_eq!(store.backend(), kho_store::Backend::Postgres);
    store
}

async fn activity_query_filters(store: Arc<dyn Store>) {
    let labelled = |object_id: &str, stamp: &str, kind: &str, labels: &[&str]| Activity {
        activity_type: kind.to_owned(),
        permission_labels: labels.iter().map(|l| (*l).to_owned()).collect(),
        ..activity(object_id, stamp)
    };
    let acts = [
        labelled("q-1", "2026-03-01T00:00:00", "new package", &["public"]),
        labelled(
            "q-1",
            "2026-03-02T00:00:00",
            "changed package",
            &["member-o1"],
        ),
        labelled(
            "q-1",
            "2026-03-03T00:00:00",
            "changed package",
            &["public", "public"],
        ),
        labelled(
            "q-1",
            "2026-03-04T00:00:00",
            "deleted package",
            &["member-o2"],
        ),
        labelled("q-g", "2026-03-05T00:00:00", "changed group", &[]),
    ];
    let mut tx = store.begin().await.expect("begin");
    for a in &acts {
        tx.activity_insert(a).await.expect("insert");
    }
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    let ids = |list: Vec<Activity>| -> Vec<String> { list.into_iter().map(|a| a.id).collect() };
    let want = |idx: &[usize]| -> Vec<String> { idx.iter().map(|&i| acts[i].id.clone()).collect() };
    let base = ActivityQuery {
        scope: ActivityScope::Object("q-1".to_owned()),
        limit: 100,
        ..ActivityQuery::default()
    };
    assert_eq!(
        ids(tx.activity_query(&base).await.expect("q")),
        want(&[3, 2, 1, 0])
    );
    // Labels: any one in common; an activity without labels is everyone's.
    let q = ActivityQuery {
        labels: Some(vec!["public".to_owned(), "member-o1".to_owned()]),
        ..base.clone()
    };
    assert_eq!(
        ids(tx.activity_query(&q).await.expect("q")),
        want(&[2, 1, 0])
    );
    let q = ActivityQuery {
        scope: ActivityScope::All,
        labels: Some(Vec::new()),
        ..base.clone()
    };
    let all_unlabelled = ids(tx.activity_query(&q).await.expect("q"));
    assert!(all_unlabelled.contains(&acts[4].id));
    assert!(!all_unlabelled.contains(&acts[0].id));
    // Types, times, order, paging.
    let q = ActivityQuery {
        types: vec!["changed package".to_owned()],
        ..base.clone()
    };
    assert_eq!(ids(tx.activity_query(&q).await.expect("q")), want(&[2, 1]));
    let q = ActivityQuery {
        exclude_types: vec!["changed package".to_owned()],
        ..base.clone()
    };
    assert_eq!(ids(tx.activity_query(&q).await.expect("q")), want(&[3, 0]));
    let q = ActivityQuery {
        after: Some(at("2026-03-01T00:00:00")),
        before: Some(at("2026-03-04T00:00:00")),
        ..base.clone()
    };
    assert_eq!(ids(tx.activity_query(&q).await.expect("q")), want(&[2, 1]));
    let q = ActivityQuery {
        oldest_first: true,
        offset: 1,
        limit: 2,
        ..base.clone()
    };
    assert_eq!(ids(tx.activity_query(&q).await.expect("q")), want(&[1, 2]));
    // The stored labels round-trip as given.
    let got = tx
        .activity_get(&acts[2].id)
        .await
        .expect("get")
        .expect("found");
    assert_eq!(got, acts[2]);
    assert!(tx.activity_get("nothing").await.expect("get").is_none());
}

fn harvest_source(name: &str, created: &str) -> HarvestSource {
    HarvestSource {
        id: new_id(),
        name: name.to_owned(),
        title: format!("Nguồn {name}"),
        url: format!("https://{name}.example.org"),
        source_type: "ckan".to_owned(),
        owner_org: None,
        config: "{}".to_owned(),
        created: at(created),
    }
}

fn harvest_job(source_id: &str, created: &str) -> HarvestJob {
    HarvestJob {
        id: new_id(),
        source_id: source_id.to_owned(),
        status: "Running".to_owned(),
        created: at(created),
        gather_started: Some(at(created)),
        gather_finished: None,
        finished: None,
        created_count: 0,
        updated_count: 0,
        deleted_count: 0,
        unchanged_count: 0,
        error_count: 0,
        errors: "[]".to_owned(),
    }
}

async fn harvest_sources_and_jobs(store: Arc<dyn Store>) {
    let mut tx = store.begin().await.expect("begin");
    let a = harvest_source("a", "2026-03-01T00:00:00");
    let stored_a = tx.harvest_source_upsert(&a).await.expect("insert a");
    assert_eq!(stored_a, a);
    let b = harvest_source("b", "2026-03-02T00:00:00");
    tx.harvest_source_upsert(&b).await.expect("insert b");
    // Upserting by name keeps the id and `created`, takes everything else.
    let again = HarvestSource {
        id: new_id(),
        title: "Đổi tên".to_owned(),
        url: "https://new.example.org/catalog.ttl".to_owned(),
        source_type: "dcat".to_owned(),
        owner_org: Some("org-1".to_owned()),
        config: r#"{"organization":"x"}"#.to_owned(),
        created: at("2027-01-01T00:00:00"),
        ..a.clone()
    };
    let stored = tx.harvest_source_upsert(&again).await.expect("upsert a");
    assert_eq!(
        stored,
        HarvestSource {
            id: a.id.clone(),
            created: a.created,
            ..again.clone()
        }
    );
    assert_eq!(
        tx.harvest_source_get(&a.id).await.expect("get"),
        Some(stored.clone())
    );
    assert_eq!(
        tx.harvest_source_get("a").await.expect("get"),
        Some(stored.clone())
    );
    assert_eq!(tx.harvest_source_get("zzz").await.expect("get"), None);
    let names: Vec<String> = tx
        .harvest_source_list()
        .await
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["b", "a"]);

    let j1 = harvest_job(&a.id, "2026-03-03T00:00:00");
    let mut j2 = harvest_job(&a.id, "2026-03-04T00:00:00.000001");
    let j3 = harvest_job(&b.id, "2026-03-05T00:00:00");
    for j in [&j1, &j2, &j3] {
        tx.harvest_job_insert(j).await.expect("job insert");
    }
    j2.status = "Finished".to_owned();
    j2.gather_finished = Some(at("2026-03-04T00:01:00"));
    j2.finished = Some(at("2026-03-04T00:02:00.5"));
    j2.created_count = 3;
    j2.updated_count = 2;
    j2.deleted_count = 1;
    j2.unchanged_count = 7;
    j2.error_count = 1;
    j2.errors = r#"["dataset x: Lỗi"]"#.to_owned();
    tx.harvest_job_update(&j2).await.expect("job update");
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    let of_a = tx
        .harvest_job_list(Some(&a.id), None, None)
        .await
        .expect("jobs");
    assert_eq!(of_a, vec![j2.clone(), j1.clone()]);
    let all = tx.harvest_job_list(None, None, None).await.expect("jobs");
    assert_eq!(all, vec![j3.clone(), j2.clone(), j1.clone()]);
    let finished = tx
        .harvest_job_list(None, Some("Finished"), None)
        .await
        .expect("jobs");
    assert_eq!(finished, vec![j2.clone()]);
    let last = tx
        .harvest_job_list(Some(&a.id), None, Some(1))
        .await
        .expect("jobs");
    assert_eq!(last, vec![j2]);
    assert_eq!(tx.harvest_job_count(&a.id).await.expect("count"), 2);
    assert_eq!(tx.harvest_job_count(&b.id).await.expect("count"), 1);
    assert_eq!(tx.harvest_job_count("none").await.expect("count"), 0);
}

async fn harvested_datasets_by_source(store: Arc<dyn Store>) {
    let mut d1 = dataset("harvested-1", None);
    d1.extras = vec![
        dataset_extra("harvest_source_id", "src-1"),
        dataset_extra("guid", "remote-1"),
        dataset_extra("harvest_hash", "abc"),
    ];
    let mut d2 = dataset("harvested-2", None);
    d2.state = "deleted".to_owned();
    d2.extras = vec![dataset_extra("harvest_source_id", "src-1")];
    let mut other = dataset("other-source", None);
    other.extras = vec![
        dataset_extra("harvest_source_id", "src-2"),
        dataset_extra("guid", "remote-1"),
    ];
    let local = dataset("local", None);
    insert_datasets(&*store, &[&d1, &d2, &other, &local]).await;
    let mut tx = store.read().await.expect("read");
    let mut want = vec![
        HarvestedDataset {
            id: d1.id.clone(),
            name: d1.name.clone(),
            state: "active".to_owned(),
            metadata_modified: d1.metadata_modified,
            guid: Some("remote-1".to_owned()),
            hash: Some("abc".to_owned()),
        },
        HarvestedDataset {
            id: d2.id.clone(),
            name: d2.name.clone(),
            state: "deleted".to_owned(),
            metadata_modified: d2.metadata_modified,
            guid: None,
            hash: None,
        },
    ];
    want.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(tx.harvested_datasets("src-1").await.expect("list"), want);
    assert_eq!(tx.harvested_datasets("src-2").await.expect("list").len(), 1);
    assert!(tx
        .harvested_datasets("src-3")
        .await
        .expect("list")
        .is_empty());
}

fn datarequest(title: &str, open_time: &str, org: Option<&str>) -> DataRequest {
    DataRequest {
        id: new_id(),
        user_id: "u-1".to_owned(),
        email: None,
        title: title.to_owned(),
        description: format!("Cần dữ liệu {title} 50%_off"),
        organization_id: org.map(str::to_owned),
        open_time: at(open_time),
        accepted_dataset_id: None,
        close_time: None,
        closed: false,
        close_reason: None,
    }
}

async fn datarequests_comments_and_followers(store: Arc<dyn Store>) {
    let mut tx = store.begin().await.expect("begin");
    let mut a = datarequest("Bus stops", "2026-03-01T00:00:00", Some("org-1"));
    let mut b = datarequest("Giá đất", "2026-03-02T00:00:00", None);
    b.user_id = String::new();
    b.email = Some("anon@example.org".to_owned());
    tx.datarequest_insert(&a).await.expect("insert a");
    tx.datarequest_insert(&b).await.expect("insert b");
    assert_eq!(
        tx.datarequest_get(&b.id).await.expect("get"),
        Some(b.clone())
    );
    assert_eq!(tx.datarequest_get("nope").await.expect("get"), None);
    assert!(tx
        .datarequest_title_taken("Bus stops", "")
        .await
        .expect("taken"));
    assert!(!tx
        .datarequest_title_taken("Bus stops", &a.id)
        .await
        .expect("taken"));

    a.closed = true;
    a.close_time = Some(at("2026-03-05T10:00:00.5"));
    a.close_reason = Some("Không có".to_owned());
    a.organization_id = Some("org-2".to_owned());
    tx.datarequest_update(&a).await.expect("update");
    assert_eq!(
        tx.datarequest_get(&a.id).await.expect("get"),
        Some(a.clone())
    );

    let ids = |v: Vec<DataRequest>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let all = DataRequestFilter::default();
    assert_eq!(
        ids(tx.datarequest_list(&all).await.expect("list")),
        [a.id.clone(), b.id.clone()]
    );
    let desc = DataRequestFilter {
        desc: true,
        ..all.clone()
    };
    assert_eq!(
        ids(tx.datarequest_list(&desc).await.expect("list")),
        [b.id.clone(), a.id.clone()]
    );
    let open = DataRequestFilter {
        closed: Some(false),
        ..all.clone()
    };
    assert_eq!(
        ids(tx.datarequest_list(&open).await.expect("list")),
        [b.id.clone()]
    );
    let org = DataRequestFilter {
        organization_id: Some("org-2".into()),
        ..all.clone()
    };
    assert_eq!(
        ids(tx.datarequest_list(&org).await.expect("list")),
        [a.id.clone()]
    );
    let user = DataRequestFilter {
        user_id: Some("u-1".into()),
        ..all.clone()
    };
    assert_eq!(
        ids(tx.datarequest_list(&user).await.expect("list")),
        [a.id.clone()]
    );
    let q = DataRequestFilter {
        q: Some("BUS".into()),
        ..all.clone()
    };
    assert_eq!(
        ids(tx.datarequest_list(&q).await.expect("list")),
        [a.id.clone()]
    );
    // LIKE wildcards in `q` match only themselves.
    let q = DataRequestFilter {
        q: Some("0%_o".into()),
        ..all.clone()
    };
    assert_eq!(ids(tx.datarequest_list(&q).await.expect("list")).len(), 2);
    let q = DataRequestFilter {
        q: Some("5_%".into()),
        ..all.clone()
    };
    assert!(tx.datarequest_list(&q).await.expect("list").is_empty());

    let c1 = DataRequestComment {
        id: new_id(),
        datarequest_id: a.id.clone(),
        user_id: "u-2".to_owned(),
        comment: "Một".to_owned(),
        time: at("2026-03-03T00:00:00"),
    };
    let mut c2 = DataRequestComment {
        id: new_id(),
        comment: "Hai".to_owned(),
        time: at("2026-03-04T00:00:00"),
        ..c1.clone()
    };
    tx.datarequest_comment_insert(&c1).await.expect("comment");
    tx.datarequest_comment_insert(&c2).await.expect("comment");
    c2.comment = "Hai (sửa)".to_owned();
    tx.datarequest_comment_update(&c2)
        .await
        .expect("update comment");
    assert_eq!(
        tx.datarequest_comment_get(&c2.id).await.expect("get"),
        Some(c2.clone())
    );
    assert_eq!(
        tx.datarequest_comments(&a.id, false).await.expect("list"),
        [c1.clone(), c2.clone()]
    );
    assert_eq!(
        tx.datarequest_comments(&a.id, true).await.expect("list"),
        [c2.clone(), c1.clone()]
    );
    assert_eq!(tx.datarequest_comment_count(&a.id).await.expect("count"), 2);
    assert!(tx.datarequest_comment_delete(&c1.id).await.expect("delete"));
    assert!(!tx.datarequest_comment_delete(&c1.id).await.expect("delete"));
    assert_eq!(tx.datarequest_comment_count(&a.id).await.expect("count"), 1);

    let t = at("2026-03-06T00:00:00");
    assert!(tx
        .datarequest_follow(&a.id, "u-2", &t)
        .await
        .expect("follow"));
    assert!(!tx
        .datarequest_follow(&a.id, "u-2", &t)
        .await
        .expect("follow again"));
    assert!(tx
        .datarequest_follow(&a.id, "u-3", &t)
        .await
        .expect("follow"));
    assert_eq!(
        tx.datarequest_follower_count(&a.id).await.expect("count"),
        2
    );
    assert!(tx
        .datarequest_unfollow(&a.id, "u-3")
        .await
        .expect("unfollow"));
    assert!(!tx
        .datarequest_unfollow(&a.id, "u-3")
        .await
        .expect("unfollow"));
    assert_eq!(
        tx.datarequest_follower_count(&a.id).await.expect("count"),
        1
    );

    assert!(tx.datarequest_delete(&a.id).await.expect("delete"));
    assert!(!tx.datarequest_delete(&a.id).await.expect("delete"));
    assert_eq!(tx.datarequest_comment_get(&c2.id).await.expect("get"), None);
    assert_eq!(
        tx.datarequest_follower_count(&a.id).await.expect("count"),
        0
    );
    tx.commit().await.expect("commit");
    let mut tx = store.read().await.expect("read");
    assert_eq!(
        ids(tx.datarequest_list(&all).await.expect("list")),
        [b.id.clone()]
    );
}

fn issue(dataset_id: &str, title: &str, created: &str, email: Option<&str>) -> Issue {
    Issue {
        id: new_id(),
        dataset_id: dataset_id.to_owned(),
        number: 0,
        title: title.to_owned(),
        description: format!("Mô tả {title}"),
        user_id: email.is_none().then(|| "user-1".to_owned()),
        reporter_email: email.map(str::to_owned),
        client_address: email.map(|_| "10.0.0.1".to_owned()),
        follow_token_hash: email.map(|_| "ab12".to_owned()),
        status: "open".to_owned(),
        resolved: None,
        created: at(created),
        modified: at(created),
        comment_count: 0,
    }
}

/// Declared data update times: upserted, read in bulk, kept across dataset writes,
/// removed with the purged dataset.
async fn data_updated_upserts_and_survives_updates(store: Arc<dyn Store>) {
    let d1 = dataset("data-updated-1", None);
    let d2 = dataset("data-updated-2", None);
    insert_datasets(&*store, &[&d1, &d2]).await;
    let t = |s: &str| kho_core::time::parse(s).expect("timestamp");
    let mut tx = store.begin().await.expect("begin");
    tx.data_updated_set(
        &d1.id,
        t("2026-05-01T01:02:03"),
        Some("u1"),
        t("2026-05-02T00:00:00"),
    )
    .await
    .expect("set");
    tx.data_updated_set(
        &d1.id,
        t("2026-06-01T00:00:00.5"),
        None,
        t("2026-06-02T00:00:00"),
    )
    .await
    .expect("replace");
    let mut renamed = d1.clone();
    renamed.title = Some("Đổi tên".into());
    tx.package_update(&renamed).await.expect("update");
    tx.commit().await.expect("commit");
    let mut tx = store.read().await.expect("read");
    let got = tx
        .data_updated_of(&[d1.id.clone(), d2.id.clone(), "missing".into()])
        .await
        .expect("of");
    assert_eq!(got.len(), 1);
    assert_eq!(got.get(&d1.id), Some(&t("2026-06-01T00:00:00.5")));
    drop(tx);
    let mut tx = store.begin().await.expect("begin");
    tx.package_purge(&d1.id).await.expect("purge");
    tx.commit().await.expect("commit");
    let mut tx = store.read().await.expect("read");
    assert!(tx
        .data_updated_of(std::slice::from_ref(&d1.id))
        .await
        .expect("of")
        .is_empty());
}

async fn issues_numbers_threads_and_search(store: Arc<dyn Store>) {
    let d1 = dataset("issues-1", None);
    let d2 = dataset("issues-2", None);
    insert_datasets(&*store, &[&d1, &d2]).await;
    let mut tx = store.begin().await.expect("begin");
    let a = tx
        .issue_insert(&issue(&d1.id, "Sai số liệu", "2026-05-01T00:00:00", None))
        .await
        .expect("insert a");
    let b_in = issue(
        &d1.id,
        "Thiếu cột 100%",
        "2026-05-02T00:00:00",
        Some("x@example.org"),
    );
    let b = tx.issue_insert(&b_in).await.expect("insert b");
    let c = tx
        .issue_insert(&issue(
            &d2.id,
            "Other",
            "2026-05-03T00:00:00",
            Some("x@example.org"),
        ))
        .await
        .expect("insert c");
    // Numbers count per dataset.
    assert_eq!((a.number, b.number, c.number), (1, 2, 1));
    assert_eq!(
        b,
        Issue {
            number: 2,
            ..b_in.clone()
        }
    );
    let comment = IssueComment {
        id: new_id(),
        issue_id: b.id.clone(),
        comment: "Đã sửa".to_owned(),
        user_id: None,
        created: at("2026-05-04T00:00:00"),
    };
    tx.issue_comment_insert(&comment).await.expect("comment");
    tx.commit().await.expect("commit");

    let mut tx = store.begin().await.expect("begin");
    let got = tx
        .issue_get(&d1.id, 2)
        .await
        .expect("get")
        .expect("issue 2");
    assert_eq!(got.comment_count, 1);
    assert_eq!(got.modified, at("2026-05-04T00:00:00"));
    assert_eq!(tx.issue_get(&d1.id, 3).await.expect("get"), None);
    assert_eq!(
        tx.issue_comments(&b.id).await.expect("comments"),
        vec![comment]
    );
    let all = IssueQuery {
        datasets: DatasetFilter {
            states: vec!["active".to_owned()],
            ..DatasetFilter::default()
        },
        limit: 10,
        ..IssueQuery::default()
    };
    let ids = |found: (i64, Vec<Issue>)| {
        (
            found.0,
            found.1.into_iter().map(|i| i.title).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        ids(tx.issue_search(&all).await.expect("all")),
        (
            3,
            vec![
                "Other".into(),
                "Thiếu cột 100%".into(),
                "Sai số liệu".into()
            ]
        )
    );
    let of_d1 = IssueQuery {
        dataset_id: Some(d1.id.clone()),
        sort: IssueSort::Oldest,
        ..all.clone()
    };
    assert_eq!(
        ids(tx.issue_search(&of_d1).await.expect("d1")),
        (2, vec!["Sai số liệu".into(), "Thiếu cột 100%".into()])
    );
    let q = IssueQuery {
        q: Some("100%".to_owned()),
        ..all.clone()
    };
    assert_eq!(ids(tx.issue_search(&q).await.expect("q")).0, 1);
    let most = IssueQuery {
        sort: IssueSort::MostCommented,
        limit: 1,
        ..all.clone()
    };
    assert_eq!(
        ids(tx.issue_search(&most).await.expect("most")),
        (3, vec!["Thiếu cột 100%".into()])
    );
    // Close a, then only b and c are open.
    let closed = Issue {
        status: "closed".to_owned(),
        resolved: Some(at("2026-05-05T00:00:00")),
        modified: at("2026-05-05T00:00:00"),
        ..a.clone()
    };
    tx.issue_update(&closed).await.expect("update");
    assert_eq!(tx.issue_get(&d1.id, 1).await.expect("get"), Some(closed));
    let open = IssueQuery {
        status: Some("open".to_owned()),
        ..all.clone()
    };
    assert_eq!(ids(tx.issue_search(&open).await.expect("open")).0, 2);
    // Rate-limit counts.
    assert_eq!(
        tx.issue_reports_since("x@example.org", Some("10.0.0.1"), at("2026-05-02T00:00:00"))
            .await
            .expect("since"),
        (2, 2)
    );
    assert_eq!(
        tx.issue_reports_since("x@example.org", None, at("2026-05-03T00:00:01"))
            .await
            .expect("since"),
        (0, 0)
    );
    // Delete removes the thread; purging a dataset removes its issues.
    tx.issue_delete(&b.id).await.expect("delete");
    assert_eq!(tx.issue_comments(&b.id).await.expect("comments"), vec![]);
    tx.package_purge(&d2.id).await.expect("purge");
    assert_eq!(
        ids(tx.issue_search(&all).await.expect("all")),
        (1, vec!["Sai số liệu".into()])
    );
    tx.commit().await.expect("commit");
}

/// Screened files with findings block until an override recorded at or after their
/// screening; clean, unscreened and deleted resources' files never block; purge removes
/// the overrides.
async fn personal_data_findings_and_overrides(store: Arc<dyn Store>) {
    let mut d = dataset("ca-nhan", None);
    let (r1, r2, r3, r4) = (
        resource(&d.id, 0),
        resource(&d.id, 1),
        resource(&d.id, 2),
        resource(&d.id, 3),
    );
    let mut gone = r4.clone();
    gone.state = "deleted".to_owned();
    d.resources = vec![r1.clone(), r2.clone(), r3.clone(), gone];
    insert_datasets(&*store, &[&d]).await;
    let file = |r: &Resource, created: &str, screening: Option<&str>| ResourceFile {
        resource_id: r.id.clone(),
        file_key: format!("resources/{}", r.id),
        file_name: format!("{}.csv", r.id),
        size: 10,
        sha256: "0".repeat(64),
        created: at(created),
        screening: screening.map(str::to_owned),
    };
    let found = r#"[{"column":"so_cccd","kind":"citizen_id","count":3,"values":3,"examples":["001*******45"]}]"#;
    let mut tx = store.begin().await.expect("begin");
    for f in [
        file(&r1, "2026-03-01T00:00:00", Some(found)),
        file(&r2, "2026-03-02T00:00:00", Some("[]")),
        file(&r3, "2026-03-03T00:00:00", None),
        file(&r4, "2026-03-04T00:00:00", Some(found)),
    ] {
        tx.resource_file_put(&f).await.expect("put");
    }
    let blocking = tx
        .personal_data_unresolved(&d.id)
        .await
        .expect("unresolved");
    assert_eq!(blocking.len(), 1);
    assert_eq!(blocking[0].resource_id, r1.id);
    assert_eq!(blocking[0].screening.as_deref(), Some(found));
    let o = PersonalDataOverride {
        id: new_id(),
        package_id: d.id.clone(),
        user_id: new_id(),
        reason: "Số điện thoại công vụ".to_owned(),
        created: at("2026-03-01T00:00:00"),
    };
    tx.personal_data_override_insert(&o)
        .await
        .expect("override");
    assert!(tx
        .personal_data_unresolved(&d.id)
        .await
        .expect("unresolved")
        .is_empty());
    // A file screened after the override blocks again.
    tx.resource_file_put(&file(&r2, "2026-03-05T00:00:00", Some(found)))
        .await
        .expect("replace");
    let blocking = tx
        .personal_data_unresolved(&d.id)
        .await
        .expect("unresolved");
    assert_eq!(
        blocking
            .iter()
            .map(|f| f.resource_id.as_str())
            .collect::<Vec<_>>(),
        vec![r2.id.as_str()]
    );
    assert_eq!(
        tx.personal_data_overrides(&d.id).await.expect("list"),
        vec![o]
    );
    tx.commit().await.expect("commit");
    let mut tx = store.begin().await.expect("begin");
    tx.package_purge(&d.id).await.expect("purge");
    assert!(tx
        .personal_data_overrides(&d.id)
        .await
        .expect("list")
        .is_empty());
    tx.commit().await.expect("commit");
}

// ---------------------------------------------------------------- former names

fn alias(kind: &str, name: &str, target_id: &str) -> NameAlias {
    NameAlias {
        kind: kind.to_owned(),
        name: name.to_owned(),
        target_id: target_id.to_owned(),
        created: at("2026-07-01T00:00:00.5"),
        created_by: "admin-id".to_owned(),
    }
}

async fn former_names_resolve_until_purged(store: Arc<dyn Store>) {
    let mut org = group("so-tn-mt-long-an", true);
    let other = group("so-y-te", true);
    insert_groups(&*store, &[&org, &other]).await;
    let d = dataset("du-lieu-cu", Some(&org.id));
    insert_datasets(&*store, &[&d]).await;

    // Rename both, leaving the old names behind.
    let mut tx = store.begin().await.expect("begin");
    org.name = "so-nn-mt-tay-ninh".to_owned();
    tx.group_update(&org).await.expect("rename org");
    tx.alias_put(&alias(ALIAS_GROUP, "so-tn-mt-long-an", &org.id))
        .await
        .expect("org alias");
    tx.package_rename(&d.id, "du-lieu-moi")
        .await
        .expect("rename");
    tx.alias_put(&alias(ALIAS_PACKAGE, "du-lieu-cu", &d.id))
        .await
        .expect("dataset alias");
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    let found = tx
        .group_get("so-tn-mt-long-an")
        .await
        .expect("get")
        .expect("by alias");
    assert_eq!(
        (found.id.as_str(), found.name.as_str()),
        (org.id.as_str(), "so-nn-mt-tay-ninh")
    );
    let found = tx
        .package_get("du-lieu-cu")
        .await
        .expect("get")
        .expect("by alias");
    assert_eq!(
        (found.id.as_str(), found.name.as_str()),
        (d.id.as_str(), "du-lieu-moi")
    );
    // Kinds do not mix: a dataset's former name is no group's.
    assert!(tx.group_get("du-lieu-cu").await.expect("get").is_none());
    assert!(tx
        .package_get("so-tn-mt-long-an")
        .await
        .expect("get")
        .is_none());
    assert_eq!(
        tx.alias_get(ALIAS_GROUP, "so-tn-mt-long-an")
            .await
            .expect("alias"),
        Some(alias(ALIAS_GROUP, "so-tn-mt-long-an", &org.id))
    );
    assert_eq!(
        tx.aliases_of(ALIAS_PACKAGE, &d.id).await.expect("aliases"),
        vec![alias(ALIAS_PACKAGE, "du-lieu-cu", &d.id)]
    );
    drop(tx);

    // A live name wins over an alias of the same text (the store does not reserve names;
    // the actions do).
    let squatter = group("so-tn-mt-long-an", true);
    insert_groups(&*store, &[&squatter]).await;
    let mut tx = store.begin().await.expect("begin");
    let found = tx
        .group_get("so-tn-mt-long-an")
        .await
        .expect("get")
        .expect("live");
    assert_eq!(found.id, squatter.id);
    tx.group_purge(&squatter.id).await.expect("purge");

    // A merge points the aliases at the new holder.
    assert_eq!(
        tx.aliases_retarget(ALIAS_GROUP, &org.id, &other.id)
            .await
            .expect("retarget"),
        1
    );
    let found = tx
        .group_get("so-tn-mt-long-an")
        .await
        .expect("get")
        .expect("alias");
    assert_eq!(found.id, other.id);
    assert!(tx
        .alias_delete(ALIAS_GROUP, "so-tn-mt-long-an")
        .await
        .expect("delete"));
    assert!(!tx
        .alias_delete(ALIAS_GROUP, "so-tn-mt-long-an")
        .await
        .expect("again"));
    assert!(tx
        .group_get("so-tn-mt-long-an")
        .await
        .expect("get")
        .is_none());

    // Purging the dataset frees its former names.
    tx.package_purge(&d.id).await.expect("purge");
    assert!(tx
        .alias_get(ALIAS_PACKAGE, "du-lieu-cu")
        .await
        .expect("alias")
        .is_none());
    tx.alias_put(&alias(ALIAS_GROUP, "x", &other.id))
        .await
        .expect("alias");
    // Replacing an alias of the same name keeps one row.
    tx.alias_put(&alias(ALIAS_GROUP, "x", &org.id))
        .await
        .expect("replace");
    assert_eq!(
        tx.aliases_of(ALIAS_GROUP, &other.id).await.expect("of"),
        vec![]
    );
    tx.group_purge(&org.id).await.expect("purge org");
    assert!(tx
        .alias_get(ALIAS_GROUP, "x")
        .await
        .expect("alias")
        .is_none());
    tx.commit().await.expect("commit");
}

async fn merge_steps_roll_back_together(store: Arc<dyn Store>) {
    let from = group("so-a", true);
    let into = group("so-b", true);
    insert_groups(&*store, &[&from, &into]).await;
    let d = dataset("bang-a", Some(&from.id));
    let taken = dataset("bang-b", Some(&into.id));
    insert_datasets(&*store, &[&d, &taken]).await;
    let grant = AccessGrant {
        id: new_id(),
        package_id: taken.id.clone(),
        grantee_type: Grantee::Organization,
        grantee_id: from.id.clone(),
        reason: "Công văn".to_owned(),
        expires: None,
        created: at("2026-05-01T00:00:00"),
        created_by: "admin-id".to_owned(),
    };
    let mut tx = store.begin().await.expect("begin");
    tx.grant_upsert(&grant).await.expect("grant");
    tx.commit().await.expect("commit");

    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.grants_to(Grantee::Organization, &from.id)
            .await
            .expect("grants"),
        vec![grant.clone()]
    );
    assert_eq!(
        tx.grants_to(Grantee::Organization, &into.id)
            .await
            .expect("grants"),
        vec![]
    );
    let mut moved = d.clone();
    moved.owner_org = Some(into.id.clone());
    tx.package_update(&moved).await.expect("move");
    tx.alias_put(&alias(ALIAS_GROUP, "so-a", &into.id))
        .await
        .expect("alias");
    let mut gone = from.clone();
    gone.state = "deleted".to_owned();
    gone.name = "so-a-merged".to_owned();
    tx.group_update(&gone).await.expect("delete");
    // A step fails (a name taken): the whole merge goes.
    let mut clash = taken.clone();
    clash.id = new_id();
    assert!(matches!(
        tx.package_insert(&clash).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);

    let mut tx = store.read().await.expect("read");
    assert_eq!(
        tx.package_get(&d.id)
            .await
            .expect("get")
            .expect("d")
            .owner_org,
        Some(from.id.clone())
    );
    let still = tx.group_get("so-a").await.expect("get").expect("org");
    assert_eq!(
        (still.id.as_str(), still.state.as_str()),
        (from.id.as_str(), "active")
    );
    assert!(tx
        .alias_get(ALIAS_GROUP, "so-a")
        .await
        .expect("alias")
        .is_none());
    assert_eq!(
        tx.grants_to(Grantee::Organization, &from.id)
            .await
            .expect("grants"),
        vec![grant]
    );
}

// ---------------------------------------------------------------- sharing log, suspensions

fn sharing(
    user: &User,
    dataset: &str,
    org: Option<&str>,
    when: &str,
    action: &str,
) -> SharingEntry {
    SharingEntry {
        id: 0,
        at: at(when),
        user_id: user.id.clone(),
        user_name: user.name.clone(),
        user_organizations: vec!["so-a".into(), "so-b".into()],
        organization_id: org.map(str::to_owned),
        dataset_id: dataset.to_owned(),
        resource_id: None,
        action: action.to_owned(),
        client_address: Some("203.0.113.7".into()),
        user_agent: Some("curl/8 \u{0}ọ".into()),
        outcome: "allowed".into(),
    }
}

/// A batch larger than one INSERT's rows is written whole, in order.
async fn sharing_log_appends_large_batches(store: Arc<dyn Store>) {
    let alice = user("alice");
    let entries: Vec<_> = (0..450)
        .map(|i| {
            sharing(
                &alice,
                &format!("d{i:03}"),
                Some("o1"),
                "2026-01-01T00:00:00",
                "package_show",
            )
        })
        .collect();
    let mut tx = store.begin().await.expect("begin");
    tx.sharing_log_append(&entries).await.expect("append");
    tx.commit().await.expect("commit");
    let mut tx = store.read().await.expect("read");
    let q = SharingLogQuery {
        limit: Some(1000),
        ..SharingLogQuery::default()
    };
    let (n, all) = tx.sharing_log_query(&q).await.expect("all");
    assert_eq!(n, 450);
    assert_eq!(all.len(), 450);
    // Newest first; equal times by id, the later appended first.
    assert_eq!(all[0].dataset_id, "d449");
    assert_eq!(all[449].dataset_id, "d000");
}

async fn sharing_log_filters_pages_and_purges(store: Arc<dyn Store>) {
    let alice = user("alice");
    let bob = user("bob");
    let mut tx = store.begin().await.expect("begin");
    tx.sharing_log_append(&[
        sharing(
            &alice,
            "d1",
            Some("o1"),
            "2026-01-01T00:00:00",
            "package_show",
        ),
        sharing(&alice, "d2", Some("o2"), "2026-02-01T00:00:00", "download"),
        sharing(
            &bob,
            "d1",
            Some("o1"),
            "2026-03-01T00:00:00",
            "resource_show",
        ),
        sharing(&bob, "d3", None, "2026-03-01T00:00:00", "package_show"),
    ])
    .await
    .expect("append");
    tx.commit().await.expect("commit");

    let mut tx = store.read().await.expect("read");
    let (n, all) = tx
        .sharing_log_query(&SharingLogQuery::default())
        .await
        .expect("all");
    assert_eq!(n, 4);
    // Newest first; equal times by id, the later appended first.
    let order: Vec<&str> = all.iter().map(|e| e.dataset_id.as_str()).collect();
    assert_eq!(order, ["d3", "d1", "d2", "d1"]);
    assert_eq!(all[3].user_organizations, ["so-a", "so-b"]);
    assert_eq!(all[3].user_agent.as_deref(), Some("curl/8 \u{0}ọ"));
    assert_eq!(all[3].at, at("2026-01-01T00:00:00"));
    let q = SharingLogQuery {
        organization_ids: Some(vec!["o1".into()]),
        ..SharingLogQuery::default()
    };
    let (n, o1) = tx.sharing_log_query(&q).await.expect("org");
    assert_eq!(n, 2);
    assert_eq!(o1[0].action, "resource_show");
    let q = SharingLogQuery {
        organization_ids: Some(Vec::new()),
        ..SharingLogQuery::default()
    };
    assert_eq!(tx.sharing_log_query(&q).await.expect("none").0, 0);
    let q = SharingLogQuery {
        user_id: Some(alice.id.clone()),
        since: Some(at("2026-01-15T00:00:00")),
        until: Some(at("2026-03-01T00:00:00")),
        ..SharingLogQuery::default()
    };
    let (n, page) = tx.sharing_log_query(&q).await.expect("range");
    assert_eq!((n, page[0].dataset_id.as_str()), (1, "d2"));
    let q = SharingLogQuery {
        limit: Some(1),
        offset: 1,
        oldest_first: true,
        dataset_id: Some("d1".into()),
        ..SharingLogQuery::default()
    };
    let (n, page) = tx.sharing_log_query(&q).await.expect("page");
    assert_eq!((n, page.len(), page[0].user_name.as_str()), (2, 1, "bob"));
    drop(tx);

    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.sharing_log_purge(at("2026-02-15T00:00:00"))
            .await
            .expect("purge"),
        2
    );
    tx.commit().await.expect("commit");
    let mut tx = store.read().await.expect("read");
    let (n, left) = tx
        .sharing_log_query(&SharingLogQuery::default())
        .await
        .expect("left");
    assert_eq!(n, 2);
    assert!(left.iter().all(|e| e.at == at("2026-03-01T00:00:00")));
}

async fn suspensions_round_trip_and_stop_grants(store: Arc<dyn Store>) {
    let org = group("so-a", true);
    insert_groups(&*store, &[&org]).await;
    let alice = user("alice");
    let bob = user("bob");
    insert_users(&*store, &[&alice, &bob]).await;
    let mut d = dataset("rieng", Some(&org.id));
    d.sharing_level = "restricted".to_owned();
    insert_datasets(&*store, &[&d]).await;
    let now = at("2026-06-01T00:00:00");
    let mut tx = store.begin().await.expect("begin");
    tx.grant_upsert(&AccessGrant {
        id: "g1".into(),
        package_id: d.id.clone(),
        grantee_type: Grantee::User,
        grantee_id: bob.id.clone(),
        reason: "r".into(),
        expires: None,
        created: now,
        created_by: alice.id.clone(),
    })
    .await
    .expect("grant");
    let s = Suspension {
        kind: "grant".into(),
        target_id: "g1".into(),
        reason: "hết hạn hợp đồng".into(),
        actor_id: alice.id.clone(),
        at: now,
    };
    tx.suspension_put(&s).await.expect("put");
    tx.suspension_put(&Suspension {
        reason: "lý do mới".into(),
        ..s.clone()
    })
    .await
    .expect("replace");
    tx.commit().await.expect("commit");
    let mut tx = store.read().await.expect("read");
    assert_eq!(
        tx.suspension_get("grant", "g1").await.expect("get"),
        Some(Suspension {
            reason: "lý do mới".into(),
            ..s.clone()
        })
    );
    assert_eq!(tx.suspension_get("user", "g1").await.expect("get"), None);
    assert!(tx
        .granted_package_ids(&bob.id, &[], now)
        .await
        .expect("ids")
        .is_empty());
    drop(tx);
    let mut tx = store.begin().await.expect("begin");
    assert!(tx.suspension_delete("grant", "g1").await.expect("lift"));
    assert!(!tx.suspension_delete("grant", "g1").await.expect("again"));
    tx.commit().await.expect("commit");
    let mut tx = store.read().await.expect("read");
    assert_eq!(
        tx.granted_package_ids(&bob.id, &[], now)
            .await
            .expect("ids"),
        [d.id.clone()]
    );
}

/// The database itself refuses to change or delete sharing log rows, for any client:
/// only the retention purge (inside its own transaction) deletes.
async fn sharing_log_refuses_update_and_delete(url: String) {
    let store = migrated(&url).await;
    let alice = user("alice");
    let mut tx = store.begin().await.expect("begin");
    tx.sharing_log_append(&[sharing(
        &alice,
        "d1",
        None,
        "2026-01-01T00:00:00",
        "download",
    )])
    .await
    .expect("append");
    tx.commit().await.expect("commit");
    let pool = sqlx::AnyPool::connect(&url).await.expect("raw pool");
    for sql in [
        "UPDATE sharing_log SET outcome = 'denied'",
        "DELETE FROM sharing_log",
    ] {
        let err = sqlx::query(sql)
            .execute(&pool)
            .await
            .expect_err("the table refuses");
        assert!(
            err.to_string().contains("sharing_log is append-only"),
            "{sql}: {err}"
        );
    }
    if url.starts_with("postgres") {
        let err = sqlx::query("TRUNCATE sharing_log")
            .execute(&pool)
            .await
            .expect_err("no truncate");
        assert!(err.to_string().contains("append-only"), "{err}");
    }
    let mut tx = store.read().await.expect("read");
    let (n, rows) = tx
        .sharing_log_query(&SharingLogQuery::default())
        .await
        .expect("still there");
    assert_eq!((n, rows[0].outcome.as_str()), (1, "allowed"));
    drop(tx);
    // The purge's permission ends with its transaction.
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.sharing_log_purge(at("2025-01-01T00:00:00"))
            .await
            .expect("nothing old"),
        0
    );
    tx.commit().await.expect("commit");
    assert!(sqlx::query("DELETE FROM sharing_log")
        .execute(&pool)
        .await
        .is_err());
    pool.close().await;
}

/// `store_suite!(every: [..], concurrent: [..], by_url: [..])`: every test runs on the
/// SQLite file and Postgres; the `every` tests also on the in-memory SQLite. `every` and
/// `concurrent` tests take a migrated store, `by_url` tests the database URL.
macro_rules! store_suite {
    (
        every: [$($every:ident),* $(,)?],
        concurrent: [$($concurrent:ident),* $(,)?],
        by_url: [$($by_url:ident),* $(,)?] $(,)?
    ) => {
        mod sqlite_file {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $every() {
                    let (store, dir) = super::sqlite_file().await;
                    super::$every(store).await;
                    drop(dir);
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $concurrent() {
                    let (store, dir) = super::sqlite_file().await;
                    super::$concurrent(store).await;
                    drop(dir);
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $by_url() {
                    let dir = tempfile::tempdir().expect("temp dir");
                    super::$by_url(kho_test_support::sqlite_url(dir.path())).await;
                }
            )*
        }
        mod sqlite_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $every() {
                    super::$every(super::sqlite_memory().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $every() {
                    super::$every(super::postgres().await).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $concurrent() {
                    super::$concurrent(super::postgres().await).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $by_url() {
                    super::$by_url(kho_test_support::postgres_url().await).await;
                }
            )*
        }
    };
}

store_suite! {
    every: [
        link_checks_and_targets,
        datarequests_comments_and_followers,
        package_update_from_matches_package_update,
        package_append_resource_matches_update_from,
        migrations_are_idempotent,
        user_roundtrip,
        control_characters_round_trip,
        user_get_prefers_id_over_name,
        user_list_excludes_deleted,
        users_by_email_is_case_insensitive,
        duplicate_user_conflicts_and_leaves_nothing,
        token_lifecycle,
        token_needs_existing_user,
        group_with_extras,
        groups_and_orgs_share_names,
        group_purge_removes_extras_and_members,
        member_upsert_and_delete,
        activity_newest_first,
        change_log_sequence,
        dropped_transaction_writes_nothing,
        concurrent_writers,
        dataset_roundtrip,
        package_get_prefers_id_over_name,
        dataset_update_replaces_children,
        dataset_rename_frees_name,
        dataset_purge_removes_everything,
        package_names_lists_open_active,
        package_counts_per_org,
        package_filter_counts_and_pages,
        package_page_of_many,
        tags_in_use_ignores_deleted_datasets,
        thousand_resources_round_trip,
        dataset_rollback_leaves_nothing,
        duplicate_dataset_conflicts,
        public_tags_formats_and_names,
        activity_query_filters,
        labels_follow_every_dataset_write,
        grants_and_collaborators,
        membership_of_an_active_organization,
        groups_of_a_package,
        package_bundles_match_single_loads,
        package_bundles_of_many,
        change_max_seq_is_the_last_committed,
        harvest_sources_and_jobs,
        harvested_datasets_by_source,
        issues_numbers_threads_and_search,
        personal_data_findings_and_overrides,
        former_names_resolve_until_purged,
        merge_steps_roll_back_together,
        data_updated_upserts_and_survives_updates,
        sharing_log_filters_pages_and_purges,
        sharing_log_appends_large_batches,
        suspensions_round_trip_and_stop_grants,
    ],
    concurrent: [
        read_while_writing,
        read_is_read_only_snapshot,
        change_log_commit_order,
    ],
    by_url: [
        two_stores_one_database,
        labels_backfill_matches_the_rule,
        changes_wake_other_processes,
        sharing_log_refuses_update_and_delete,
    ],
}
