use bangfu_domain::UnionPath;

/// The part of the union tree a caller may see: one union and everything
/// under it. Storage functions that read union-owned rows require one, so a
/// query cannot forget the filter; the service layer builds it from the
/// signed-in user and nowhere else.
#[derive(Debug, Clone)]
pub struct Scope {
    path: UnionPath,
    start: String,
    end: String,
}

impl Scope {
    pub fn of(path: UnionPath) -> Self {
        Self {
            start: path.as_str().to_owned(),
            end: path.subtree_end(),
            path,
        }
    }

    pub fn path(&self) -> &UnionPath {
        &self.path
    }

    /// Inclusive start of the path range.
    pub(crate) fn start(&self) -> &str {
        &self.start
    }

    /// Exclusive end of the path range.
    pub(crate) fn end(&self) -> &str {
        &self.end
    }

    /// The path range of the scope narrowed to one union's subtree, if
    /// given: a narrower union outside the scope narrows it to nothing, never
    /// widens it. Every list filtered "by union" reads through this.
    pub(crate) fn range_within(&self, union: Option<&UnionPath>) -> (String, String) {
        let (start, end) = match union {
            Some(p) => (p.as_str().to_owned(), p.subtree_end()),
            None => (self.start.clone(), self.end.clone()),
        };
        (start.max(self.start.clone()), end.min(self.end.clone()))
    }

    /// The root's scope also sees rows with no union at all (e.g. failed
    /// logins for names that do not exist).
    pub(crate) fn is_root(&self) -> bool {
        self.path.depth() == 1
    }
}
