//! The union tree: 全国 → 省 → 市 → 县 → 基层, industry unions off any level.

use crate::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnionId(pub i64);

impl fmt::Display for UnionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnionLevel {
    National,
    Province,
    City,
    County,
    Grassroots,
    /// 产业工会: hangs off any level above grassroots.
    Industry,
}

impl UnionLevel {
    pub const ALL: [UnionLevel; 6] = [
        UnionLevel::National,
        UnionLevel::Province,
        UnionLevel::City,
        UnionLevel::County,
        UnionLevel::Grassroots,
        UnionLevel::Industry,
    ];

    pub fn code(self) -> &'static str {
        match self {
            UnionLevel::National => "national",
            UnionLevel::Province => "province",
            UnionLevel::City => "city",
            UnionLevel::County => "county",
            UnionLevel::Grassroots => "grassroots",
            UnionLevel::Industry => "industry",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UnionLevel::National => "全国总工会",
            UnionLevel::Province => "省级工会",
            UnionLevel::City => "市级工会",
            UnionLevel::County => "县级工会",
            UnionLevel::Grassroots => "基层工会",
            UnionLevel::Industry => "产业工会",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        UnionLevel::ALL
            .into_iter()
            .find(|l| l.code() == raw.trim())
            .ok_or_else(|| ValidationError::new("level", "未知的工会层级"))
    }

    /// Whether a union of this level may sit directly under `parent`.
    ///
    /// The administrative levels go strictly down one step at a time
    /// (a county union is not filed directly under a province: the city in
    /// between is where its funds and targets come from). Industry unions
    /// hang off any non-grassroots union, and grassroots unions may belong to
    /// an industry union.
    pub fn may_be_child_of(self, parent: UnionLevel) -> bool {
        use UnionLevel::*;
        matches!(
            (parent, self),
            (National, Province)
                | (Province, City)
                | (City, County)
                | (County, Grassroots)
                | (National | Province | City | County | Industry, Industry)
                | (Industry, Grassroots)
        )
    }

    /// The levels that may be created under `self`, for the "add child" form.
    pub fn child_levels(self) -> Vec<UnionLevel> {
        UnionLevel::ALL
            .into_iter()
            .filter(|c| c.may_be_child_of(self))
            .collect()
    }
}

/// A union's name, e.g. "广州市总工会": 2–100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct UnionName(String);

impl UnionName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let n = s.chars().count();
        if !(2..=100).contains(&n) || s.chars().any(char::is_control) {
            return Err(ValidationError::new("name", "工会名称须为 2–100 个字符"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The materialised path of a union in the tree: the ids from the root down
/// to the union itself, as `/1/5/23/`.
///
/// Scope filtering is a range scan on this column (`path >= p AND path < p'`)
/// so "everything under my union" is one index range, never a recursive walk.
/// The column is compared byte-wise (`COLLATE "C"` on PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct UnionPath(String);

impl UnionPath {
    pub fn root(id: UnionId) -> Self {
        Self(format!("/{}/", id.0))
    }

    pub fn child(&self, id: UnionId) -> Self {
        Self(format!("{}{}/", self.0, id.0))
    }

    /// Trusts a path read back from storage.
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The exclusive upper bound of the subtree's key range: the path with its
    /// final `/` replaced by the next byte, `0`.
    pub fn subtree_end(&self) -> String {
        let mut s = self.0.clone();
        s.pop();
        s.push('0');
        s
    }

    /// Whether `other` is this union or one of its descendants.
    pub fn contains(&self, other: &UnionPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// Number of unions from the root to this one (the root has depth 1).
    pub fn depth(&self) -> usize {
        self.0.matches('/').count().saturating_sub(1)
    }

    pub fn ids(&self) -> Vec<UnionId> {
        self.0
            .split('/')
            .filter_map(|p| p.parse().ok())
            .map(UnionId)
            .collect()
    }
}

/// Checks that a union's region lies inside its parent's: a county union
/// under 广州市总工会 must sit in a district of 广州. Administrative unions
/// (province, city, county) sit in a strictly smaller division than their
/// parent; grassroots and industry unions may share their parent's.
pub fn check_division(
    level: UnionLevel,
    parent_division: &str,
    division: &str,
) -> Result<(), ValidationError> {
    let strict = matches!(
        level,
        UnionLevel::Province | UnionLevel::City | UnionLevel::County
    );
    let same = parent_division == division;
    let inside = crate::division::is_within(division, parent_division);
    if (strict && same) || !inside {
        let parent_name = crate::division::DivisionCode::parse(parent_division)
            .map(|d| d.name())
            .unwrap_or_else(|_| parent_division.to_owned());
        return Err(ValidationError::new(
            "division_code",
            if strict {
                format!("行政区划须是上级工会所在地区（{parent_name}）的下级区划")
            } else {
                format!("行政区划须在上级工会所在地区（{parent_name}）之内")
            },
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn level_rules() {
        use UnionLevel::*;
        let table = [
            (Province, National, true),
            (City, Province, true),
            (County, City, true),
            (Grassroots, County, true),
            (County, Province, false),
            (Grassroots, Grassroots, false),
            (National, National, false),
            (Industry, City, true),
            (Industry, Grassroots, false),
            (Grassroots, Industry, true),
            (Province, Industry, false),
        ];
        for (child, parent, ok) in table {
            assert_eq!(
                child.may_be_child_of(parent),
                ok,
                "{child:?} under {parent:?}"
            );
        }
    }

    #[test]
    fn paths() {
        let root = UnionPath::root(UnionId(1));
        let a = root.child(UnionId(5));
        let b = a.child(UnionId(23));
        assert_eq!(b.as_str(), "/1/5/23/");
        assert!(a.contains(&b) && a.contains(&a) && !b.contains(&a));
        assert_eq!(b.depth(), 3);
        assert_eq!(b.ids(), vec![UnionId(1), UnionId(5), UnionId(23)]);
        assert_eq!(a.subtree_end(), "/1/50");
    }

    proptest! {
        /// The range [path, subtree_end) holds exactly the descendants: a
        /// sibling whose id merely starts with the same digits (5 vs 50) is out.
        #[test]
        fn range_matches_prefix(a in 1i64..1000, b in 1i64..1000, c in 1i64..1000) {
            let scope = UnionPath::root(UnionId(1)).child(UnionId(a));
            let other = UnionPath::root(UnionId(1)).child(UnionId(b)).child(UnionId(c));
            let in_range = other.as_str() >= scope.as_str()
                && other.as_str() < scope.subtree_end().as_str();
            prop_assert_eq!(in_range, scope.contains(&other));
        }
    }
}
