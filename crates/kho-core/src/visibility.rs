//! Who may read which dataset: the one decision every read path asks.
//!
//! It is CKAN's permission-label model (`ckan/lib/plugins.py`, `DefaultPermissionLabels`)
//! extended with the provincial sharing levels. A dataset carries labels, a caller
//! carries labels, and the caller may read the dataset when the two sets meet. The store
//! keeps each dataset's labels in a table, so lists, counts and activity filter inside
//! their SQL with the caller's labels; `package_show` compares the two sets directly.
//!
//! | dataset | labels |
//! |---|---|
//! | active, `open` | `public` |
//! | anything else | `member-<owner org>` (or `creator-<user>` when unowned), `member-<dataset id>` (its collaborators) |
//! | … and active `shared` | `government` |
//! | … and active `shared` or `restricted` | `grant-<dataset id>` |
//!
//! A caller holds `public`; when logged in `creator-<their id>`, `member-<org>` for every
//! organization where they have a role (any capacity, cascaded admin included),
//! `government` when they belong to at least one active organization (the portal's
//! organizations are state agencies, so any member account is a government account),
//! `grant-<dataset id>` for every unexpired access grant to them or to one of their
//! organizations, and, when collaborators are enabled, `member-<dataset id>` for every
//! dataset they collaborate on. A sysadmin reads everything.

use crate::model::{Dataset, STATE_ACTIVE};

/// `sharing_level` of open data (CKAN's `private: false`).
pub const OPEN: &str = "open";
/// Default sharing: every government account may read.
pub const SHARED: &str = "shared";
/// Special-request sharing: the owning organization and grantees only.
pub const RESTRICTED: &str = "restricted";
/// Every sharing level, in the order forms list them.
pub const SHARING_LEVELS: &[&str] = &[OPEN, SHARED, RESTRICTED];

/// The label every caller holds.
pub const PUBLIC_LABEL: &str = "public";
/// The label of accounts that belong to an organization.
pub const GOVERNMENT_LABEL: &str = "government";

/// Is this a known sharing level?
pub fn is_sharing_level(level: &str) -> bool {
    SHARING_LEVELS.contains(&level)
}

/// The label of members of an organization.
pub fn member_label(org_id: &str) -> String {
    format!("member-{org_id}")
}

/// The label of the creator of an unowned dataset.
pub fn creator_label(user_id: &str) -> String {
    format!("creator-{user_id}")
}

/// The label of the collaborators of one dataset (CKAN's `member-<dataset id>`).
pub fn collaborator_label(dataset_id: &str) -> String {
    member_label(dataset_id)
}

/// The label of the grantees of one dataset.
pub fn grant_label(dataset_id: &str) -> String {
    format!("grant-{dataset_id}")
}

/// The labels of a dataset, as stored beside it and on its activities.
pub fn dataset_labels(d: &Dataset) -> Vec<String> {
    let active = d.state == STATE_ACTIVE;
    if active && d.sharing_level == OPEN {
        return vec![PUBLIC_LABEL.to_owned()];
    }
    let mut labels = vec![collaborator_label(&d.id)];
    match &d.owner_org {
        Some(org) => labels.push(member_label(org)),
        None => labels.push(creator_label(
            d.creator_user_id.as_deref().unwrap_or_default(),
        )),
    }
    if active && d.sharing_level == SHARED {
        labels.push(GOVERNMENT_LABEL.to_owned());
    }
    if active {
        labels.push(grant_label(&d.id));
    }
    labels
}

/// What the catalogue knows about a logged-in caller, gathered from the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallerFacts {
    pub user_id: String,
    /// Organizations and groups where the caller holds a role (cascaded admin included).
    pub groups: Vec<String>,
    /// The caller belongs to at least one active organization.
    pub government: bool,
    /// Datasets with an unexpired grant to the caller or one of their organizations.
    pub granted: Vec<String>,
    /// Datasets the caller collaborates on (empty when collaborators are disabled).
    pub collaborations: Vec<String>,
}

/// The labels of a caller: `None` for a sysadmin (reads everything), otherwise the labels
/// to match against [`dataset_labels`]. `facts` is `None` for an anonymous caller.
pub fn caller_labels(sysadmin: bool, facts: Option<&CallerFacts>) -> Option<Vec<String>> {
    if sysadmin {
        return None;
    }
    let mut labels = vec![PUBLIC_LABEL.to_owned()];
    if let Some(f) = facts {
        labels.push(creator_label(&f.user_id));
        labels.extend(f.groups.iter().map(|g| member_label(g)));
        if f.government {
            labels.push(GOVERNMENT_LABEL.to_owned());
        }
        labels.extend(f.granted.iter().map(|d| grant_label(d)));
        labels.extend(f.collaborations.iter().map(|d| collaborator_label(d)));
    }
    labels.sort();
    labels.dedup();
    Some(labels)
}

