//! What an administrator does: the union tree's rules, users, password
//! resets; the audit rows each write leaves; a failed write leaving no trace;
//! the OpenAPI document and the health check.

use crate::common;

use common::{assert_error, audit_entries, audit_json, Api, TestApp, Tree, PASSWORD};

use serde_json::{json, Value};

/// A PATCH that must be refused: (why, path, body, status, code, field).
type RefusedPatch = (
    &'static str,
    String,
    Value,
    u16,
    &'static str,
    Option<&'static str>,
);

struct Admin {
    app: TestApp,
    t: Tree,
    admin_id: i64,
    admin: Api,
    auditor: Api,
}

/// A province administrator and a root auditor over the small tree.
async fn setup() -> Admin {
    let app = common::spawn().await;
    let t = app.tree().await;
    let admin_id = app.user("padmin", "admin", t.province).await;
    app.user("rootaudit", "auditor", t.root).await;
    let [admin, auditor] = app.apis(["padmin", "rootaudit"]).await;
    Admin {
        app,
        t,
        admin_id,
        admin,
        auditor,
    }
}

/// Whether an id in JSON (number or string) is `id`.
fn is_id(v: &Value, id: i64) -> bool {
    v.as_i64() == Some(id) || v.as_str() == Some(id.to_string().as_str())
}

