//! Page links under a list, as data: the template `includes/pager.html`
//! renders them, so no HTML is built here and nothing is printed unescaped.

/// Where a list stands and the links to its neighbours, keeping the filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    /// The previous page's address, when there is one.
    pub prev: Option<String>,
    /// The next page's address, when there is one.
    pub next: Option<String>,
    /// The list stopped counting: there are more pages than `pages`.
    pub more: bool,
}

impl Pager {
    /// No pages to show (a list that could not be read).
    pub fn none() -> Self {
        Self::default()
    }
}

/// The address of page `page` of `path`, keeping the non-empty `params`.
pub fn link(path: &str, params: &[(&str, String)], page: i64) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        ser.append_pair(k, v);
    }
    ser.append_pair("page", &page.to_string());
    format!("{path}?{}", ser.finish())
}

/// Page links for `path` that keep the non-empty `params`.
pub fn pager(path: &str, params: &[(&str, String)], page: i64, pages: i64) -> Pager {
    Pager {
        page,
        pages,
        prev: (page > 1).then(|| link(path, params, page - 1)),
        next: (page < pages).then(|| link(path, params, page + 1)),
        more: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_filters_and_skip_empty_ones() {
        let p = pager(
            "/users",
            &[("q", "张".into()), ("role", String::new())],
            2,
            3,
        );
        assert_eq!(p.prev.as_deref(), Some("/users?q=%E5%BC%A0&page=1"));
        assert_eq!(p.next.as_deref(), Some("/users?q=%E5%BC%A0&page=3"));
    }

    #[test]
    fn the_first_and_last_pages_have_one_neighbour() {
        assert_eq!(pager("/a", &[], 1, 2).prev, None);
        assert_eq!(pager("/a", &[], 2, 2).next, None);
        assert_eq!(
            pager("/a", &[], 1, 1),
            Pager {
                page: 1,
                pages: 1,
                prev: None,
                next: None,
                more: false,
            }
        );
    }
}
