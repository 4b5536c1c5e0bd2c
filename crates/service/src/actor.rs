use crate::ServiceError;
use bangfu_domain::Permission;
use bangfu_storage::users::User;
use bangfu_storage::Scope;

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
}

/// The signed-in user on whose behalf a use case runs.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub(crate) session_hash: String,
    pub csrf_token: String,
    pub origin: Origin,
}

impl Actor {
    /// The part of the union tree this user may see and act on: their own
    /// union and everything under it. This is the only place a [`Scope`] is
    /// made for a request.
    pub(crate) fn scope(&self) -> Scope {
        Scope::of(self.user.union_path.clone())
    }

    pub fn can(&self, p: Permission) -> bool {
        self.user.active && self.user.roles.allows(p)
    }

    /// Every use case starts here: a user who must still replace an initial
    /// password may do nothing else, and otherwise needs the permission.
    pub(crate) fn require(&self, p: Permission) -> Result<(), ServiceError> {
        if self.user.must_change_password {
            return Err(ServiceError::PasswordChangeRequired);
        }
        if self.can(p) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}
