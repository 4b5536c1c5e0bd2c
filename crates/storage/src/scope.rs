use bangfu_domain::UnionPath;
use diesel::dsl;
use diesel::expression::Expression;
use diesel::prelude::*;
use diesel::sql_types::Text;

/// The part of the union tree a caller may see: one union and everything
/// under it. Storage functions that read union-owned rows require one, so a
/// query cannot forget the filter; the service layer builds it from the
/// signed-in user and nowhere else.
#[derive(Debug, Clone)]
pub struct Scope {
    path: UnionPath,
    range: PathRange,
}

/// A half-open range of union paths, `start <= path < end`: one subtree of
/// the union tree. Paths sort so that a subtree is one contiguous range,
/// which every scoped table indexes; a scope and a list's "by union" filter
/// are both one of these.
#[derive(Debug, Clone)]
pub(crate) struct PathRange {
    start: String,
    end: String,
}

/// The predicate `start <= col AND col < end` of [`PathRange::covers`].
pub(crate) type Covers<'a, C> = dsl::And<dsl::GtEq<C, &'a str>, dsl::Lt<C, &'a str>>;

impl PathRange {
    fn of(path: &UnionPath) -> Self {
        Self {
            start: path.as_str().to_owned(),
            end: path.subtree_end(),
        }
    }

    /// Inclusive start of the path range.
    pub(crate) fn start(&self) -> &str {
        &self.start
    }

    /// Exclusive end of the path range.
    pub(crate) fn end(&self) -> &str {
        &self.end
    }

    /// Whether a stored path lies in the range (for rows already read).
    pub(crate) fn contains(&self, path: &str) -> bool {
        path >= self.start() && path < self.end()
    }

    /// The filter keeping the rows whose union path column `col` lies in the
    /// range: the one way every scoped query narrows to a subtree.
    pub(crate) fn covers<C>(&self, col: C) -> Covers<'_, C>
    where
        C: Expression<SqlType = Text> + Copy,
    {
        col.ge(self.start()).and(col.lt(self.end()))
    }
}

impl Scope {
    pub fn of(path: UnionPath) -> Self {
        Self {
            range: PathRange::of(&path),
            path,
        }
    }

    /// Every union of the tree. Only matching a department's list reads
    /// through this (a person is matched wherever they are filed); what the
    /// match finds then belongs to each file's own union and is seen there.
    pub fn whole_tree() -> Self {
        Self::of(UnionPath::from_stored("/".to_owned()))
    }

    pub fn path(&self) -> &UnionPath {
        &self.path
    }

    /// Whether a union's path lies in the scope (for rows already read that
    /// carry two unions, such as a transfer's sending and receiving ones).
    pub fn contains(&self, path: &UnionPath) -> bool {
        self.range.contains(path.as_str())
    }

    /// The paths of the scope's union and of each of its ancestors: a row
    /// owned at one of them (a campaign, an assessment scheme) covers the
    /// scope in part or whole, and is read from it.
    pub(crate) fn ancestor_paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut acc = String::from("/");
        for id in self.path.ids() {
            acc.push_str(&id.0.to_string());
            acc.push('/');
            out.push(acc.clone());
        }
        out
    }

    /// The scope's own path range.
    pub(crate) fn range(&self) -> &PathRange {
        &self.range
    }

    /// Inclusive start of the path range.
    pub(crate) fn start(&self) -> &str {
        self.range.start()
    }

    /// Exclusive end of the path range.
    pub(crate) fn end(&self) -> &str {
        self.range.end()
    }

    /// The filter keeping the rows of the scope: see [`PathRange::covers`].
    pub(crate) fn covers<C>(&self, col: C) -> Covers<'_, C>
    where
        C: Expression<SqlType = Text> + Copy,
    {
        self.range.covers(col)
    }

    /// The path range of the scope narrowed to one union's subtree, if
    /// given: a narrower union outside the scope narrows it to nothing, never
    /// widens it. Every list filtered "by union" reads through this.
    pub(crate) fn range_within(&self, union: Option<&UnionPath>) -> PathRange {
        let Some(p) = union else {
            return self.range.clone();
        };
        let narrow = PathRange::of(p);
        PathRange {
            start: narrow.start.max(self.range.start.clone()),
            end: narrow.end.min(self.range.end.clone()),
        }
    }

    /// The root's scope also sees rows with no union at all (e.g. failed
    /// logins for names that do not exist).
    pub(crate) fn is_root(&self) -> bool {
        self.path.depth() == 1
    }
}
