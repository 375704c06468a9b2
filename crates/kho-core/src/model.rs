//! Stored entities. Timestamps are naive datetimes (UTC for activity and tokens,
//! server-local for `created` of users and groups, as CKAN does).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Lifecycle state shared by users, groups and members.
pub const STATE_ACTIVE: &str = "active";
pub const STATE_DELETED: &str = "deleted";
pub const STATE_PENDING: &str = "pending";
/// A dataset being written (CKAN's web form's first stage; API clients may set it).
pub const STATE_DRAFT: &str = "draft";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub fullname: Option<String>,
    pub email: Option<String>,
    /// PHC string (argon2id). Never rendered unless a sysadmin asks for it.
    pub password_hash: Option<String>,
    pub about: Option<String>,
    pub image_url: Option<String>,
    pub sysadmin: bool,
    pub state: String,
    pub created: NaiveDateTime,
    pub last_active: Option<NaiveDateTime>,
    pub activity_streams_email_notifications: bool,
    /// JSON object text, sysadmin-only (`plugin_extras`).
    pub plugin_extras: Option<String>,
}

impl User {
    pub fn display_name(&self) -> String {
        match self.fullname.as_deref().map(str::trim) {
            Some(f) if !f.is_empty() => f.to_string(),
            _ => self.name.clone(),
        }
    }

    /// md5 of the stripped, lower-cased e-mail (CKAN's `email_hash`).
    pub fn email_hash(&self) -> String {
        use md5::{Digest, Md5};
        let e = self.email.as_deref().unwrap_or("").trim().to_lowercase();
        hex::encode(Md5::digest(e.as_bytes()))
    }
}

/// An organization (`is_organization`) or a group: one table, as in CKAN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub image_url: Option<String>,
    /// `organization`, `group`, or a custom group type.
    pub group_type: String,
    pub is_organization: bool,
    pub approval_status: String,
    pub state: String,
    pub created: NaiveDateTime,
    pub extras: Vec<GroupExtra>,
}

impl Group {
    pub fn display_name(&self) -> String {
        match self.title.as_deref() {
            Some(t) if !t.is_empty() => t.to_string(),
            _ => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupExtra {
    pub id: String,
    pub group_id: String,
    pub key: String,
    pub value: String,
    pub state: String,
}

/// A membership row: a user, package or group inside a group or organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub group_id: String,
    pub table_id: String,
    /// `user`, `package` or `group`.
    pub table_name: String,
    pub capacity: String,
    pub state: String,
}

/// An API token. Only a hash of the secret is stored; the secret is shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub last_access: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    /// `active`, `revoked` or `suspended`.
    pub state: String,
    pub state_reason: Option<String>,
}

/// One activity stream entry (CKAN's activity plugin).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: String,
    pub timestamp: NaiveDateTime,
    pub user_id: String,
    pub object_id: String,
    pub activity_type: String,
    /// JSON text of the activity's `data`.
    pub data: String,
    /// Permission labels of the object at the time (`public`, `member-<org>`...).
    pub permission_labels: Vec<String>,
}

/// One row of the change log that search indexes and harvesters follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub seq: i64,
    /// `package`, `group`, `organization`, `user`.
    pub entity_type: String,
    pub entity_id: String,
    /// `create`, `update`, `delete`, `purge`.
    pub op: String,
    pub at: NaiveDateTime,
}

/// A dataset that was open (public) and no longer is: deleted, purged, or made non-open.
/// Harvesters learn of it through `package_search?include_deleted=true`, which shows it
/// to anyone as `{id, name, state: "deleted", metadata_modified: left_at}` and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tombstone {
    pub package_id: String,
    /// The dataset's name when it stopped being open.
    pub name: String,
    /// When it stopped being open.
    pub left_at: NaiveDateTime,
}

/// A former name of a dataset (`kind` [`ALIAS_PACKAGE`]) or of an organization or group
/// ([`ALIAS_GROUP`]): the object that now answers for it, and when and by whom the name was
/// left (a rename, or a merge into `target_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameAlias {
    pub kind: String,
    pub name: String,
    pub target_id: String,
    pub created: NaiveDateTime,
    /// The user id; empty when the system did it.
    pub created_by: String,
}

