//! Filing someone already on another union's file names that union — a
//! lookup across the country by ID number — so every such refusal is
//! audited (who asked about whom), and a user may trigger only so many in
//! an hour.

use crate::common;

use bangfu_service::Settings;
use common::{assert_error, audit_json, household, member, person, At};
use serde_json::{json, Value};

const LIMIT: i32 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_naming_another_union_are_audited_and_limited() {
    let settings = Settings {
        filed_elsewhere_per_hour: LIMIT,
        ..Settings::default()
    };
    let (app, t, ids) = common::staffed_with(
        settings,
        &[
            ("holder", "officer", At::CountyB),
            ("prober", "officer", At::CountyA),
            ("other", "officer", At::CountyA),
            ("rootaudit", "auditor", At::Root),
        ],
    )
    .await;
    let prober_id = ids[1];
    let [holder, prober, other, auditor] =
        app.apis(["holder", "prober", "other", "rootaudit"]).await;

    let worker = person("440104", "19750505", 21);
    let wife = person("440104", "19770707", 42);
    let mut body = household("赵大", &worker, t.county_b);
    body["members"] = json!([member("钱二", &wife, "spouse")]);
    let (status, filed) = holder.send("POST", "/api/v1/households", body).await;
    assert_eq!(status, 201, "{filed}");

    // The worker, then a member: 409 naming the union, each audited.
    let as_worker = prober
        .send(
            "POST",
            "/api/v1/households",
            household("赵大", &worker, t.county_a),
        )
        .await;
    assert_error(
        "worker on file elsewhere",
        &as_worker,
        409,
        "conflict",
        Some("worker_id_number"),
    );
    assert!(as_worker.1["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("越秀区总工会"));
    let mut body = household("孙三", &person("440103", "19800808", 13), t.county_a);
    body["members"] = json!([member("钱二", &wife, "spouse")]);
    let as_member = prober.send("POST", "/api/v1/households", body).await;
    assert_error(
        "member on file elsewhere",
        &as_member,
        409,
        "conflict",
        Some("members"),
    );

    let (_, log) = auditor
        .get("/api/v1/audit?action=filed_elsewhere&per_page=50")
        .await;
    let items: Vec<Value> = log["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{log}");
    for (item, (name, id)) in items.iter().rev().zip([("赵大", &worker), ("钱二", &wife)]) {
        assert_eq!(item["actor_id"], prober_id, "who asked: {item}");
        assert_eq!(item["success"], false, "{item}");
        assert_eq!(
            item["union_id"], t.county_a,
            "read by the asker's auditors: {item}"
        );
        let after = audit_json(&item["after"]);
        let person = &after["people"][0];
        assert_eq!(person["name"], name, "about whom: {after}");
        assert_eq!(person["holder_union"], "越秀区总工会", "{after}");
        let masked = person["id_number"].as_str().unwrap_or_default();
        assert!(
            masked.starts_with(&id[..4]) && masked.ends_with(&id[14..]),
            "{masked}"
        );
        assert!(!masked.contains(&id[6..14]), "masked: {masked}");
        assert_eq!(after["context"], "create_household", "{after}");
    }

    // Editing a file to add the person is the same lookup.
    let (status, own) = prober
        .send(
            "POST",
            "/api/v1/households",
            household("周四", &person("440103", "19810909", 15), t.county_a),
        )
        .await;
    assert_eq!(status, 201, "{own}");
    let id = own["id"].as_i64().unwrap();
    let mut edit = household("周四", &person("440103", "19810909", 15), t.county_a);
    edit.as_object_mut().map(|o| o.remove("union_id"));
    edit["version"] = own["version"].clone();
    edit["members"] = json!([member("钱二", &wife, "spouse")]);
    let res = prober
        .send("PUT", &format!("/api/v1/households/{id}"), edit.clone())
        .await;
    assert_error(
        "edit adds someone on file elsewhere",
        &res,
        409,
        "conflict",
        Some("members"),
    );

    // That was the third: the hour's allowance is used. The next filing is
    // refused before anyone is looked up, and names no union — even a
    // filing of someone on no file at all.
    for body in [
        household("赵大", &worker, t.county_a),
        household("吴五", &person("440103", "19821010", 17), t.county_a),
    ] {
        let res = prober.send("POST", "/api/v1/households", body).await;
        assert_error("beyond the allowance", &res, 429, "too_many_lookups", None);
        let message = res.1["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.contains("越秀区"), "{message}");
    }
    let (_, log) = auditor
        .get("/api/v1/audit?action=filed_elsewhere&per_page=50")
        .await;
    assert_eq!(
        log["total"], 3,
        "refused before looking: nothing more to log: {log}"
    );

    // Another user is not affected.
    let res = other
        .send(
            "POST",
            "/api/v1/households",
            household("赵大", &worker, t.county_a),
        )
        .await;
    assert_error(
        "another user",
        &res,
        409,
        "conflict",
        Some("worker_id_number"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_allowance_the_filing_page_answers_429_naming_no_union() {
    let settings = Settings {
        filed_elsewhere_per_hour: 1,
        ..Settings::default()
    };
    let (app, t, _) = common::staffed_with(
        settings,
        &[
            ("holder", "officer", At::CountyB),
            ("prober", "officer", At::CountyA),
            ("rootaudit", "auditor", At::Root),
        ],
    )
    .await;
    let [holder, prober, auditor] = app.apis(["holder", "prober", "rootaudit"]).await;
    let a = person("440104", "19750505", 21);
    let b = person("440104", "19760606", 23);
    for id in [&a, &b] {
        let (status, body) = holder
            .send(
                "POST",
                "/api/v1/households",
                household("某人", id, t.county_b),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let res = prober
        .send(
            "POST",
            "/api/v1/households",
            household("某人", &a, t.county_a),
        )
        .await;
    assert_eq!(res.0, 409, "{}", res.1);

    // The page form: refused with 429 in the form, no union named.
    let (client, _) = app.html_login("prober", common::PASSWORD).await;
    let csrf = common::csrf_of(&app, &client).await;
    let county = t.county_a.to_string();
    let (status, html) = app
        .post_form(
            &client,
            "/households",
            &[
                ("csrf", csrf.as_str()),
                ("union_id", county.as_str()),
                ("worker_name", "某人"),
                ("worker_id_number", b.as_str()),
                ("phone", "13800138000"),
                ("address", "广州市荔湾区"),
                ("employer", "某厂"),
                ("employer_kind", "state_owned"),
                ("employment", "laid_off"),
                ("labour_capacity", "partial"),
                ("health", "chronic"),
                ("causes", "illness"),
                ("category", "near_dibao"),
                ("tier", "national"),
            ],
        )
        .await;
    assert_eq!(status, 429, "{html}");
    assert!(html.contains("次数过多") && !html.contains("越秀区总工会"));
    let (_, log) = auditor.get("/api/v1/audit?action=filed_elsewhere").await;
    assert_eq!(log["total"], 1, "{log}");
}
