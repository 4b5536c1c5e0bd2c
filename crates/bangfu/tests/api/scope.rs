//! Scoping: every role at 荔湾区总工会 (county_a) against every endpoint, with
//! ids from the sibling 越秀区总工会 (county_b). Out-of-scope ids answer 404
//! (never 403); a missing permission answers 403 "forbidden"; lists hold only
//! rows of the caller's subtree.

use crate::common;

use common::{assert_error, Api, TestApp, Tree, PASSWORD};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const ROLES: [&str; 5] = ["admin", "officer", "reviewer", "fund_officer", "auditor"];

/// What a row expects from a role.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// Exactly this status (a success).
    Status(u16),
    NotFound,
    /// 400 invalid_input naming the field.
    Field(&'static str),
    Forbidden,
    /// A role without the permission, asking about an id outside its scope:
    /// 403 "forbidden" or 404 "not_found" are both refusals that reveal nothing.
    Denied,
}
use Want::*;

/// Compares one answer with what its row wants; a mismatch is described.
fn verdict(what: &str, got: &(u16, Value), want: Want) -> Result<(), String> {
    let (status, body) = got;
    let code = body["error"]["code"].as_str().unwrap_or_default();
    let ok = match want {
        Status(s) => *status == s,
        NotFound => *status == 404 && code == "not_found",
        Field(f) => *status == 400 && code == "invalid_input" && body["error"]["field"] == f,
        Forbidden => *status == 403 && code == "forbidden",
        Denied => {
            (*status == 403 && code == "forbidden") || (*status == 404 && code == "not_found")
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{what}: want {want:?}, got {status} {body}"))
    }
}

/// Collects every mismatch of a table so one run reports them all.
#[derive(Default)]
struct Mismatches(Vec<String>);

impl Mismatches {
    fn check(&mut self, what: &str, got: &(u16, Value), want: Want) {
        if let Err(e) = verdict(what, got, want) {
            self.0.push(e);
        }
    }

    #[track_caller]
    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} mismatches:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

struct World {
    app: TestApp,
    t: Tree,
    /// One user per role at county_a, named `a_<role>`, in ROLES order.
    a_users: Vec<i64>,
    b_user: i64,
    root_auditor: Api,
    /// The audit entry recording b_user's creation (union county_b).
    b_entry: i64,
    /// The audit entry recording a_officer's creation (union county_a).
    a_entry: i64,
}

async fn world() -> World {
    let app = common::spawn().await;
    let t = app.tree().await;
    let mut a_users = Vec::new();
    for role in ROLES {
        a_users.push(app.user(&format!("a_{role}"), role, t.county_a).await);
    }
    let b_user = app.user("b_officer", "officer", t.county_b).await;
    app.user("rootaudit", "auditor", t.root).await;
    let root_auditor = app.api_as("rootaudit").await;
    let entry = |body: Value| body["items"][0]["id"].as_i64().expect("audit entry");
    let (_, body) = root_auditor
        .get(&format!(
            "/api/v1/audit?action=create_user&object_id={b_user}"
        ))
        .await;
    let b_entry = entry(body);
    let (_, body) = root_auditor
        .get(&format!(
            "/api/v1/audit?action=create_user&object_id={}",
            a_users[1]
        ))
        .await;
    let a_entry = entry(body);
    World {
        app,
        t,
        a_users,
        b_user,
        root_auditor,
        b_entry,
        a_entry,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_scope_ids_are_not_found_for_every_role() {
    let w = world().await;
    let (t, b, bu) = (&w.t, w.t.county_b, w.b_user);
    let nf = [NotFound; 5];
    // Per role, in ROLES order: admin, officer, reviewer, fund_officer, auditor.
    let admin_only_nf = [NotFound, Denied, Denied, Denied, Denied];
    let rows: Vec<(&str, &str, String, Value, [Want; 5])> = vec![
        (
            "read a union",
            "GET",
            format!("/api/v1/unions/{b}"),
            Value::Null,
            nf,
        ),
        (
            "read a user",
            "GET",
            format!("/api/v1/users/{bu}"),
            Value::Null,
            nf,
        ),
        (
            "read a union that does not exist",
            "GET",
            "/api/v1/unions/987654".into(),
            Value::Null,
            nf,
        ),
        (
            "read a user that does not exist",
            "GET",
            "/api/v1/users/987654".into(),
            Value::Null,
            nf,
        ),
        (
            "rename a union",
            "PATCH",
            format!("/api/v1/unions/{b}"),
            json!({ "name": "改名工会" }),
            admin_only_nf,
        ),
        (
            "deactivate a union",
            "PATCH",
            format!("/api/v1/unions/{b}"),
            json!({ "active": false }),
            admin_only_nf,
        ),
        (
            "edit a user",
            "PATCH",
            format!("/api/v1/users/{bu}"),
            json!({ "display_name": "改名" }),
            admin_only_nf,
        ),
        (
            "disable a user",
            "PATCH",
            format!("/api/v1/users/{bu}"),
            json!({ "active": false }),
            admin_only_nf,
        ),
        (
            "reset a password",
            "POST",
            format!("/api/v1/users/{bu}/reset-password"),
            json!({ "password": "Taken-Over-2026" }),
            admin_only_nf,
        ),
        (
            "create a union under it",
            "POST",
            "/api/v1/unions".into(),
            json!({ "parent_id": b, "name": "越秀某公司工会", "level": "grassroots", "division_code": "440104" }),
            [
                Field("parent_id"),
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
            ],
        ),
        (
            "create a user in it",
            "POST",
            "/api/v1/users".into(),
            json!({ "username": "intruder", "display_name": "入侵", "union_id": b, "roles": ["officer"],
                    "password": "Sneaky-Pass-2026" }),
            [
                Field("union_id"),
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
            ],
        ),
        (
            "move a user of mine into it",
            "PATCH",
            format!("/api/v1/users/{}", w.a_users[1]),
            json!({ "union_id": b }),
            [
                Field("union_id"),
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
            ],
        ),
        (
            "create a union under the city above",
            "POST",
            "/api/v1/unions".into(),
            json!({ "parent_id": t.city, "name": "天河区总工会", "level": "county", "division_code": "440106" }),
            [
                Field("parent_id"),
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
            ],
        ),
        (
            "read an audit entry",
            "GET",
            format!("/api/v1/audit/{}", w.b_entry),
            Value::Null,
            [Forbidden, Forbidden, Forbidden, Forbidden, NotFound],
        ),
    ];
    let mut bad = Mismatches::default();
    for (i, role) in ROLES.iter().enumerate() {
        let api = w.app.api_as(&format!("a_{role}")).await;
        for (label, method, path, body, want) in &rows {
            let got = if *method == "GET" {
                api.get(path).await
            } else {
                api.send(method, path, body.clone()).await
            };
            bad.check(&format!("{role}: {label} ({method} {path})"), &got, want[i]);
        }
        // Out of scope and nonexistent look alike.
        let (_, a) = api.get(&format!("/api/v1/unions/{b}")).await;
        let (_, z) = api.get("/api/v1/unions/987654").await;
        assert_eq!(
            a["error"]["message"], z["error"]["message"],
            "{role}: 404 bodies leak nothing"
        );
    }
    bad.assert_none();

    // Nothing in county_b changed.
    let root = &w.root_auditor;
    let (_, union) = root.get(&format!("/api/v1/unions/{b}")).await;
    assert_eq!(union["union"]["name"], "越秀区总工会");
    assert_eq!(union["union"]["active"], true);
    let (_, user) = root.get(&format!("/api/v1/users/{bu}")).await;
    assert_eq!(user["display_name"], "b_officer", "{user}");
    assert_eq!(user["active"], true);
    assert_eq!(user["union_id"], b);
    let (_, a_officer) = root.get(&format!("/api/v1/users/{}", w.a_users[1])).await;
    assert_eq!(a_officer["union_id"], t.county_a);
    let (status, _) = w.app.login("b_officer", PASSWORD).await;
    assert_eq!(status, 200, "b_officer's password was not reset");
    assert_eq!(root.total("/api/v1/users?q=intruder").await, 0);
    for action in [
        "create_union",
        "update_union",
        "create_user",
        "update_user",
        "reset_password",
    ] {
        let (_, body) = root
            .get(&format!("/api/v1/audit?action={action}&actor=a_"))
            .await;
        assert_eq!(
            body["total"], 0,
            "no {action} by the county_a users: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_scope_reads_work_for_every_role() {
    let w = world().await;
    let a = w.t.county_a;
    let ok = [Status(200); 5];
    let rows: Vec<(&str, String, [Want; 5])> = vec![
        ("own union", format!("/api/v1/unions/{a}"), ok),
        ("a colleague", format!("/api/v1/users/{}", w.a_users[2]), ok),
        ("union list", "/api/v1/unions".into(), ok),
        ("user list", "/api/v1/users".into(), ok),
        (
            "audit log",
            "/api/v1/audit".into(),
            [Forbidden, Forbidden, Forbidden, Forbidden, Status(200)],
        ),
        (
            "audit entry",
            format!("/api/v1/audit/{}", w.a_entry),
            [Forbidden, Forbidden, Forbidden, Forbidden, Status(200)],
        ),
    ];
    let mut bad = Mismatches::default();
    for (i, role) in ROLES.iter().enumerate() {
        let api = w.app.api_as(&format!("a_{role}")).await;
        for (label, path, want) in &rows {
            bad.check(
                &format!("{role}: {label} (GET {path})"),
                &api.get(path).await,
                want[i],
            );
        }
        // Everyone may read their own account.
        let me = api.get(&format!("/api/v1/users/{}", w.a_users[i])).await;
        bad.check(&format!("{role}: reads self"), &me, Status(200));
    }
    bad.assert_none();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_write_and_the_auditor_changes_nothing() {
    let w = world().await;
    let a = w.t.county_a;
    let target = w.app.user("a_target", "officer", a).await;
    let mut bad = Mismatches::default();
    for (i, role) in ROLES.iter().enumerate() {
        if *role == "admin" {
            continue;
        }
        let api = w.app.api_as(&format!("a_{role}")).await;
        let before = audit_writes(&w.root_auditor).await;
        let rows: Vec<(&str, &str, String, Value)> = vec![
            (
                "create a union",
                "POST",
                "/api/v1/unions".into(),
                json!({ "parent_id": a, "name": format!("{role}建的工会"), "level": "grassroots", "division_code": "440103" }),
            ),
            (
                "rename own union",
                "PATCH",
                format!("/api/v1/unions/{a}"),
                json!({ "name": "荔湾区工会X" }),
            ),
            (
                "deactivate own union",
                "PATCH",
                format!("/api/v1/unions/{a}"),
                json!({ "active": false }),
            ),
            (
                "create a user",
                "POST",
                "/api/v1/users".into(),
                json!({ "username": format!("made_by_{i}"), "display_name": "某人", "union_id": a,
                        "roles": ["officer"], "password": "Made-Pass-2026" }),
            ),
            (
                "edit a user",
                "PATCH",
                format!("/api/v1/users/{target}"),
                json!({ "display_name": "改过" }),
            ),
            (
                "give self admin",
                "PATCH",
                format!("/api/v1/users/{}", w.a_users[i]),
                json!({ "roles": ["admin"] }),
            ),
            (
                "disable a user",
                "PATCH",
                format!("/api/v1/users/{target}"),
                json!({ "active": false }),
            ),
            (
                "reset a password",
                "POST",
                format!("/api/v1/users/{target}/reset-password"),
                json!({}),
            ),
        ];
        for (label, method, path, body) in rows {
            let got = api.send(method, &path, body).await;
            bad.check(
                &format!("{role}: {label} ({method} {path})"),
                &got,
                Forbidden,
            );
        }
        assert_eq!(
            audit_writes(&w.root_auditor).await,
            before,
            "{role}: refused writes leave no audit rows"
        );
    }

    bad.assert_none();

    // The audit log itself cannot be changed, not even by an auditor.
    for who in ["a_auditor", "rootaudit"] {
        let api = w.app.api_as(who).await;
        for method in ["PUT", "PATCH", "DELETE"] {
            let (status, body) = api
                .send(
                    method,
                    &format!("/api/v1/audit/{}", w.a_entry),
                    json!({ "success": false }),
                )
                .await;
            assert!(
                status == 405 || status == 404,
                "{who}: {method} /api/v1/audit/id → {status} {body}"
            );
        }
        let (status, body) = api
            .send("POST", "/api/v1/audit", json!({ "action": "login" }))
            .await;
        assert!(
            status == 405 || status == 404,
            "{who}: POST /api/v1/audit → {status} {body}"
        );
    }

    // Nothing changed.
    let root = &w.root_auditor;
    let (_, union) = root.get(&format!("/api/v1/unions/{a}")).await;
    assert_eq!(union["union"]["name"], "荔湾区总工会");
    assert_eq!(union["union"]["active"], true);
    let (_, user) = root.get(&format!("/api/v1/users/{target}")).await;
    assert_eq!(user["display_name"], "a_target");
    assert_eq!(user["active"], true);
    assert_eq!(user["must_change_password"], false);
    let (_, auditor) = root.get(&format!("/api/v1/users/{}", w.a_users[4])).await;
    assert_eq!(auditor["roles"], json!(["auditor"]));
    let (status, entry) = root.get(&format!("/api/v1/audit/{}", w.a_entry)).await;
    assert_eq!(status, 200);
    assert_eq!(entry["success"], true);
    assert_eq!(entry["action"], "create_user");
}

fn ids_of(body: &Value) -> BTreeSet<i64> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// Adds a grassroots union under county_a (as a_admin); returns its id.
async fn grassroots_under_a(w: &World) -> i64 {
    let a_admin = w.app.api_as("a_admin").await;
    let (status, g) = a_admin
        .send(
            "POST",
            "/api/v1/unions",
            json!({ "parent_id": w.t.county_a, "name": "荔湾某公司工会", "level": "grassroots", "division_code": "440103" }),
        )
        .await;
    assert_eq!(status, 201, "{g}");
    g["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn union_lists_hold_only_the_callers_subtree() {
    let w = world().await;
    let t = &w.t;
    let g = grassroots_under_a(&w).await;
    let subtree: BTreeSet<i64> = [t.county_a, g].into();

    for role in ROLES {
        let api = w.app.api_as(&format!("a_{role}")).await;
        let (status, body) = api.get("/api/v1/unions?per_page=100").await;
        assert_eq!(status, 200, "{role}: {body}");
        assert_eq!(ids_of(&body), subtree, "{role}: union list");
        assert_eq!(body["total"], 2, "{role}: union total");

        // Filters naming something outside do not reach it.
        // county_a is the city's child, but the city's other children are not listed.
        let (_, body) = api
            .get(&format!("/api/v1/unions?parent_id={}", t.city))
            .await;
        assert_eq!(
            ids_of(&body),
            [t.county_a].into(),
            "{role}: children of the city"
        );
        for path in [
            format!("/api/v1/unions?parent_id={}", t.county_b),
            "/api/v1/unions?q=越秀".to_owned(),
            "/api/v1/unions?level=city".to_owned(),
        ] {
            assert_eq!(api.total(&path).await, 0, "{role}: GET {path}");
        }
        assert_eq!(
            api.total("/api/v1/unions?level=grassroots").await,
            1,
            "{role}: level filter"
        );

        // A union's page shows nothing above the caller's own union.
        let (status, detail) = api.get(&format!("/api/v1/unions/{}", t.county_a)).await;
        assert_eq!(status, 200);
        assert_eq!(detail["union"]["id"], t.county_a);
        assert_eq!(
            detail["ancestors"],
            json!([]),
            "{role}: ancestors stop at the scope's top"
        );
        let children = detail["children"].as_array().unwrap();
        assert_eq!(children.len(), 1);
        assert_eq!(children[0]["union"]["id"], g);
        assert_eq!(children[0]["child_count"], 0);
        assert_eq!(detail["user_count"], 5);
        let (status, detail) = api.get(&format!("/api/v1/unions/{g}")).await;
        assert_eq!(status, 200);
        let ancestors: Vec<i64> = detail["ancestors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        assert_eq!(
            ancestors,
            vec![t.county_a],
            "{role}: ancestors of the grassroots union"
        );
    }

    // The root auditor sees everything; a city auditor both counties but not 深圳.
    let (_, body) = w.root_auditor.get("/api/v1/unions?per_page=100").await;
    let all: BTreeSet<i64> = [
        t.root,
        t.province,
        t.city,
        t.county_a,
        t.county_b,
        t.other_city,
        g,
    ]
    .into();
    assert_eq!(ids_of(&body), all);
    w.app.user("city_audit", "auditor", t.city).await;
    let city = w.app.api_as("city_audit").await;
    let (_, body) = city.get("/api/v1/unions?per_page=100").await;
    let city_tree: BTreeSet<i64> = [t.city, t.county_a, t.county_b, g].into();
    assert_eq!(ids_of(&body), city_tree);
    let res = city.get(&format!("/api/v1/unions/{}", t.other_city)).await;
    assert_error("city auditor reads 深圳", &res, 404, "not_found", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_lists_hold_only_the_callers_subtree() {
    let w = world().await;
    let t = &w.t;
    let g = grassroots_under_a(&w).await;
    let subtree: BTreeSet<i64> = [t.county_a, g].into();
    let expected: BTreeSet<i64> = w.a_users.iter().copied().collect();

    let mut bad = Vec::new();
    for role in ROLES {
        let api = w.app.api_as(&format!("a_{role}")).await;
        let (status, body) = api.get("/api/v1/users?per_page=100").await;
        if status != 200 {
            bad.push(format!("{role}: GET /api/v1/users → {status} {body}"));
            continue;
        }
        assert_eq!(ids_of(&body), expected, "{role}: user list");
        assert_eq!(body["total"], 5);
        for item in body["items"].as_array().unwrap() {
            assert!(
                subtree.contains(&item["union_id"].as_i64().unwrap()),
                "{role}: {item}"
            );
        }
        for path in [
            format!("/api/v1/users?union_id={}", t.county_b),
            "/api/v1/users?q=b_officer".to_owned(),
        ] {
            assert_eq!(api.total(&path).await, 0, "{role}: GET {path}");
        }
    }
    assert!(
        bad.is_empty(),
        "everyone reads the users of their subtree:\n{}",
        bad.join("\n")
    );

    let (_, body) = w.root_auditor.get("/api/v1/users?per_page=100").await;
    assert_eq!(
        body["total"], 7,
        "5 at county_a, b_officer and the root auditor"
    );
    assert!(ids_of(&body).contains(&w.b_user));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_lists_hold_only_the_auditors_subtree() {
    let w = world().await;
    let t = &w.t;
    let g = grassroots_under_a(&w).await;
    let subtree: BTreeSet<i64> = [t.county_a, g].into();
    let _ = w.app.login("ghost", "Whatever-2026").await;

    let a_auditor = w.app.api_as("a_auditor").await;
    let (status, body) = a_auditor.get("/api/v1/audit?per_page=200").await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        let u = item["union_id"].as_i64();
        assert!(
            u.is_some_and(|u| subtree.contains(&u)),
            "county auditor sees {item}"
        );
    }
    assert!(items.iter().any(|i| i["id"] == w.a_entry));
    assert!(!items.iter().any(|i| i["id"] == w.b_entry));
    let g_text = g.to_string();
    assert!(
        items
            .iter()
            .any(|i| i["action"] == "create_union"
                && i["object_id"].as_str() == Some(g_text.as_str())),
        "the county auditor sees the grassroots union's creation"
    );

    let (status, body) = w.root_auditor.get("/api/v1/audit?per_page=200").await;
    assert_eq!(status, 200);
    let items = body["items"].as_array().unwrap();
    assert!(
        items.iter().any(|i| i["id"] == w.a_entry) && items.iter().any(|i| i["id"] == w.b_entry)
    );
    assert!(
        items.iter().any(|i| i["actor_username"] == "ghost"),
        "root auditor sees unknown names"
    );

    w.app.user("city_audit", "auditor", t.city).await;
    let city = w.app.api_as("city_audit").await;
    let (status, _) = city.get(&format!("/api/v1/audit/{}", w.b_entry)).await;
    assert_eq!(status, 200, "city auditor reads a county_b entry");
    let (_, body) = city.get("/api/v1/audit?actor=ghost").await;
    assert_eq!(body["total"], 0, "only the root auditor sees unknown names");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_scope_pages_say_not_found_for_every_role() {
    let w = world().await;
    let (a, b, bu) = (w.t.county_a, w.t.county_b, w.b_user);
    for role in ROLES {
        let (client, _) = w.app.html_login(&format!("a_{role}"), PASSWORD).await;
        for path in [
            format!("/unions/{b}"),
            format!("/users/{bu}"),
            "/unions/987654".to_owned(),
        ] {
            let (status, html) = w.app.page(&client, &path).await;
            assert_eq!(status, 404, "{role}: GET {path}");
            assert!(html.contains("不存在"), "{role}: GET {path} says 不存在");
            assert!(
                !html.contains("越秀区总工会"),
                "{role}: GET {path} leaks the name"
            );
        }
        let (status, html) = w.app.page(&client, &format!("/unions/{a}")).await;
        assert_eq!(status, 200, "{role}: own union page");
        assert!(html.contains("荔湾区总工会"));
        assert!(
            !html.contains("越秀区总工会"),
            "{role}: the sibling is not shown on the own page"
        );
        let (status, html) = w.app.page(&client, "/").await;
        assert_eq!(status, 200, "{role}: home");
        assert!(
            !html.contains("越秀区总工会"),
            "{role}: home does not show the sibling"
        );
    }
}

/// How many write entries the whole log holds (as the root auditor sees it).
async fn audit_writes(root: &Api) -> i64 {
    let mut n = 0;
    for action in [
        "create_union",
        "update_union",
        "create_user",
        "update_user",
        "reset_password",
    ] {
        n += root.total(&format!("/api/v1/audit?action={action}")).await;
    }
    n
}