/// [`NameAlias::kind`] of a dataset name.
pub const ALIAS_PACKAGE: &str = "package";
/// [`NameAlias::kind`] of an organization or group name (one name space, as in CKAN).
pub const ALIAS_GROUP: &str = "group";

/// What kho stores about an uploaded file of a resource: where its bytes are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceFile {
    pub resource_id: String,
    /// The key in the file store (made by kho-files, never from a client's file name).
    pub file_key: String,
    /// The file's name as uploaded (without any directory part or control characters),
    /// for `Content-Disposition`.
    pub file_name: String,
    pub size: i64,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    pub created: NaiveDateTime,
    /// What the personal-data screen found, as JSON text (an array of findings, `[]` for
    /// none); `None`: never screened.
    pub screening: Option<String>,
}

/// An organization admin's decision that a dataset may be open although files screened
/// up to `created` hold personal data (append-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalDataOverride {
    pub id: String,
    pub package_id: String,
    pub user_id: String,
    pub reason: String,
    pub created: NaiveDateTime,
}

/// A dataset (CKAN's package). Profile fields (sharing level aside) live in `profile`, a
/// JSON object whose keys appear as top-level keys of the CKAN dict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub license_id: Option<String>,
    pub notes: Option<String>,
    pub url: Option<String>,
    pub version: Option<String>,
    /// `active`, `draft` or `deleted`.
    pub state: String,
    /// CKAN's `type` (`dataset`, `service`, ...).
    pub dataset_type: String,
    /// The owning organization's id.
    pub owner_org: Option<String>,
    /// `open`, `shared` or `restricted`; CKAN's `private` is `sharing_level != "open"`.
    pub sharing_level: String,
    pub creator_user_id: Option<String>,
    pub metadata_created: NaiveDateTime,
    pub metadata_modified: NaiveDateTime,
    /// Profile fields as a JSON object (text), e.g. `{"update_frequency": "monthly"}`.
    pub profile: String,
    /// Sysadmin-only `plugin_data` (JSON object text).
    pub plugin_data: Option<String>,
    /// Extras, in the order they were given (CKAN 2.12 renders them so).
    pub extras: Vec<DatasetExtra>,
    /// Tags, sorted by name.
    pub tags: Vec<Tag>,
    /// Active resources, sorted by position.
    pub resources: Vec<Resource>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetExtra {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub vocabulary_id: Option<String>,
}

/// A resource of a dataset. Extra keys are kept as a JSON object (text) and merged flat
/// into the CKAN dict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    pub package_id: String,
    pub url: String,
    pub format: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub hash: String,
    pub size: Option<i64>,
    pub mimetype: Option<String>,
    pub mimetype_inner: Option<String>,
    pub cache_url: Option<String>,
    pub cache_last_updated: Option<NaiveDateTime>,
    pub last_modified: Option<NaiveDateTime>,
    pub created: NaiveDateTime,
    pub metadata_modified: NaiveDateTime,
    pub resource_type: Option<String>,
    pub url_type: Option<String>,
    pub position: i64,
    /// `active` or `deleted`.
    pub state: String,
    /// Extra keys (JSON object text).
    pub extras: String,
}

/// A collaborator on a dataset (CKAN's `package_member`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collaborator {
    pub package_id: String,
    pub user_id: String,
    /// `member`, `editor` or `admin`.
    pub capacity: String,
    pub modified: NaiveDateTime,
}

/// Who an access grant is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grantee {
    User,
    Organization,
}

impl Grantee {
    pub fn as_str(self) -> &'static str {
        match self {
            Grantee::User => "user",
            Grantee::Organization => "organization",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Grantee::User),
            "organization" => Some(Grantee::Organization),
            _ => None,
        }
    }
}

/// Read access to a non-open dataset, granted to a user or to every member of an
/// organization ("sharing on special request").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessGrant {
    pub id: String,
    pub package_id: String,
    pub grantee_type: Grantee,
    pub grantee_id: String,
    pub reason: String,
    /// After this moment (UTC) the grant no longer works.
    pub expires: Option<NaiveDateTime>,
    pub created: NaiveDateTime,
    /// The user id of whoever granted it.
    pub created_by: String,
}

impl AccessGrant {
    /// Does the grant still work at `now`?
    pub fn is_live(&self, now: NaiveDateTime) -> bool {
        self.expires.is_none_or(|e| e > now)
    }
}