/// May a caller with `caller` labels (`None`: sysadmin) read something labelled `labels`?
/// Something without labels is public.
pub fn may_read(caller: Option<&[String]>, labels: &[String]) -> bool {
    match caller {
        None => true,
        Some(mine) => labels.is_empty() || labels.iter().any(|l| mine.contains(l)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn dataset(state: &str, level: &str, org: Option<&str>) -> Dataset {
        Dataset {
            id: "d1".into(),
            name: "d".into(),
            title: None,
            author: None,
            author_email: None,
            maintainer: None,
            maintainer_email: None,
            license_id: None,
            notes: None,
            url: None,
            version: None,
            state: state.into(),
            dataset_type: "dataset".into(),
            owner_org: org.map(Into::into),
            sharing_level: level.into(),
            creator_user_id: Some("u1".into()),
            metadata_created: NaiveDateTime::default(),
            metadata_modified: NaiveDateTime::default(),
            profile: "{}".into(),
            plugin_data: None,
            extras: vec![],
            tags: vec![],
            resources: vec![],
        }
    }

    fn facts(f: impl FnOnce(&mut CallerFacts)) -> CallerFacts {
        let mut c = CallerFacts {
            user_id: "u2".into(),
            ..CallerFacts::default()
        };
        f(&mut c);
        c
    }

    fn reads(caller: Option<&CallerFacts>, d: &Dataset) -> bool {
        let labels = caller_labels(false, caller);
        may_read(labels.as_deref(), &dataset_labels(d))
    }

    #[test]
    fn open_active_is_public_only() {
        let d = dataset("active", OPEN, Some("o1"));
        assert_eq!(dataset_labels(&d), vec!["public"]);
        assert!(reads(None, &d));
        assert!(!reads(None, &dataset("draft", OPEN, Some("o1"))));
        assert!(!reads(None, &dataset("deleted", OPEN, Some("o1"))));
    }

    #[test]
    fn shared_reads_for_government_accounts_only_while_active() {
        let d = dataset("active", SHARED, Some("o1"));
        let gov = facts(|c| c.government = true);
        assert!(reads(Some(&gov), &d));
        assert!(!reads(Some(&facts(|_| {})), &d));
        assert!(!reads(None, &d));
        assert!(!reads(Some(&gov), &dataset("draft", SHARED, Some("o1"))));
        assert!(!reads(Some(&gov), &dataset("deleted", SHARED, Some("o1"))));
    }

    #[test]
    fn restricted_reads_for_owner_members_grantees_and_collaborators() {
        let d = dataset("active", RESTRICTED, Some("o1"));
        assert!(!reads(Some(&facts(|c| c.government = true)), &d));
        assert!(reads(Some(&facts(|c| c.groups = vec!["o1".into()])), &d));
        assert!(!reads(Some(&facts(|c| c.groups = vec!["o2".into()])), &d));
        let grantee = facts(|c| c.granted = vec!["d1".into()]);
        assert!(reads(Some(&grantee), &d));
        assert!(!reads(
            Some(&grantee),
            &dataset("deleted", RESTRICTED, Some("o1"))
        ));
        let collaborator = facts(|c| c.collaborations = vec!["d1".into()]);
        assert!(reads(Some(&collaborator), &d));
        // Collaborators, like organization members, see drafts and deleted datasets.
        assert!(reads(
            Some(&collaborator),
            &dataset("draft", RESTRICTED, Some("o1"))
        ));
        assert!(reads(
            Some(&facts(|c| c.groups = vec!["o1".into()])),
            &dataset("deleted", OPEN, Some("o1"))
        ));
    }

    #[test]
    fn unowned_private_datasets_belong_to_their_creator() {
        let d = dataset("active", RESTRICTED, None);
        assert!(reads(Some(&facts(|c| c.user_id = "u1".into())), &d));
        assert!(!reads(Some(&facts(|_| {})), &d));
    }

    #[test]
    fn sysadmins_read_everything() {
        let labels = caller_labels(true, None);
        assert!(labels.is_none());
        assert!(may_read(
            None,
            &dataset_labels(&dataset("deleted", RESTRICTED, None))
        ));
    }

    #[test]
    fn unlabelled_things_are_public() {
        assert!(may_read(Some(&["public".to_owned()]), &[]));
    }
}
