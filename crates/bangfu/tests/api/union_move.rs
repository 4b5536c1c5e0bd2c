//! Moving a union with its subtree to another parent (行政区划调整): scope follows.

use crate::common;

use common::{assert_error, At};

use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_union_takes_its_subtree_and_users_along() {
    let (app, t, _) = common::staffed(&[
        ("padmin", "admin", At::Province),
        ("officer_a", "officer", At::CountyA),
        ("officer_b", "officer", At::CountyB),
    ])
    .await;
    let admin = app.api_as("padmin").await;

    // A grassroots union under county_a, with a user of its own.
    let (s, g) = admin
        .send(
            "POST",
            "/api/v1/unions",
            json!({"parent_id": t.county_a, "name": "荔湾区机械厂工会", "level": "grassroots", "division_code": "440103"}),
        )
        .await;
    assert_eq!(s, 201, "{g}");
    let g = g["id"].as_i64().unwrap();
    app.user("worker_rep", "officer", g).await;

    let [a, b] = app.apis(["officer_a", "officer_b"]).await;
    assert_eq!(a.get(&format!("/api/v1/unions/{g}")).await.0, 200);
    assert_eq!(b.get(&format!("/api/v1/unions/{g}")).await.0, 404);

    // Its division must fit the new parent: 440103 is not inside 越秀区.
    let wrong = admin
        .send(
            "POST",
            &format!("/api/v1/unions/{g}/move"),
            json!({"parent_id": t.county_b}),
        )
        .await;
    assert_error(
        "division outside the new parent",
        &wrong,
        400,
        "invalid_input",
        Some("division_code"),
    );

    let (s, moved) = admin
        .send(
            "POST",
            &format!("/api/v1/unions/{g}/move"),
            json!({"parent_id": t.county_b, "division_code": "440104"}),
        )
        .await;
    assert_eq!(s, 200, "{moved}");
    assert_eq!(moved["parent_id"], t.county_b);
    assert_eq!(moved["division_code"], "440104");

    // Scope follows the tree: county_b's officer now sees the union and its user.
    assert_eq!(b.get(&format!("/api/v1/unions/{g}")).await.0, 200);
    assert_eq!(a.get(&format!("/api/v1/unions/{g}")).await.0, 404);
    let users_b = b.get("/api/v1/users?q=worker_rep").await.1;
    assert_eq!(users_b["total"], 1, "{users_b}");
    let users_a = a.get("/api/v1/users?q=worker_rep").await.1;
    assert_eq!(users_a["total"], 0, "{users_a}");

    // The move is audited with before and after.
    let aud_id = app.user("aud", "auditor", t.province).await;
    let _ = aud_id;
    let aud = app.api_as("aud").await;
    let log = aud
        .get(&format!("/api/v1/audit?action=move_union&object_id={g}"))
        .await
        .1;
    assert_eq!(log["total"], 1, "{log}");
    let entry = &log["items"][0];
    assert_eq!(
        common::audit_json(&entry["before"])["parent_id"],
        t.county_a
    );
    assert_eq!(common::audit_json(&entry["after"])["parent_id"], t.county_b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moves_that_break_the_tree_are_refused_and_change_nothing() {
    let (app, t, _) = common::staffed(&[
        ("padmin", "admin", At::Province),
        ("cadmin", "admin", At::CountyA),
    ])
    .await;
    let admin = app.api_as("padmin").await;

    // Under its own descendant: a cycle.
    let cycle = admin
        .send(
            "POST",
            &format!("/api/v1/unions/{}/move", t.city),
            json!({"parent_id": t.county_a}),
        )
        .await;
    assert_error("cycle", &cycle, 422, "rule_violation", None);
    // A county directly under a province: the level does not fit.
    let level = admin
        .send(
            "POST",
            &format!("/api/v1/unions/{}/move", t.county_b),
            json!({"parent_id": t.province}),
        )
        .await;
    assert_error("level", &level, 422, "rule_violation", None);
    // A parent outside the caller's scope.
    let county_admin = app.api_as("cadmin").await;
    let (s, g) = county_admin
        .send(
            "POST",
            "/api/v1/unions",
            json!({"parent_id": t.county_a, "name": "荔湾区医院工会", "level": "grassroots", "division_code": "440103"}),
        )
        .await;
    assert_eq!(s, 201, "{g}");
    let g = g["id"].as_i64().unwrap();
    let out = county_admin
        .send(
            "POST",
            &format!("/api/v1/unions/{g}/move"),
            json!({"parent_id": t.county_b, "division_code": "440104"}),
        )
        .await;
    assert_error(
        "parent out of scope",
        &out,
        400,
        "invalid_input",
        Some("parent_id"),
    );
    // Nothing moved.
    let (_, city) = admin.get(&format!("/api/v1/unions/{}", t.city)).await;
    assert_eq!(city["union"]["parent_id"], t.province);
    let (_, g_now) = admin.get(&format!("/api/v1/unions/{g}")).await;
    assert_eq!(g_now["union"]["parent_id"], t.county_a);
    let aud = {
        app.user("aud", "auditor", t.root).await;
        app.api_as("aud").await
    };
    assert_eq!(
        aud.get("/api/v1/audit?action=move_union").await.1["total"],
        0
    );
}

/// The files of a moved union follow it: the new parent's officers see them,
/// the old parent's no longer do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_union_takes_its_household_files_along() {
    let (app, t, _) = common::staffed(&[
        ("padmin", "admin", At::Province),
        ("officer_a", "officer", At::CountyA),
        ("officer_b", "officer", At::CountyB),
    ])
    .await;
    let admin = app.api_as("padmin").await;
    let (s, g) = admin
        .send(
            "POST",
            "/api/v1/unions",
            json!({"parent_id": t.county_a, "name": "荔湾区纺织厂工会", "level": "grassroots", "division_code": "440103"}),
        )
        .await;
    assert_eq!(s, 201, "{g}");
    let g = g["id"].as_i64().unwrap();
    let first17 = "44010319700101123";
    let id = format!(
        "{first17}{}",
        bangfu_domain::id_number::check_digit(first17).unwrap()
    );
    let [a, b] = app.apis(["officer_a", "officer_b"]).await;
    let (s, h) = a
        .send(
            "POST",
            "/api/v1/households",
            json!({
                "union_id": g, "worker_name": "吴建华", "worker_id_number": id,
                "phone": "13800138000", "address": "荔湾区多宝路 1 号",
                "employer_kind": "private", "employment": "laid_off",
                "labour_capacity": "full", "health": "healthy",
                "causes": ["unemployment"], "category": "sudden", "tier": "grassroots"
            }),
        )
        .await;
    assert_eq!(s, 201, "{h}");
    let hid = h["id"].as_i64().unwrap();
    assert_eq!(b.get(&format!("/api/v1/households/{hid}")).await.0, 404);

    let (s, moved) = admin
        .send(
            "POST",
            &format!("/api/v1/unions/{g}/move"),
            json!({"parent_id": t.county_b, "division_code": "440104"}),
        )
        .await;
    assert_eq!(s, 200, "{moved}");
    assert_eq!(b.get(&format!("/api/v1/households/{hid}")).await.0, 200);
    assert_eq!(b.total("/api/v1/households").await, 1);
    assert_eq!(a.get(&format!("/api/v1/households/{hid}")).await.0, 404);
    assert_eq!(a.total("/api/v1/households").await, 0);
    // The panel follows: the file counts under its new county.
    let on_file = |v: &serde_json::Value, id: i64| {
        v["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["union"]["id"] == id)
            .map(|c| c["figures"]["on_file"]["households"].clone())
    };
    let (s, p) = admin
        .get(&format!("/api/v1/stats/panel?union={}", t.city))
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(on_file(&p, t.county_b), Some(json!(1)), "{p}");
    assert_eq!(on_file(&p, t.county_a), Some(json!(0)), "{p}");
    common::assert_tallies_agree(&app).await;
}