/// A catalogue that kho harvests datasets from (ckanext-harvest's `harvest_source`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HarvestSource {
    pub id: String,
    /// Unique; the handle of the command line and the configuration.
    pub name: String,
    pub title: String,
    /// The remote catalogue: a CKAN site's base URL, or a DCAT document's URL.
    pub url: String,
    /// `ckan` or `dcat`.
    pub source_type: String,
    /// The local organization every harvested dataset goes to (`None`: the remote's).
    pub owner_org: Option<String>,
    /// Source settings as a JSON object (text).
    pub config: String,
    pub created: NaiveDateTime,
}

/// One harvest run of a source (ckanext-harvest's `harvest_job`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HarvestJob {
    pub id: String,
    pub source_id: String,
    /// `Running`, `Finished` or `Aborted` (ckanext-harvest's words).
    pub status: String,
    pub created: NaiveDateTime,
    pub gather_started: Option<NaiveDateTime>,
    pub gather_finished: Option<NaiveDateTime>,
    pub finished: Option<NaiveDateTime>,
    pub created_count: i64,
    pub updated_count: i64,
    pub deleted_count: i64,
    pub unchanged_count: i64,
    pub error_count: i64,
    /// The error messages, a JSON list of strings (text).
    pub errors: String,
}

/// A local dataset that a harvest source wrote, as the next run of that source needs to
/// know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HarvestedDataset {
    pub id: String,
    pub name: String,
    pub state: String,
    pub metadata_modified: NaiveDateTime,
    /// The extra `guid`: the dataset's identity at the source.
    pub guid: Option<String>,
    /// The extra `harvest_hash`: a digest of what was harvested last.
    pub hash: Option<String>,
}

/// A request for data not yet published (ckanext-datarequests' `datarequests` row, with
/// kho's `email` and `close_reason`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRequest {
    pub id: String,
    /// The requester; empty for an anonymous request (then `email` is set).
    pub user_id: String,
    /// How to reach an anonymous requester; never shown to other callers.
    pub email: Option<String>,
    pub title: String,
    pub description: String,
    pub organization_id: Option<String>,
    pub open_time: NaiveDateTime,
    pub accepted_dataset_id: Option<String>,
    pub close_time: Option<NaiveDateTime>,
    pub closed: bool,
    /// Why a request was refused (closed without a dataset).
    pub close_reason: Option<String>,
}

/// A comment on a data request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRequestComment {
    pub id: String,
    pub datarequest_id: String,
    pub user_id: String,
    pub comment: String,
    pub time: NaiveDateTime,
}

/// An error report on a dataset (ckanext-issues' `issue`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub id: String,
    pub dataset_id: String,
    /// 1, 2, … within the dataset; the store assigns it on insert.
    pub number: i64,
    pub title: String,
    pub description: String,
    /// The logged-in reporter; `None` for an anonymous one.
    pub user_id: Option<String>,
    /// An anonymous reporter's address, lower-cased.
    pub reporter_email: Option<String>,
    /// The client address of an anonymous report (for the rate limit).
    pub client_address: Option<String>,
    /// SHA-256 (hex) of an anonymous reporter's follow token.
    pub follow_token_hash: Option<String>,
    /// `open` or `closed`.
    pub status: String,
    /// When it was closed.
    pub resolved: Option<NaiveDateTime>,
    pub created: NaiveDateTime,
    pub modified: NaiveDateTime,
    /// Number of comments (read from the store; ignored on write).
    pub comment_count: i64,
}

/// One message in an issue's thread (ckanext-issues' `issue_comment`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueComment {
    pub id: String,
    pub issue_id: String,
    pub comment: String,
    /// The logged-in author; `None`: the anonymous reporter (with the follow token).
    pub user_id: Option<String>,
    pub created: NaiveDateTime,
}

/// The link checker's last result for a resource URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCheck {
    pub resource_id: String,
    pub dataset_id: String,
    /// The URL checked (a result for another URL than the resource's is not shown).
    pub url: String,
    pub checked_at: NaiveDateTime,
    /// The final HTTP status after redirects; `None` when no answer came.
    pub status_code: Option<i64>,
    /// Reachable: a 2xx answer.
    pub ok: bool,
    pub error: Option<String>,
    pub content_type: Option<String>,
}

/// A resource URL due for a link check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkTarget {
    pub dataset_id: String,
    pub resource_id: String,
    pub url: String,
}
