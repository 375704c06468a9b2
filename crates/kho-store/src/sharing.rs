//! The rows of the sharing log and of suspensions (regulations, requirements 11 and 12).

use chrono::NaiveDateTime;

/// One read or download of non-open data by an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingEntry {
    /// Assigned by the store (ignored on append).
    pub id: i64,
    pub at: NaiveDateTime,
    pub user_id: String,
    pub user_name: String,
    /// Names of the account's organizations at the time.
    pub user_organizations: Vec<String>,
    /// The dataset's owner organization (id).
    pub organization_id: Option<String>,
    pub dataset_id: String,
    pub resource_id: Option<String>,
    /// `package_show`, `resource_show`, `download`, …
    pub action: String,
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
    /// `allowed` or `denied`.
    pub outcome: String,
}

/// Which entries [`crate::Tx::sharing_log_query`] returns: those matching every condition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharingLogQuery {
    pub dataset_id: Option<String>,
    /// Entries of datasets owned by one of these organizations (`None`: any).
    pub organization_ids: Option<Vec<String>>,
    pub user_id: Option<String>,
    /// `at >= since`.
    pub since: Option<NaiveDateTime>,
    /// `at < until`.
    pub until: Option<NaiveDateTime>,
    /// At most this many (all if `None`).
    pub limit: Option<i64>,
    pub offset: i64,
    /// Oldest first (an export) instead of newest first.
    pub oldest_first: bool,
}

/// A suspended account (`kind` `user`) or access grant (`grant`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspension {
    pub kind: String,
    pub target_id: String,
    pub reason: String,
    /// The user who suspended it.
    pub actor_id: String,
    pub at: NaiveDateTime,
}
