//! The roles and what each may do, for reference.

use super::*;
use crate::pages::prelude::*;
use bangfu_domain::Role;

pub struct RoleView {
    pub label: &'static str,
    pub code: &'static str,
    pub description: &'static str,
    pub permissions: String,
}

#[derive(Template)]
#[template(path = "roles.html")]
pub(crate) struct RolesPage {
    chrome: Chrome,
    roles: Vec<RoleView>,
}

pub(crate) async fn roles_page(PageActor(actor): PageActor) -> Response {
    let roles = Role::ALL
        .iter()
        .map(|r| RoleView {
            label: r.label(),
            code: r.code(),
            description: r.description(),
            permissions: r
                .permissions()
                .iter()
                .map(|p| p.label())
                .collect::<Vec<_>>()
                .join("；"),
        })
        .collect();
    render(&RolesPage {
        chrome: Chrome::new(&actor, "角色与权限", "roles"),
        roles,
    })
}