/// Counts that a failed write must leave as they were.
async fn totals(a: &Admin) -> (i64, i64, i64) {
    (
        a.auditor.total("/api/v1/unions").await,
        a.auditor.total("/api/v1/users").await,
        // Only writes: logins of the test's own clients do not count.
        a.auditor.total("/api/v1/audit?object_kind=union").await
            + a.auditor.total("/api/v1/audit?object_kind=user").await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn union_creation_follows_the_trees_rules() {
    let a = setup().await;
    let t = &a.t;
    let before = totals(&a).await;
    let union = |parent: i64, name: &str, level: &str, code: &str| json!({ "parent_id": parent, "name": name, "level": level, "division_code": code });
    // (why, body, status, code, field)
    let refused: Vec<(&str, Value, u16, &str, Option<&str>)> = vec![
        (
            "county directly under a province",
            union(t.province, "天河区总工会", "county", "440106"),
            422,
            "rule_violation",
            None,
        ),
        (
            "grassroots directly under a city",
            union(t.city, "某公司工会", "grassroots", "440100"),
            422,
            "rule_violation",
            None,
        ),
        (
            "province under a province",
            union(t.province, "某省总工会", "province", "450000"),
            422,
            "rule_violation",
            None,
        ),
        (
            "city under a county",
            union(t.county_a, "某市总工会", "city", "440103"),
            422,
            "rule_violation",
            None,
        ),
        (
            "unknown level",
            union(t.city, "天河区总工会", "town", "440106"),
            400,
            "invalid_input",
            Some("level"),
        ),
        (
            "five-digit division code",
            union(t.city, "天河区总工会", "county", "44010"),
            400,
            "invalid_input",
            Some("division_code"),
        ),
        (
            "letters as division code",
            union(t.city, "天河区总工会", "county", "44010a"),
            400,
            "invalid_input",
            Some("division_code"),
        ),
        (
            "division code not in GB/T 2260",
            union(t.city, "天河区总工会", "county", "449999"),
            400,
            "invalid_input",
            Some("division_code"),
        ),
        (
            "county outside the city's region (深圳南山)",
            union(t.city, "南山区总工会", "county", "440305"),
            400,
            "invalid_input",
            Some("division_code"),
        ),
        (
            "county with the city's own code",
            union(t.city, "天河区总工会", "county", "440100"),
            400,
            "invalid_input",
            Some("division_code"),
        ),
        (
            "city in another province",
            union(t.province, "南宁市总工会", "city", "450100"),
            400,
            "invalid_input",
            Some("division_code"),
        ),
        (
            "duplicate name under the same parent",
            union(t.city, "荔湾区总工会", "county", "440105"),
            409,
            "conflict",
            Some("name"),
        ),
        (
            "parent outside the admin's subtree",
            union(t.root, "广西壮族自治区总工会", "province", "450000"),
            400,
            "invalid_input",
            Some("parent_id"),
        ),
        (
            "parent that does not exist",
            union(987_654, "天河区总工会", "county", "440106"),
            400,
            "invalid_input",
            Some("parent_id"),
        ),
        (
            "empty name",
            union(t.city, "", "county", "440106"),
            400,
            "invalid_input",
            Some("name"),
        ),
    ];
    for (why, body, status, code, field) in refused {
        let got = a.admin.send("POST", "/api/v1/unions", body).await;
        assert_error(why, &got, status, code, field);
    }
    assert_eq!(
        totals(&a).await,
        before,
        "refused creations leave no union and no audit row"
    );

    // Accepted.
    let (status, u) = a
        .admin
        .send(
            "POST",
            "/api/v1/unions",
            union(t.city, "天河区总工会", "county", "440106"),
        )
        .await;
    assert_eq!(status, 201, "{u}");
    let tianhe = u["id"].as_i64().unwrap();
    assert_eq!(u["parent_id"], t.city);
    assert_eq!(u["name"], "天河区总工会");
    assert_eq!(u["level"], "county");
    assert!(
        u["level_label"].as_str().is_some_and(|l| !l.is_empty()),
        "{u}"
    );
    assert_eq!(u["division_code"], "440106");
    assert!(
        u["division_name"]
            .as_str()
            .is_some_and(|n| n.contains("天河")),
        "{u}"
    );
    assert_eq!(u["active"], true);
    assert!(
        u["created_at"].is_string() && u["updated_at"].is_string(),
        "{u}"
    );

    let accepted = [
        (
            "grassroots under a county, same region",
            union(tianhe, "某某公司工会", "grassroots", "440106"),
        ),
        (
            "industry union under a city, same region",
            union(t.city, "广州市教育工会", "industry", "440100"),
        ),
        (
            "industry union under a province",
            union(t.province, "广东省海员工会", "industry", "440000"),
        ),
        (
            "same name under another parent",
            union(t.other_city, "荔湾区总工会", "county", "440303"),
        ),
    ];
    let mut industry = 0;
    for (why, body) in accepted {
        let (status, u) = a.admin.send("POST", "/api/v1/unions", body).await;
        assert_eq!(status, 201, "{why}: {u}");
        if u["name"] == "广州市教育工会" {
            industry = u["id"].as_i64().unwrap();
        }
    }
    let (status, u) = a
        .admin
        .send(
            "POST",
            "/api/v1/unions",
            union(industry, "某学校工会", "grassroots", "440104"),
        )
        .await;
    assert_eq!(status, 201, "grassroots under an industry union: {u}");
    let res = a
        .admin
        .send(
            "POST",
            "/api/v1/unions",
            union(
                u["id"].as_i64().unwrap(),
                "下属工会",
                "grassroots",
                "440104",
            ),
        )
        .await;
    assert_error(
        "anything under a grassroots union",
        &res,
        422,
        "rule_violation",
        None,
    );

    // The new union shows up in its parent's page and in the list.
    let (_, detail) = a.admin.get(&format!("/api/v1/unions/{}", t.city)).await;
    let children: Vec<i64> = detail["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["union"]["id"].as_i64().unwrap())
        .collect();
    assert!(children.contains(&tianhe), "{detail}");
    assert_eq!(a.admin.total("/api/v1/unions?q=天河").await, 1);

    // Audited with the actor and the new state.
    let rows = audit_entries(&a.auditor, "create_union", tianhe).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let row = &rows[0];
    assert_eq!(row["actor_username"], "padmin");
    assert_eq!(row["actor_id"], a.admin_id);
    assert_eq!(row["union_id"], tianhe);
    assert_eq!(row["object_kind"], "union");
    assert!(is_id(&row["object_id"], tianhe), "{row}");
    assert_eq!(row["success"], true);
    assert!(row["before"].is_null(), "{row}");
    let after = audit_json(&row["after"]);
    assert_eq!(after["name"], "天河区总工会", "{row}");
    assert_eq!(after["division_code"], "440106", "{row}");
    assert!(
        row["ip"]
            .as_str()
            .is_some_and(|ip| ip.starts_with("127.0.0.1")),
        "{row}"
    );
    assert!(
        row["action_label"].as_str().is_some_and(|l| !l.is_empty()),
        "{row}"
    );
    assert!(row["at"].as_str().is_some_and(|at| !at.is_empty()), "{row}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn union_updates_follow_the_rules_and_are_audited() {
    let a = setup().await;
    let t = &a.t;
    app_user_in(&a.app, "a_officer", t.county_a).await;
    let path = format!("/api/v1/unions/{}", t.county_a);
    let before = totals(&a).await;

    let refused: Vec<RefusedPatch> = vec![
        (
            "rename to the sibling's name",
            path.clone(),
            json!({ "name": "越秀区总工会" }),
            409,
            "conflict",
            Some("name"),
        ),
        (
            "move outside the parent's region",
            path.clone(),
            json!({ "division_code": "440305" }),
            400,
            "invalid_input",
            Some("division_code"),
        ),
        (
            "a code that does not exist",
            path.clone(),
            json!({ "division_code": "440199" }),
            400,
            "invalid_input",
            Some("division_code"),
        ),
        (
            "deactivate a union with active children",
            format!("/api/v1/unions/{}", t.city),
            json!({ "active": false }),
            422,
            "rule_violation",
            None,
        ),
        (
            "deactivate a union with active users",
            path.clone(),
            json!({ "active": false }),
            422,
            "rule_violation",
            None,
        ),
        (
            "deactivate the admin's own union",
            format!("/api/v1/unions/{}", t.province),
            json!({ "active": false }),
            422,
            "rule_violation",
            None,
        ),
        (
            "a union outside the subtree",
            format!("/api/v1/unions/{}", t.root),
            json!({ "name": "改名" }),
            404,
            "not_found",
            None,
        ),
    ];
    for (why, p, body, status, code, field) in refused {
        let got = a.admin.send("PATCH", &p, body).await;
        assert_error(why, &got, status, code, field);
    }
    assert_eq!(totals(&a).await, before, "refused updates leave no trace");
    let (_, u) = a.admin.get(&path).await;
    assert_eq!(u["union"]["name"], "荔湾区总工会");
    assert_eq!(u["union"]["active"], true);

    // Renaming changes only the name.
    let (status, u) = a
        .admin
        .send("PATCH", &path, json!({ "name": "广州市荔湾区总工会" }))
        .await;
    assert_eq!(status, 200, "{u}");
    assert_eq!(u["name"], "广州市荔湾区总工会");
    assert_eq!(u["division_code"], "440103");
    assert_eq!(u["active"], true);
    assert_eq!(u["level"], "county");
    let rows = audit_entries(&a.auditor, "update_union", a.t.county_a).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["actor_username"], "padmin");
    assert_eq!(
        audit_json(&rows[0]["before"])["name"],
        "荔湾区总工会",
        "{}",
        rows[0]
    );
    assert_eq!(
        audit_json(&rows[0]["after"])["name"],
        "广州市荔湾区总工会",
        "{}",
        rows[0]
    );

    // A union without children or users can be deactivated and reactivated.
    let b = format!("/api/v1/unions/{}", t.county_b);
    let (status, u) = a.admin.send("PATCH", &b, json!({ "active": false })).await;
    assert_eq!(status, 200, "{u}");
    assert_eq!(u["active"], false);
    assert_eq!(u["name"], "越秀区总工会");
    assert_eq!(a.admin.total("/api/v1/unions?active=false").await, 1);
    assert_eq!(
        a.admin
            .total(&format!("/api/v1/unions?active=true&parent_id={}", t.city))
            .await,
        1
    );
    let (status, u) = a.admin.send("PATCH", &b, json!({ "active": true })).await;
    assert_eq!(status, 200, "{u}");
    assert_eq!(u["active"], true);
    let rows = audit_entries(&a.auditor, "update_union", t.county_b).await;
    assert_eq!(rows.len(), 2, "{rows:#?}");
    // Newest first: the reactivation.
    assert_eq!(audit_json(&rows[0]["before"])["active"], false);
    assert_eq!(audit_json(&rows[0]["after"])["active"], true);
    assert_eq!(audit_json(&rows[1]["before"])["active"], true);
    assert_eq!(audit_json(&rows[1]["after"])["active"], false);
}

async fn app_user_in(app: &TestApp, name: &str, union_id: i64) -> i64 {
    app.user(name, "officer", union_id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_creation_checks_its_input_and_a_failure_leaves_no_trace() {
    let a = setup().await;
    let t = &a.t;
    let user = |username: &str, union_id: i64, roles: Value, password: Option<&str>| {
        let mut v = json!({ "username": username, "display_name": "张三", "union_id": union_id, "roles": roles });
        if let Some(p) = password {
            v["password"] = json!(p);
        }
        v
    };
    let (status, body) = a
        .admin
        .send(
            "POST",
            "/api/v1/users",
            user(
                "zhang.san",
                t.county_a,
                json!(["officer", "reviewer"]),
                Some("Initial-Pass-2026"),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let u = &body["user"];
    let zid = u["id"].as_i64().unwrap();
    assert_eq!(u["username"], "zhang.san");
    assert_eq!(u["display_name"], "张三");
    assert_eq!(u["union_id"], t.county_a);
    assert_eq!(u["union_name"], "荔湾区总工会");
    let mut roles: Vec<&str> = u["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    roles.sort_unstable();
    assert_eq!(roles, ["officer", "reviewer"]);
    assert_eq!(u["active"], true);
    assert_eq!(u["must_change_password"], true);
    assert!(u["last_login_at"].is_null());
    assert!(body["generated_password"].is_null());

    let before = totals(&a).await;
    let refused: Vec<(&str, Value, u16, &str, &str)> = vec![
        (
            "duplicate username",
            user("zhang.san", t.county_a, json!(["officer"]), None),
            409,
            "conflict",
            "username",
        ),
        (
            "duplicate username, other case",
            user("Zhang.San", t.county_b, json!(["officer"]), None),
            409,
            "conflict",
            "username",
        ),
        (
            "username too short",
            user("zs", t.county_a, json!(["officer"]), None),
            400,
            "invalid_input",
            "username",
        ),
        (
            "username starting with a digit",
            user("1zhang", t.county_a, json!(["officer"]), None),
            400,
            "invalid_input",
            "username",
        ),
        (
            "username with a space",
            user("zhang san", t.county_a, json!(["officer"]), None),
            400,
            "invalid_input",
            "username",
        ),
        (
            "username in Chinese",
            user("张三", t.county_a, json!(["officer"]), None),
            400,
            "invalid_input",
            "username",
        ),
        (
            "no roles",
            user("li.si", t.county_a, json!([]), None),
            400,
            "invalid_input",
            "roles",
        ),
        (
            "unknown role",
            user("li.si", t.county_a, json!(["boss"]), None),
            400,
            "invalid_input",
            "roles",
        ),
        (
            "weak password",
            user("li.si", t.county_a, json!(["officer"]), Some("password1")),
            400,
            "invalid_input",
            "password",
        ),
        (
            "short password",
            user("li.si", t.county_a, json!(["officer"]), Some("Ab1!")),
            400,
            "invalid_input",
            "password",
        ),
        (
            "union outside the subtree",
            user("li.si", t.root, json!(["officer"]), None),
            400,
            "invalid_input",
            "union_id",
        ),
        (
            "union that does not exist",
            user("li.si", 987_654, json!(["officer"]), None),
            400,
            "invalid_input",
            "union_id",
        ),
    ];
    for (why, body, status, code, field) in refused {
        let got = a.admin.send("POST", "/api/v1/users", body).await;
        assert_error(why, &got, status, code, Some(field));
    }
    assert_eq!(
        totals(&a).await,
        before,
        "refused creations leave no user and no audit row"
    );
    assert_eq!(a.admin.total("/api/v1/users?q=li.si").await, 0);

    // A generated password is returned once and works.
    let (status, body) = a
        .admin
        .send(
            "POST",
            "/api/v1/users",
            user("li.si", t.county_b, json!(["fund_officer"]), None),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let generated = body["generated_password"]
        .as_str()
        .expect("generated password")
        .to_owned();
    assert!(generated.chars().count() >= 8);
    let (status, login) = a.app.login("li.si", &generated).await;
    assert_eq!(status, 200);
    assert_eq!(login["must_change_password"], true);
    let (_, listed) = a.admin.get("/api/v1/users?q=li.si").await;
    assert!(
        listed.to_string().find(&generated).is_none(),
        "the password is not listed"
    );

    // Audited: who, which union, the new state, no password.
    let rows = audit_entries(&a.auditor, "create_user", zid).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let row = &rows[0];
    assert_eq!(row["actor_username"], "padmin");
    assert_eq!(row["actor_id"], a.admin_id);
    assert_eq!(row["union_id"], t.county_a);
    assert_eq!(row["object_kind"], "user");
    assert!(is_id(&row["object_id"], zid));
    assert!(row["before"].is_null());
    let after = audit_json(&row["after"]);
    assert_eq!(after["username"], "zhang.san", "{row}");
    assert!(
        !row.to_string().contains("Initial-Pass-2026"),
        "no password in the log: {row}"
    );
    let (status, one) = a.auditor.get(&format!("/api/v1/audit/{}", row["id"])).await;
    assert_eq!(status, 200);
    assert_eq!(one["id"], row["id"]);
    assert_eq!(one["action"], "create_user");

    // Lists filter and page.
    assert_eq!(a.admin.total("/api/v1/users?role=fund_officer").await, 1);
    assert_eq!(
        a.admin
            .total(&format!("/api/v1/users?union_id={}", t.county_a))
            .await,
        1
    );
    assert_eq!(a.admin.total("/api/v1/users?q=zhang").await, 1);
    let (status, page) = a.admin.get("/api/v1/users?page=2&per_page=1").await;
    assert_eq!(status, 200);
    assert_eq!(page["page"], 2);
    assert_eq!(page["per_page"], 1);
    assert_eq!(page["total"], 3, "padmin, zhang.san, li.si");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_updates_disable_move_and_reset() {
    let a = setup().await;
    let t = &a.t;
    let uid = a.app.user("worker1", "officer", t.county_a).await;
    let path = format!("/api/v1/users/{uid}");
    let worker = a.app.api_as("worker1").await;

    // Partial updates.
    let (status, u) = a
        .admin
        .send("PATCH", &path, json!({ "display_name": "王五" }))
        .await;
    assert_eq!(status, 200, "{u}");
    assert_eq!(u["display_name"], "王五");
    assert_eq!(u["roles"], json!(["officer"]));
    assert_eq!(u["union_id"], t.county_a);
    let (status, u) = a
        .admin
        .send(
            "PATCH",
            &path,
            json!({ "roles": ["reviewer", "fund_officer"] }),
        )
        .await;
    assert_eq!(status, 200, "{u}");
    let mut roles: Vec<&str> = u["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    roles.sort_unstable();
    assert_eq!(roles, ["fund_officer", "reviewer"]);
    assert_eq!(u["display_name"], "王五");
    let (status, u) = a
        .admin
        .send("PATCH", &path, json!({ "union_id": t.county_b }))
        .await;
    assert_eq!(status, 200, "{u}");
    assert_eq!(u["union_id"], t.county_b);
    assert_eq!(u["union_name"], "越秀区总工会");
    let (status, _) = worker.get("/api/v1/auth/me").await;
    assert_eq!(status, 200, "editing does not end the session");

    let before = totals(&a).await;
    let self_path = format!("/api/v1/users/{}", a.admin_id);
    let refused: Vec<RefusedPatch> = vec![
        (
            "no roles",
            path.clone(),
            json!({ "roles": [] }),
            400,
            "invalid_input",
            Some("roles"),
        ),
        (
            "unknown role",
            path.clone(),
            json!({ "roles": ["king"] }),
            400,
            "invalid_input",
            Some("roles"),
        ),
        (
            "union outside the subtree",
            path.clone(),
            json!({ "union_id": t.root }),
            400,
            "invalid_input",
            Some("union_id"),
        ),
        (
            "empty display name",
            path.clone(),
            json!({ "display_name": "" }),
            400,
            "invalid_input",
            Some("display_name"),
        ),
        (
            "admin disables themself",
            self_path.clone(),
            json!({ "active": false }),
            422,
            "rule_violation",
            None,
        ),
        (
            "admin drops their own admin role",
            self_path.clone(),
            json!({ "roles": ["officer"] }),
            422,
            "rule_violation",
            None,
        ),
        (
            "a user that does not exist",
            "/api/v1/users/987654".into(),
            json!({ "display_name": "某" }),
            404,
            "not_found",
            None,
        ),
    ];
    for (why, p, body, status, code, field) in refused {
        let got = a.admin.send("PATCH", &p, body).await;
        assert_error(why, &got, status, code, field);
    }
    assert_eq!(totals(&a).await, before, "refused updates leave no trace");
    let (_, me) = a.admin.get("/api/v1/auth/me").await;
    assert_eq!(me["active"], true);
    assert_eq!(me["roles"], json!(["admin"]));

    // Disabling ends the user's sessions and stops logins; enabling restores them.
    let (status, u) = a
        .admin
        .send("PATCH", &path, json!({ "active": false }))
        .await;
    assert_eq!(status, 200, "{u}");
    assert_eq!(u["active"], false);
    assert_eq!(
        worker.get("/api/v1/auth/me").await.0,
        401,
        "the disabled user's token is refused"
    );
    assert_error(
        "login while disabled (answered as a wrong password)",
        &a.app.login("worker1", PASSWORD).await,
        401,
        "bad_credentials",
        None,
    );
    assert_eq!(a.admin.total("/api/v1/users?active=false").await, 1);
    let (status, u) = a
        .admin
        .send("PATCH", &path, json!({ "active": true }))
        .await;
    assert_eq!(status, 200, "{u}");
    assert_eq!(a.app.login("worker1", PASSWORD).await.0, 200);

    // Every update is audited with before and after.
    let rows = audit_entries(&a.auditor, "update_user", uid).await;
    assert_eq!(rows.len(), 5, "{rows:#?}");
    let first = rows.last().unwrap();
    assert_eq!(first["actor_username"], "padmin");
    assert_eq!(audit_json(&first["before"])["display_name"], "worker1");
    assert_eq!(audit_json(&first["after"])["display_name"], "王五");
    let moved = &rows[2];
    assert_eq!(
        audit_json(&moved["before"])["union_id"],
        t.county_a,
        "{moved}"
    );
    assert_eq!(
        audit_json(&moved["after"])["union_id"],
        t.county_b,
        "{moved}"
    );
    assert_eq!(
        moved["union_id"], t.county_b,
        "the entry belongs to the union the user is in now"
    );
    let disabled = &rows[1];
    assert_eq!(audit_json(&disabled["after"])["active"], false);

    // Password resets.
    let reset = format!("/api/v1/users/{uid}/reset-password");
    let res = a
        .admin
        .send("POST", &reset, json!({ "password": "weakweak" }))
        .await;
    assert_error(
        "weak reset password",
        &res,
        400,
        "invalid_input",
        Some("password"),
    );
    let res = a
        .admin
        .send("POST", "/api/v1/users/987654/reset-password", json!({}))
        .await;
    assert_error("reset for nobody", &res, 404, "not_found", None);
    assert!(audit_entries(&a.auditor, "reset_password", uid)
        .await
        .is_empty());
    let worker = a.app.api_as("worker1").await;
    let (status, body) = a.admin.send("POST", &reset, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let generated = body["generated_password"]
        .as_str()
        .expect("generated")
        .to_owned();
    assert_eq!(
        worker.get("/api/v1/auth/me").await.0,
        401,
        "reset ends the user's sessions"
    );
    assert_eq!(a.app.login("worker1", PASSWORD).await.0, 401);
    let (status, login) = a.app.login("worker1", &generated).await;
    assert_eq!(status, 200);
    assert_eq!(login["must_change_password"], true);
    let (_, u) = a.admin.get(&path).await;
    assert_eq!(u["must_change_password"], true);
    let rows = audit_entries(&a.auditor, "reset_password", uid).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["actor_username"], "padmin");
    assert!(
        !rows[0].to_string().contains(&generated),
        "no password in the log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_read_only_and_filterable() {
    let a = setup().await;
    let t = &a.t;
    let (status, u) = a
        .admin
        .send(
            "POST",
            "/api/v1/unions",
            json!({ "parent_id": t.city, "name": "天河区总工会", "level": "county", "division_code": "440106" }),
        )
        .await;
    assert_eq!(status, 201, "{u}");
    let _ = a.app.login("padmin", "Wrong-Pass-2026").await;

    // Only auditors read it.
    let res = a.admin.get("/api/v1/audit").await;
    assert_error("admin reads the audit log", &res, 403, "forbidden", None);

    let (status, all) = a.auditor.get("/api/v1/audit?per_page=200").await;
    assert_eq!(status, 200);
    let total = all["total"].as_i64().unwrap();
    assert!(total >= 10, "tree, users, logins: {all}");
    let items = all["items"].as_array().unwrap();
    let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|x, y| y.cmp(x));
    assert_eq!(ids, sorted, "newest first");
    for action in ["login", "create_union", "create_user"] {
        assert!(
            items.iter().any(|i| i["action"] == action),
            "{action} is logged"
        );
    }

    // Filters.
    let today = items[0]["at"].as_str().unwrap()[..10].to_owned();
    assert_eq!(
        a.auditor
            .total(&format!("/api/v1/audit?from={today}&until={today}"))
            .await,
        total
    );
    assert_eq!(a.auditor.total("/api/v1/audit?until=2000-01-01").await, 0);
    assert_eq!(a.auditor.total("/api/v1/audit?from=2999-01-01").await, 0);
    assert_eq!(
        a.auditor
            .total("/api/v1/audit?action=login&success=false")
            .await,
        1
    );
    assert_eq!(
        a.auditor
            .total("/api/v1/audit?actor=padmin&action=create_union")
            .await,
        1
    );
    assert_eq!(a.auditor.total("/api/v1/audit?object_kind=union").await, 7);
    let res = a.auditor.get("/api/v1/audit?from=yesterday").await;
    assert_eq!(res.0, 400, "a bad date is bad input: {}", res.1);

    // No way to change or remove an entry.
    let first = ids.last().copied().unwrap();
    let (_, original) = a.auditor.get(&format!("/api/v1/audit/{first}")).await;
    for api in [&a.admin, &a.auditor] {
        for method in ["PUT", "PATCH", "DELETE"] {
            let (status, body) = api
                .send(
                    method,
                    &format!("/api/v1/audit/{first}"),
                    json!({ "action": "nothing", "success": false }),
                )
                .await;
            assert!(
                status == 405 || status == 404,
                "{method} /api/v1/audit/{first} → {status} {body}"
            );
        }
        let (status, body) = api.send("DELETE", "/api/v1/audit", json!({})).await;
        assert!(
            status == 405 || status == 404,
            "DELETE /api/v1/audit → {status} {body}"
        );
    }
    let (_, now) = a.auditor.get(&format!("/api/v1/audit/{first}")).await;
    assert_eq!(now, original, "the entry is unchanged");
    assert_eq!(a.auditor.total("/api/v1/audit?object_kind=union").await, 7);
    let res = a.auditor.get("/api/v1/audit/987654").await;
    assert_error("an entry that does not exist", &res, 404, "not_found", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_lists_every_path() {
    let app = common::spawn().await;
    let res = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "OpenAPI 3: {}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    let has =
        |p: &str| paths.contains_key(p) || paths.contains_key(p.trim_start_matches("/api/v1"));
    let methods = |p: &str| {
        paths
            .get(p)
            .or_else(|| paths.get(p.trim_start_matches("/api/v1")))
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let expected = [
        ("/api/v1/auth/login", &["post"][..]),
        ("/api/v1/auth/logout", &["post"]),
        ("/api/v1/auth/me", &["get"]),
        ("/api/v1/auth/password", &["post"]),
        ("/api/v1/unions", &["get", "post"]),
        ("/api/v1/unions/{id}", &["get", "patch"]),
        ("/api/v1/users", &["get", "post"]),
        ("/api/v1/users/{id}", &["get", "patch"]),
        ("/api/v1/users/{id}/reset-password", &["post"]),
        ("/api/v1/audit", &["get"]),
        ("/api/v1/audit/{id}", &["get"]),
    ];
    let mut missing = Vec::new();
    for (path, ms) in expected {
        if !has(path) {
            missing.push(path.to_owned());
            continue;
        }
        let got = methods(path);
        for m in ms {
            if !got.iter().any(|g| g == m) {
                missing.push(format!("{m} {path}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "missing from the OpenAPI document: {missing:?}; has {:?}",
        paths.keys()
    );
    let audit_methods = methods("/api/v1/audit/{id}");
    assert!(
        !audit_methods
            .iter()
            .any(|m| m == "put" || m == "patch" || m == "delete"),
        "the audit log has no write operations: {audit_methods:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_check_answers() {
    let app = common::spawn().await;
    let res = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), 200);
    // Unknown API paths answer JSON 404s.
    let res = reqwest::get(app.url("/api/v1/nothing-here")).await.unwrap();
    assert_eq!(res.status(), 404);
}
