use crate::ServiceError;
use bangfu_domain::Permission;
use bangfu_storage::users::User;
use bangfu_storage::Scope;

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    /// The client's User-Agent, as sessions record it.
    pub device: Option<String>,
}

impl Origin {
    /// The address as the throttles count it: an IPv4 address as it is (an
    /// IPv4-mapped IPv6 one as IPv4), an IPv6 one by its /64 network (one
    /// subscriber usually holds a whole /64, so counting single addresses
    /// would let it try 2^64 times), anything else cut to 64 characters.
    pub(crate) fn throttle_key(&self) -> String {
        use std::net::IpAddr;
        let Some(raw) = self.ip.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
            return "unknown".to_owned();
        };
        match raw.parse::<IpAddr>() {
            Ok(IpAddr::V4(v4)) => v4.to_string(),
            Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
            Err(_) => raw.chars().take(64).collect(),
        }
    }
}

/// The signed-in user on whose behalf a use case runs.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub(crate) session_hash: String,
    pub csrf_token: String,
    pub origin: Origin,
    /// Two-factor is required of this user and not yet enrolled: they may
    /// do nothing but enrol (and sign out).
    pub two_factor_enrolment_due: bool,
}

impl Actor {
    /// The part of the union tree this user may see and act on: their own
    /// union and everything under it. This is the only place a [`Scope`] is
    /// made for a request.
    pub(crate) fn scope(&self) -> Scope {
        Scope::of(self.user.union_path.clone())
    }

    /// Whether the request's own session is the one `handle` names (the
    /// first characters of its token hash).
    pub fn session_hash_starts_with(&self, handle: &str) -> bool {
        let h = handle.trim();
        !h.is_empty() && self.session_hash.starts_with(h)
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
        if self.two_factor_enrolment_due {
            return Err(ServiceError::TwoFactorEnrolmentRequired);
        }
        if self.can(p) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Origin;

    #[test]
    fn throttles_count_ipv6_by_network() {
        let key = |ip: Option<&str>| {
            Origin {
                ip: ip.map(str::to_owned),
                device: None,
            }
            .throttle_key()
        };
        assert_eq!(key(Some("203.0.113.7")), "203.0.113.7");
        assert_eq!(key(Some("::ffff:203.0.113.7")), "203.0.113.7");
        assert_eq!(
            key(Some("2001:db8:1:2:aaaa::1")),
            key(Some("2001:db8:1:2:bbbb::9"))
        );
        assert_eq!(key(Some("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_ne!(key(Some("2001:db8:1:3::1")), "2001:db8:1:2::/64");
        assert_eq!(key(None), "unknown");
    }
}
