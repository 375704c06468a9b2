//! Who is calling, and what CKAN's role model lets them do (ckan/authz.py).

use serde::{Deserialize, Serialize};

/// The caller of an action, resolved from the API token by the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Anonymous,
    User(ActorUser),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorUser {
    pub id: String,
    pub name: String,
    pub sysadmin: bool,
}

impl Actor {
    pub fn user(&self) -> Option<&ActorUser> {
        match self {
            Actor::User(u) => Some(u),
            Actor::Anonymous => None,
        }
    }

    pub fn is_sysadmin(&self) -> bool {
        matches!(self, Actor::User(u) if u.sysadmin)
    }

    pub fn user_id(&self) -> Option<&str> {
        self.user().map(|u| u.id.as_str())
    }

    /// The name CKAN puts in messages ("User  not authorized" for anonymous callers).
    pub fn display(&self) -> &str {
        self.user().map(|u| u.name.as_str()).unwrap_or("")
    }
}

/// A member's role in an organization or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Capacity {
    Member,
    Editor,
    Admin,
}

/// Permissions of CKAN's `ROLE_PERMISSIONS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Read,
    CreateDataset,
    UpdateDataset,
    DeleteDataset,
    ManageGroup,
    /// Update/delete the group itself.
    Admin,
    /// Add and remove members.
    Membership,
}

impl Capacity {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Capacity::Admin),
            "editor" => Some(Capacity::Editor),
            "member" => Some(Capacity::Member),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Capacity::Admin => "admin",
            Capacity::Editor => "editor",
            Capacity::Member => "member",
        }
    }

    /// The capitalised label `member_list` returns.
    pub fn label(self) -> &'static str {
        match self {
            Capacity::Admin => "Admin",
            Capacity::Editor => "Editor",
            Capacity::Member => "Member",
        }
    }

    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Capacity::Admin => true,
            Capacity::Editor => matches!(
                p,
                Read | CreateDataset | UpdateDataset | DeleteDataset | ManageGroup
            ),
            Capacity::Member => matches!(p, Read | ManageGroup),
        }
    }
}

/// Does a member with `capacity` (None: not a member) hold `perm`? Sysadmins always do.
pub fn has_permission(actor: &Actor, capacity: Option<Capacity>, perm: Permission) -> bool {
    actor.is_sysadmin() || capacity.is_some_and(|c| c.allows(perm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_permissions_match_ckan() {
        assert!(Capacity::Admin.allows(Permission::Membership));
        assert!(!Capacity::Editor.allows(Permission::Membership));
        assert!(Capacity::Editor.allows(Permission::CreateDataset));
        assert!(!Capacity::Member.allows(Permission::UpdateDataset));
        assert!(Capacity::Member.allows(Permission::Read));
        let anon = Actor::Anonymous;
        assert!(!has_permission(&anon, None, Permission::Read));
        let sa = Actor::User(ActorUser {
            id: "1".into(),
            name: "a".into(),
            sysadmin: true,
        });
        assert!(has_permission(&sa, None, Permission::Admin));
    }
}
