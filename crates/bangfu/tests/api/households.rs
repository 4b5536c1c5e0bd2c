//! The household file over the JSON API: filing,
//! validation that writes nothing, one open file per person across the tree,
//! scope and permissions, lines and the identification of a file, optimistic
//! versions, finding files, revealing identities, and the two stateless
//! calculators.

use crate::common;

use common::{
    assert_error, filing, first_half_2019, id_number, member, person, post_anonymous, set_line,
    wages, Api, At, TestApp, Tree,
};

use bangfu_domain::id_number::check_digit;

use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A valid ID number whose check character is X (returned with an upper-case X).
fn person_with_x(region: &str, birth: &str) -> String {
    (0..1000)
        .map(|seq| format!("{region}{birth}{seq:03}"))
        .find(|f| check_digit(f) == Some('X'))
        .map(|f| format!("{f}X"))
        .expect("some sequence has check character X")
}

/// The same number with another (wrong) check character.
fn with_wrong_check(id: &str) -> String {
    let good = id.chars().last().unwrap();
    let bad = if good == '1' { '2' } else { '1' };
    format!("{}{bad}", &id[..17])
}

/// How a list shows an ID number: first 4 and last 4.
fn masked_id(id: &str) -> String {
    format!("{}{}{}", &id[..4], "*".repeat(10), &id[14..])
}

/// Today's date in China Standard Time, `YYYY-MM-DD` (the server's filing date).
fn today_cst() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let days = i64::try_from((secs + 8 * 3600) / 86_400).unwrap();
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Files a household and returns the response, asserting 201.
async fn file(api: &Api, body: Value) -> Value {
    let (status, got) = api.send("POST", "/api/v1/households", body.clone()).await;
    assert_eq!(status, 201, "file {}: {got}", body["worker_name"]);
    got
}

fn id_of(h: &Value) -> i64 {
    h["id"].as_i64().expect("household id")
}

/// The worker names of a list answer, in order.
async fn names(api: &Api, path: &str) -> Vec<String> {
    let (status, body) = api.get(path).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in GET {path}: {body}"))
        .iter()
        .map(|i| i["worker_name"].as_str().unwrap().to_owned())
        .collect()
}

/// The same names, sorted, so filters can be compared regardless of order.
async fn name_set(api: &Api, path: &str) -> Vec<String> {
    let mut v = names(api, path).await;
    v.sort();
    v
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

/// A test world: the tree and one user per role where the tests need them.
struct World {
    app: TestApp,
    t: Tree,
    /// 荔湾区总工会 officer.
    a_officer: Api,
    /// 越秀区总工会 officer.
    b_officer: Api,
    /// 广州市总工会 reviewer.
    city_reviewer: Api,
    /// 广州市总工会 administrator (lines and parameters).
    city_admin: Api,
}

async fn world() -> World {
    let (app, t, _) = common::staffed(&[
        ("a_officer", "officer", At::CountyA),
        ("b_officer", "officer", At::CountyB),
        ("city_reviewer", "reviewer", At::City),
        ("city_admin", "admin", At::City),
    ])
    .await;
    World {
        a_officer: app.api_as("a_officer").await,
        b_officer: app.api_as("b_officer").await,
        city_reviewer: app.api_as("city_reviewer").await,
        city_admin: app.api_as("city_admin").await,
        app,
        t,
    }
}

// ---------------------------------------------------------------------------
// 1. Filing
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_files_a_household_with_derived_number_identity_and_cohort() {
    let w = world().await;
    let today = today_cst();
    let year = &today[..4];
    let worker = person("440103", "19800101", 123); // odd: a man
    let wife = person("440103", "19820315", 246); // even: a woman
    let mut body = filing("李明", &worker);
    body["members"] = json!([member("陈丽", &wife, "spouse")]);

    let h = file(&w.a_officer, body).await;
    let file_no = h["file_no"].as_str().unwrap();
    assert!(
        file_no.starts_with(&format!("440103{year}")),
        "file number is region code + filing year: {file_no}"
    );
    assert_eq!(
        file_no.len(),
        15,
        "region(6) + year(4) + sequence(5): {file_no}"
    );
    assert_eq!(h["worker_id_number"], masked_id(&worker));
    assert_eq!(h["worker_id_number"].as_str().unwrap().len(), 18);
    assert_eq!(h["phone"], "138****8000");
    assert_eq!(h["sex"], "male");
    assert_eq!(h["birth_date"], "1980-01-01");
    assert_eq!(h["filed_on"], today.as_str(), "filed today when absent");
    assert_eq!(h["cohort"], "incremental", "filed after the cut-off");
    assert_eq!(h["union_id"], w.t.county_a);
    assert_eq!(h["union_name"], "荔湾区总工会");
    assert_eq!(h["division_code"], "440103", "the filing union's region");
    assert_eq!(h["status"], "on_file");
    assert_eq!(h["size"], 2, "worker and one member");
    assert_eq!(h["decision"], "insufficient", "no incomes yet");
    assert!(h["version"].is_i64(), "a version to send back: {h}");
    assert!(
        !h.to_string().contains(&worker),
        "full ID never in the answer"
    );
    assert!(
        !h.to_string().contains("13800138000"),
        "full phone never in the answer"
    );

    // The file page: members masked, with sex and birth date from their numbers.
    let (status, d) = w
        .a_officer
        .get(&format!("/api/v1/households/{}", id_of(&h)))
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["household"]["file_no"], file_no);
    assert_eq!(d["members"][0]["name"], "陈丽");
    assert_eq!(d["members"][0]["id_number"], masked_id(&wife));
    assert_eq!(d["members"][0]["sex"], "female");
    assert_eq!(d["members"][0]["birth_date"], "1982-03-15");
    assert_eq!(d["members"][0]["relation"], "spouse");
    assert_eq!(d["baseline_cutoff"], "2016-10-31");
    assert!(
        !d.to_string().contains(&wife),
        "member's full ID never shown"
    );
    assert_eq!(d["identification"]["insufficient_data"], true);

    // The cut-off day itself is baseline; the day after is the incremental pool.
    let mut on_cutoff = filing("王芳", &person("440103", "19750707", 222));
    on_cutoff["filed_on"] = json!("2016-10-31");
    let h2 = file(&w.a_officer, on_cutoff).await;
    assert_eq!(h2["cohort"], "baseline");
    assert_eq!(h2["filed_on"], "2016-10-31");
    assert_eq!(h2["sex"], "female");
    assert!(
        h2["file_no"].as_str().unwrap().starts_with("4401032016"),
        "the filing year is the filing date's: {}",
        h2["file_no"]
    );
    let mut after_cutoff = filing("赵强", &person("440103", "19770808", 111));
    after_cutoff["filed_on"] = json!("2016-11-01");
    let h3 = file(&w.a_officer, after_cutoff).await;
    assert_eq!(h3["cohort"], "incremental");
    assert_ne!(h2["file_no"], h3["file_no"], "file numbers are unique");

    // A trailing lower-case x is accepted and stored as X.
    let x = person_with_x("440103", "19690412");
    let lower = format!("{}x", &x[..17]);
    let hx = file(&w.a_officer, filing("周红", &lower)).await;
    assert!(
        hx["worker_id_number"].as_str().unwrap().ends_with('X'),
        "{hx}"
    );
    assert_eq!(hx["worker_id_number"], masked_id(&x));
    assert_eq!(hx["birth_date"], "1969-04-12");
    let (status, r) = w
        .a_officer
        .send(
            "POST",
            &format!("/api/v1/households/{}/reveal", id_of(&hx)),
            json!({ "reason": "核对身份证号码" }),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["worker_id_number"],
        x.as_str(),
        "stored with an upper-case X"
    );
    // … and is the same person as the upper-case form.
    let again = w
        .a_officer
        .send("POST", "/api/v1/households", filing("周红", &x))
        .await;
    assert_error(
        "same number, upper-case X",
        &again,
        409,
        "conflict",
        Some("worker_id_number"),
    );

    assert_eq!(w.a_officer.total("/api/v1/households").await, 4);
}

// ---------------------------------------------------------------------------
// 2. Bad input writes nothing
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_naming_the_field_and_writes_nothing() {
    let w = world().await;
    let api = &w.a_officer;
    let worker = person("440103", "19800101", 123);
    let first = file(api, filing("李明", &worker)).await;
    let first_no = first["file_no"].as_str().unwrap().to_owned();
    let total = api.total("/api/v1/households").await;
    assert_eq!(total, 1);

    let fresh = person("440103", "19850505", 555);
    let child = person("440103", "20100101", 444);
    let mut cases: Vec<(&str, Value, Option<&str>)> = vec![
        (
            "wrong check digit",
            filing("王芳", &with_wrong_check(&fresh)),
            Some("worker_id_number"),
        ),
        (
            "17 characters",
            filing("王芳", &fresh[..17]),
            Some("worker_id_number"),
        ),
        (
            "unknown province prefix",
            filing("王芳", &person("990103", "19850505", 555)),
            Some("worker_id_number"),
        ),
        (
            "birth date in the future",
            filing("王芳", &person("440103", "29990101", 555)),
            Some("worker_id_number"),
        ),
    ];
    let mut missing = filing("王芳", &fresh);
    missing.as_object_mut().unwrap().remove("phone");
    cases.push(("missing required field", missing, Some("phone")));
    let mut bad_category = filing("王芳", &fresh);
    bad_category["category"] = json!("poorest");
    cases.push(("unknown category", bad_category, Some("category")));
    let mut bad_cause = filing("王芳", &fresh);
    bad_cause["causes"] = json!(["illness", "gambling"]);
    cases.push(("unknown cause", bad_cause, Some("causes")));
    let mut no_cause = filing("王芳", &fresh);
    no_cause["causes"] = json!([]);
    cases.push(("no cause", no_cause, Some("causes")));
    let mut negative = filing("王芳", &fresh);
    let mut m = member("王小明", &child, "child");
    m["income_fen"] = json!(-100);
    negative["members"] = json!([m]);
    cases.push(("negative member income", negative, Some("members")));
    let mut self_member = filing("王芳", &fresh);
    self_member["members"] = json!([member("王芳", &fresh, "other")]);
    cases.push(("member with the worker's ID", self_member, Some("members")));
    let mut twice = filing("王芳", &fresh);
    twice["members"] = json!([
        member("王小明", &child, "child"),
        member("王小亮", &child, "child")
    ]);
    cases.push(("two members with one ID", twice, Some("members")));
    let mut future = filing("王芳", &fresh);
    future["filed_on"] = json!("2999-01-01");
    cases.push(("filed in the future", future, Some("filed_on")));
    let mut bad_phone = filing("王芳", &fresh);
    bad_phone["phone"] = json!("12345");
    cases.push(("bad phone", bad_phone, Some("phone")));
    let mut negative_income = filing("王芳", &fresh);
    negative_income["incomes"] = json!([{ "month": "2019-01", "wages_fen": -1 }]);
    cases.push(("negative monthly income", negative_income, Some("incomes")));
    let mut bad_month = filing("王芳", &fresh);
    bad_month["incomes"] = json!([wages("2019-13", 1000)]);
    cases.push(("month 13", bad_month, Some("incomes")));
    let mut dup_month = filing("王芳", &fresh);
    dup_month["incomes"] = json!([wages("2019-01", 1000), wages("2019-01", 2000)]);
    cases.push(("same month twice", dup_month, Some("incomes")));
    let mut wrong_type = filing("王芳", &fresh);
    wrong_type["migrant"] = json!("yes");
    cases.push(("wrong type", wrong_type, Some("migrant")));
    let mut unknown = filing("王芳", &fresh);
    unknown["salary"] = json!(100);
    cases.push(("unknown field", unknown, Some("salary")));
    let mut bad_region = filing("王芳", &fresh);
    bad_region["division_code"] = json!("449999");
    cases.push(("unknown region", bad_region, Some("division_code")));

    for (label, body, field) in cases {
        let got = api.send("POST", "/api/v1/households", body).await;
        assert_error(label, &got, 400, "invalid_input", field);
        assert_eq!(
            api.total("/api/v1/households").await,
            total,
            "{label}: nothing written"
        );
    }

    // None of the refused filings took the person: the good filing now goes through,
    // and no file number was used up by the refusals.
    let ok = file(api, filing("王芳", &fresh)).await;
    let seq = |no: &str| no[10..].parse::<i64>().unwrap();
    assert_eq!(
        seq(ok["file_no"].as_str().unwrap()),
        seq(&first_no) + 1,
        "consecutive numbers: {first_no} then {}",
        ok["file_no"]
    );
    assert_eq!(api.total("/api/v1/households").await, total + 1);
}

// ---------------------------------------------------------------------------
// 3. One open file per person, across the tree
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_is_in_at_most_one_open_file_across_the_tree() {
    let w = world().await;
    let worker = person("440103", "19800101", 123);
    let wife = person("440103", "19820315", 246);
    let mut body = filing("李明", &worker);
    body["address"] = json!("荔湾区龙津西路 88 号");
    body["members"] = json!([member("陈丽", &wife, "spouse")]);
    let existing = file(&w.a_officer, body).await;
    let file_no = existing["file_no"].as_str().unwrap().to_owned();

    let not_revealing = |label: &str, got: &(u16, Value), field: &str| {
        assert_error(label, got, 409, "conflict", Some(field));
        let message = got.1["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("荔湾区总工会"),
            "{label}: names the union holding the file: {message}"
        );
        assert!(
            !message.contains(&file_no),
            "{label}: no file number: {message}"
        );
        assert!(
            !message.contains("龙津西路"),
            "{label}: no address: {message}"
        );
        assert!(!message.contains(&worker), "{label}: no full ID: {message}");
        assert!(!message.contains(&wife), "{label}: no full ID: {message}");
    };

    // The same worker filed again by another county's officer.
    let mut again = filing("李明", &worker);
    again["address"] = json!("越秀区东风中路 1 号");
    let got = w.b_officer.send("POST", "/api/v1/households", again).await;
    not_revealing("same worker in 越秀区", &got, "worker_id_number");

    // The worker of one file listed as a member of another.
    let mut as_member = filing("黄伟", &person("440104", "19780202", 333));
    as_member["members"] = json!([member("李明", &worker, "sibling")]);
    let got = w
        .b_officer
        .send("POST", "/api/v1/households", as_member)
        .await;
    not_revealing("worker as a member elsewhere", &got, "members");

    // A member of one file filed as the worker of another.
    let got = w
        .b_officer
        .send("POST", "/api/v1/households", filing("陈丽", &wife))
        .await;
    not_revealing("member as a worker elsewhere", &got, "worker_id_number");

    // A member of one file listed as a member of another.
    let mut shared = filing("黄伟", &person("440104", "19780202", 333));
    shared["members"] = json!([member("陈丽", &wife, "spouse")]);
    let got = w.b_officer.send("POST", "/api/v1/households", shared).await;
    not_revealing("member in two files", &got, "members");

    // An edit of another file that adds the person is refused too.
    let other = file(
        &w.b_officer,
        filing("黄伟", &person("440104", "19780202", 333)),
    )
    .await;
    let mut edit = filing("黄伟", "");
    edit["members"] = json!([member("陈丽", &wife, "spouse")]);
    edit["version"] = other["version"].clone();
    let got = w
        .b_officer
        .send(
            "PUT",
            &format!("/api/v1/households/{}", id_of(&other)),
            edit,
        )
        .await;
    not_revealing("edit adding a person on file elsewhere", &got, "members");

    // Nothing was written anywhere.
    assert_eq!(w.b_officer.total("/api/v1/households").await, 1);
    assert_eq!(w.city_reviewer.total("/api/v1/households").await, 2);
    let (_, d) = w
        .b_officer
        .get(&format!("/api/v1/households/{}", id_of(&other)))
        .await;
    assert_eq!(d["members"], json!([]), "the refused edit left no member");
}

// ---------------------------------------------------------------------------
// 4. Scope and permissions
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_seen_only_in_scope_and_changed_only_by_officers() {
    let w = world().await;
    let a = file(
        &w.a_officer,
        filing("李明", &person("440103", "19800101", 123)),
    )
    .await;
    let b = file(
        &w.b_officer,
        filing("黄伟", &person("440104", "19780202", 333)),
    )
    .await;
    let (a_id, b_id) = (id_of(&a), id_of(&b));
    assert_eq!(b["division_code"], "440104");
    assert!(b["file_no"].as_str().unwrap().starts_with("440104"));

    // The sibling county: not found, not listed, not editable, not revealable.
    let got = w.b_officer.get(&format!("/api/v1/households/{a_id}")).await;
    assert_error("越秀区 reads 荔湾区's file", &got, 404, "not_found", None);
    let got = w
        .b_officer
        .get(&format!("/api/v1/households/{a_id}/incomes"))
        .await;
    assert_error(
        "越秀区 reads 荔湾区's incomes",
        &got,
        404,
        "not_found",
        None,
    );
    assert_eq!(w.b_officer.ids("/api/v1/households").await, vec![b_id]);
    assert_eq!(w.a_officer.ids("/api/v1/households").await, vec![a_id]);
    let mut edit = filing("李明", "");
    edit["version"] = a["version"].clone();
    let got = w
        .b_officer
        .send("PUT", &format!("/api/v1/households/{a_id}"), edit)
        .await;
    assert_error("越秀区 edits 荔湾区's file", &got, 404, "not_found", None);
    let got = w
        .b_officer
        .send(
            "PUT",
            &format!("/api/v1/households/{a_id}/incomes"),
            json!({ "version": a["version"], "months": [wages("2019-01", 1)] }),
        )
        .await;
    assert_error(
        "越秀区 records 荔湾区's incomes",
        &got,
        404,
        "not_found",
        None,
    );
    let got = w
        .b_officer
        .send(
            "POST",
            &format!("/api/v1/households/{a_id}/reveal"),
            json!({ "reason": "好奇" }),
        )
        .await;
    assert_error("越秀区 reveals 荔湾区's file", &got, 404, "not_found", None);
    let got = w
        .b_officer
        .get(&format!("/api/v1/households?union_id={}", w.t.county_a))
        .await;
    assert_error(
        "越秀区 lists 荔湾区's subtree",
        &got,
        404,
        "not_found",
        None,
    );
    let mut elsewhere = filing("周红", &person("440103", "19690412", 222));
    elsewhere["union_id"] = json!(w.t.county_a);
    let got = w
        .b_officer
        .send("POST", "/api/v1/households", elsewhere)
        .await;
    assert_error(
        "越秀区 files under 荔湾区",
        &got,
        400,
        "invalid_input",
        Some("union_id"),
    );
    let got = w.a_officer.get("/api/v1/households/987654").await;
    assert_error("a file that does not exist", &got, 404, "not_found", None);

    // The city reviewer sees both counties, reads both, but cannot file.
    let mut both = w.city_reviewer.ids("/api/v1/households").await;
    both.sort_unstable();
    assert_eq!(both, vec![a_id, b_id]);
    for id in [a_id, b_id] {
        let (status, d) = w
            .city_reviewer
            .get(&format!("/api/v1/households/{id}"))
            .await;
        assert_eq!(status, 200, "{d}");
    }
    let got = w
        .city_reviewer
        .send(
            "POST",
            "/api/v1/households",
            filing("周红", &person("440103", "19690412", 222)),
        )
        .await;
    assert_error("reviewer files", &got, 403, "forbidden", None);

    // The city may file for a county below it (naming the union).
    w.app.user("city_officer", "officer", w.t.city).await;
    let city_officer = w.app.api_as("city_officer").await;
    let mut below = filing("周红", &person("440103", "19690412", 222));
    below["union_id"] = json!(w.t.county_a);
    let h = file(&city_officer, below).await;
    assert_eq!(h["union_name"], "荔湾区总工会");
    assert_eq!(h["division_code"], "440103");
    assert_eq!(w.a_officer.total("/api/v1/households").await, 2);

    // A fund officer reads but does not file or edit.
    w.app.user("a_fund", "fund_officer", w.t.county_a).await;
    let fund = w.app.api_as("a_fund").await;
    assert_eq!(fund.total("/api/v1/households").await, 2);
    let (status, d) = fund.get(&format!("/api/v1/households/{a_id}")).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["household"]["worker_id_number"], a["worker_id_number"]);
    let got = fund
        .send(
            "POST",
            "/api/v1/households",
            filing("吴刚", &person("440103", "19700303", 777)),
        )
        .await;
    assert_error("fund officer files", &got, 403, "forbidden", None);
    let mut edit = filing("李明", "");
    edit["version"] = a["version"].clone();
    let got = fund
        .send("PUT", &format!("/api/v1/households/{a_id}"), edit)
        .await;
    assert_error("fund officer edits", &got, 403, "forbidden", None);

    // An administrator manages lines, not households.
    w.app.user("a_admin", "admin", w.t.county_a).await;
    let admin = w.app.api_as("a_admin").await;
    let got = admin
        .send(
            "POST",
            "/api/v1/households",
            filing("吴刚", &person("440103", "19700303", 777)),
        )
        .await;
    assert_error("admin files", &got, 403, "forbidden", None);
    let got = w.city_admin.get("/api/v1/households").await;
    assert_error("admin lists files", &got, 403, "forbidden", None);

    // Without a token: nothing.
    let anon = w.app.anonymous();
    let (status, _) = anon.get("/api/v1/households").await;
    assert_eq!(status, 401);
    assert_eq!(w.city_reviewer.total("/api/v1/households").await, 3);
}

// ---------------------------------------------------------------------------
// 5. Lines, parameters, incomes and the identification of a file
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_and_incomes_give_a_file_its_identification() {
    let w = world().await;

    // The city's administrator sets the city's line, and a district's change.
    let got = w
        .city_admin
        .send(
            "PUT",
            "/api/v1/lines",
            json!({ "division_code": "440100", "effective_month": "2019-01", "dibao_line_fen": 80000 }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);
    assert_eq!(got.1["division_code"], "440100");
    assert_eq!(got.1["effective_month"], "2019-01");
    assert_eq!(got.1["dibao_line_fen"], 80000);
    assert_eq!(got.1["low_income_line_fen"], Value::Null);
    set_line(&w.city_admin, "440103", "2019-04", 90000).await;

    // Bad lines and regions outside the administrator's own.
    let got = w
        .city_admin
        .send(
            "PUT",
            "/api/v1/lines",
            json!({ "division_code": "440100", "effective_month": "2019-13", "dibao_line_fen": 80000 }),
        )
        .await;
    assert_error(
        "line month 13",
        &got,
        400,
        "invalid_input",
        Some("effective_month"),
    );
    let got = w
        .city_admin
        .send(
            "PUT",
            "/api/v1/lines",
            json!({ "division_code": "440100", "effective_month": "2019-01",
                    "dibao_line_fen": 80000, "low_income_line_fen": 70000 }),
        )
        .await;
    assert_error(
        "low-income below 低保",
        &got,
        400,
        "invalid_input",
        Some("low_income_line_fen"),
    );
    let got = w
        .city_admin
        .send(
            "PUT",
            "/api/v1/lines",
            json!({ "division_code": "440100", "effective_month": "2019-01", "dibao_line_fen": 0 }),
        )
        .await;
    assert_error(
        "zero line",
        &got,
        400,
        "invalid_input",
        Some("dibao_line_fen"),
    );
    w.app.user("sz_admin", "admin", w.t.other_city).await;
    let sz_admin = w.app.api_as("sz_admin").await;
    let got = sz_admin
        .send(
            "PUT",
            "/api/v1/lines",
            json!({ "division_code": "440103", "effective_month": "2019-01", "dibao_line_fen": 1 }),
        )
        .await;
    assert_error("深圳 sets 荔湾区's line", &got, 422, "rule_violation", None);
    let got = w
        .a_officer
        .send(
            "PUT",
            "/api/v1/lines",
            json!({ "division_code": "440103", "effective_month": "2019-01", "dibao_line_fen": 1 }),
        )
        .await;
    assert_error("officer sets a line", &got, 403, "forbidden", None);

    // Everyone in 荔湾区 sees the lines that apply there (the city's and its own).
    let (status, lines) = w.a_officer.get("/api/v1/lines").await;
    assert_eq!(status, 200, "{lines}");
    let lines = lines.as_array().unwrap();
    let line = |code: &str, from: &str| {
        lines
            .iter()
            .find(|l| l["division_code"] == code && l["effective_month"] == from)
            .unwrap_or_else(|| panic!("line {code} {from} in {lines:?}"))["dibao_line_fen"]
            .clone()
    };
    assert_eq!(line("440100", "2019-01"), 80000);
    assert_eq!(line("440103", "2019-04"), 90000);

    // Parameters: set for the city, inherited by the district, refused out of range.
    let got = w
        .city_admin
        .send(
            "PUT",
            "/api/v1/params",
            json!({ "division_code": "440100", "window_months": 6, "multiple_k": 5,
                    "baseline_cutoff": "2016-10-31" }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);
    assert_eq!(got.1["source"], "440100");
    let (status, p) = w.a_officer.get("/api/v1/params?division_code=440103").await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["window_months"], 6);
    assert_eq!(p["multiple_k"], 5);
    assert_eq!(p["baseline_cutoff"], "2016-10-31");
    assert_eq!(p["source"], "440100", "inherited from the city");
    let got = w
        .city_admin
        .send(
            "PUT",
            "/api/v1/params",
            json!({ "division_code": "440100", "window_months": 0, "multiple_k": 5,
                    "baseline_cutoff": "2016-10-31" }),
        )
        .await;
    assert_error(
        "window of 0 months",
        &got,
        400,
        "invalid_input",
        Some("window_months"),
    );
    let got = sz_admin
        .send(
            "PUT",
            "/api/v1/params",
            json!({ "division_code": "440100", "window_months": 3, "multiple_k": 5,
                    "baseline_cutoff": "2016-10-31" }),
        )
        .await;
    assert_error(
        "深圳 sets 广州's parameters",
        &got,
        422,
        "rule_violation",
        None,
    );

    // A household of three, not on 低保.
    let mut body = filing("李明", &person("440103", "19800101", 123));
    body["members"] = json!([
        member("陈丽", &person("440103", "19820315", 246), "spouse"),
        member("李小明", &person("440103", "20080808", 135), "child"),
    ]);
    let h = file(&w.a_officer, body).await;
    let id = id_of(&h);
    assert_eq!(h["size"], 3);
    let path = format!("/api/v1/households/{id}");
    let incomes_path = format!("/api/v1/households/{id}/incomes");

    // Five months: not enough.
    let (_, d) = w.a_officer.get(&path).await;
    let v1 = d["household"]["version"].clone();
    let five: Vec<Value> = first_half_2019(150_000).into_iter().take(5).collect();
    let got = w
        .a_officer
        .send(
            "PUT",
            &incomes_path,
            json!({ "version": v1, "months": five }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);
    assert_eq!(got.1["decision"], "insufficient");
    let (_, d) = w.a_officer.get(&path).await;
    let ident = &d["identification"];
    assert_eq!(ident["insufficient_data"], true, "{ident}");
    assert_eq!(ident["eligible"], false);
    assert_eq!(ident["condition"], Value::Null);
    assert_eq!(ident["refer_for_dibao"], false);
    assert!(ident["reasons"].as_array().is_some_and(|r| !r.is_empty()));
    assert_eq!(d["household"]["decision"], "insufficient");

    // The sixth month: eligible under condition 1, with each month's line.
    let v2 = d["household"]["version"].clone();
    assert_ne!(v1, v2, "recording incomes is a change of the file");
    let got = w
        .a_officer
        .send(
            "PUT",
            &incomes_path,
            json!({ "version": v2, "months": [wages("2019-06", 150_000)] }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);
    assert_eq!(got.1["decision"], "eligible");
    assert_eq!(got.1["decision_condition"], 1);

    let (_, d) = w.a_officer.get(&path).await;
    let ident = &d["identification"];
    assert_eq!(ident["eligible"], true, "{ident}");
    assert_eq!(ident["condition"], 1);
    assert_eq!(ident["insufficient_data"], false);
    assert_eq!(
        ident["refer_for_dibao"], true,
        "below the line, not on 低保"
    );
    assert_eq!(ident["category"], "near_dibao");
    assert_eq!(ident["window_months"], 6);
    assert_eq!(ident["multiple_k"], 5);
    assert_eq!(
        ident["window"],
        json!(["2019-01", "2019-02", "2019-03", "2019-04", "2019-05", "2019-06"])
    );
    let months = ident["months"].as_array().unwrap();
    assert_eq!(months.len(), 6);
    let lines_used: Vec<i64> = months
        .iter()
        .map(|m| m["dibao_line_fen"].as_i64().unwrap())
        .collect();
    assert_eq!(
        lines_used,
        vec![80000, 80000, 80000, 90000, 90000, 90000],
        "the city's line, then the district's change from 2019-04"
    );
    assert_eq!(months[0]["month"], "2019-01");
    assert_eq!(months[0]["income_fen"], 150_000);
    assert_eq!(months[0]["per_capita_income_fen"], 50_000);
    assert_eq!(months[0]["low_income_line_fen"], 120_000);
    assert_eq!(months[0]["low_income_line_defaulted"], true);
    assert_eq!(months[5]["low_income_line_fen"], 135_000);
    assert!(ident["reasons"][0].as_str().unwrap().contains("条件一"));
    assert_eq!(d["household"]["decision"], "eligible");
    assert_eq!(d["household"]["decision_condition"], 1);
    assert_eq!(d["incomes"].as_array().unwrap().len(), 6);

    // A stale version is refused and writes nothing.
    let (_, incomes_before) = w.a_officer.get(&incomes_path).await;
    let got = w
        .a_officer
        .send(
            "PUT",
            &incomes_path,
            json!({ "version": v2, "months": [wages("2019-06", 999_999)], "remove": ["2019-01"] }),
        )
        .await;
    assert_error("stale incomes", &got, 409, "conflict", Some("version"));
    let (status, incomes_after) = w.a_officer.get(&incomes_path).await;
    assert_eq!(status, 200);
    assert_eq!(incomes_after, incomes_before, "nothing written");
    assert_eq!(incomes_after[5]["month"], "2019-06");
    assert_eq!(incomes_after[5]["wages_fen"], 150_000);
    assert_eq!(incomes_after[5]["income_fen"], 150_000);

    // Bad months are refused too.
    let (_, d) = w.a_officer.get(&path).await;
    let v3 = d["household"]["version"].clone();
    let got = w
        .a_officer
        .send(
            "PUT",
            &incomes_path,
            json!({ "version": v3, "months": [{ "month": "2019-07", "wages_fen": -5 }] }),
        )
        .await;
    assert_error(
        "negative wages",
        &got,
        400,
        "invalid_input",
        Some("incomes"),
    );

    // Removing a month makes the data insufficient again; the list follows.
    let got = w
        .a_officer
        .send(
            "PUT",
            &incomes_path,
            json!({ "version": v3, "remove": ["2019-03"] }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);
    assert_eq!(got.1["decision"], "insufficient");
    let (_, d) = w.a_officer.get(&path).await;
    assert_eq!(d["identification"]["insufficient_data"], true);
    assert_eq!(d["incomes"].as_array().unwrap().len(), 5);
    assert_eq!(
        w.a_officer
            .total("/api/v1/households?decision=insufficient")
            .await,
        1
    );
    assert_eq!(
        w.a_officer
            .total("/api/v1/households?decision=eligible")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_household_on_dibao_with_high_expenses_meets_condition_two() {
    let w = world().await;
    set_line(&w.city_admin, "440100", "2019-01", 80000).await;
    // Two people on 低保 since 2018; income below the line, medical costs on top.
    let mut body = filing("王芳", &person("440103", "19750707", 222));
    body["members"] = json!([member(
        "王小明",
        &person("440103", "20100101", 111),
        "child"
    )]);
    body["category"] = json!("dibao");
    body["dibao_since"] = json!("2018-06");
    body["incomes"] = json!((1..=6)
        .map(|m| json!({ "month": format!("2019-{m:02}"), "transfer_fen": 150_000, "medical_fen": 20_000 }))
        .collect::<Vec<_>>());
    let h = file(&w.a_officer, body).await;
    assert_eq!(h["decision"], "eligible", "{h}");
    assert_eq!(h["decision_condition"], 2);
    let (_, d) = w
        .a_officer
        .get(&format!("/api/v1/households/{}", id_of(&h)))
        .await;
    let ident = &d["identification"];
    assert_eq!(ident["condition"], 2, "{ident}");
    assert_eq!(ident["category"], "dibao");
    assert_eq!(ident["refer_for_dibao"], false, "already on 低保");
    assert_eq!(d["incomes"][0]["income_fen"], 150_000);
    assert_eq!(d["incomes"][0]["rigid_expenditure_fen"], 20_000);
    assert_eq!(ident["months"][0]["actual_per_capita_fen"], 65_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_baseline_cutoff_is_a_parameter_of_the_region() {
    let w = world().await;
    let got = w
        .city_admin
        .send(
            "PUT",
            "/api/v1/params",
            json!({ "division_code": "440104", "window_months": 6, "multiple_k": 5,
                    "baseline_cutoff": "2017-12-31" }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);
    let mut body = filing("黄伟", &person("440104", "19780202", 333));
    body["filed_on"] = json!("2017-06-01");
    let h = file(&w.b_officer, body).await;
    assert_eq!(h["cohort"], "baseline", "越秀区's cut-off is 2017-12-31");
    let mut body = filing("李明", &person("440103", "19800101", 123));
    body["filed_on"] = json!("2017-06-01");
    let h = file(&w.a_officer, body).await;
    assert_eq!(
        h["cohort"], "incremental",
        "荔湾区 keeps the default cut-off"
    );
}

// ---------------------------------------------------------------------------
// 6. Optimistic versions
// ---------------------------------------------------------------------------

/// The edit body a script builds from GET: masked numbers mean "keep".
fn edit_body(d: &Value) -> Value {
    let h = &d["household"];
    let members: Vec<Value> = d["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            json!({
                "name": m["name"], "id_number": m["id_number"], "relation": m["relation"],
                "health": m["health"], "schooling": m["schooling"],
                "employment": m["employment"], "income_fen": m["income_fen"],
            })
        })
        .collect();
    json!({
        "worker_name": h["worker_name"],
        "worker_id_number": h["worker_id_number"],
        "phone": h["phone"],
        "address": h["address"],
        "division_code": h["division_code"],
        "employer": h["employer"],
        "employer_kind": h["employer_kind"],
        "employment": h["employment"],
        "labour_capacity": h["labour_capacity"],
        "health": h["health"],
        "causes": h["causes"],
        "category": h["category"],
        "tier": h["tier"],
        "filed_on": h["filed_on"],
        "members": members,
        "version": h["version"],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_save_from_one_version_is_refused_not_overwritten() {
    let w = world().await;
    w.app.user("a_officer2", "officer", w.t.county_a).await;
    let other = w.app.api_as("a_officer2").await;
    let worker = person("440103", "19800101", 123);
    let wife = person("440103", "19820315", 246);
    let mut body = filing("李明", &worker);
    body["members"] = json!([member("陈丽", &wife, "spouse")]);
    let h = file(&w.a_officer, body).await;
    let path = format!("/api/v1/households/{}", id_of(&h));

    // Both officers open the file.
    let (_, d) = w.a_officer.get(&path).await;
    let (_, d2) = other.get(&path).await;
    let mut first = edit_body(&d);
    first["address"] = json!("荔湾区新地址甲 1 号");
    let mut second = edit_body(&d2);
    second["address"] = json!("荔湾区新地址乙 2 号");
    second["category"] = json!("sudden");

    let got = w.a_officer.send("PUT", &path, first).await;
    assert_eq!(got.0, 200, "{}", got.1);
    assert_eq!(got.1["address"], "荔湾区新地址甲 1 号");
    assert_ne!(got.1["version"], d["household"]["version"]);
    let got = other.send("PUT", &path, second).await;
    assert_error("second save", &got, 409, "conflict", Some("version"));

    let (_, now) = w.a_officer.get(&path).await;
    assert_eq!(
        now["household"]["address"], "荔湾区新地址甲 1 号",
        "the first save"
    );
    assert_eq!(
        now["household"]["category"], "near_dibao",
        "nothing of the second"
    );
    // The masked numbers sent back kept the stored ones.
    let (_, r) = w
        .a_officer
        .send(
            "POST",
            &format!("{path}/reveal"),
            json!({ "reason": "核对修改" }),
        )
        .await;
    assert_eq!(r["worker_id_number"], worker.as_str(), "{r}");
    assert_eq!(r["phone"], "13800138000");
    assert_eq!(r["members"][0]["id_number"], wife.as_str());

    // A save without a version is refused.
    let mut no_version = edit_body(&now);
    no_version.as_object_mut().unwrap().remove("version");
    let got = w.a_officer.send("PUT", &path, no_version).await;
    assert_error("no version", &got, 400, "invalid_input", Some("version"));

    // Two saves sent at the same moment: one wins, the other is told.
    let (_, d) = w.a_officer.get(&path).await;
    let mut a = edit_body(&d);
    a["notes"] = json!("甲的备注");
    let mut b = edit_body(&d);
    b["notes"] = json!("乙的备注");
    let (ra, rb) = tokio::join!(
        w.a_officer.send("PUT", &path, a),
        other.send("PUT", &path, b)
    );
    let mut statuses = [ra.0, rb.0];
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [200, 409],
        "one save, one refusal: {} / {}",
        ra.1,
        rb.1
    );
    let winner = if ra.0 == 200 {
        "甲的备注"
    } else {
        "乙的备注"
    };
    let loser = if ra.0 == 200 { &rb } else { &ra };
    assert_eq!(loser.1["error"]["code"], "conflict");
    let (_, now) = w.a_officer.get(&path).await;
    assert_eq!(now["household"]["notes"], winner);
}

// ---------------------------------------------------------------------------
// 7. Finding files
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_found_by_name_id_and_filters_sorted_and_paged() {
    let w = world().await;
    set_line(&w.city_admin, "440100", "2019-01", 80000).await;

    // 荔湾区: 李明 (eligible from its incomes), 王芳 (on 低保, migrant, baseline),
    // 赵强 (living in 深圳福田区, sudden). 越秀区: 李华.
    let li_ming_id = person("440103", "19800101", 123);
    let mut li_ming = filing("李明", &li_ming_id);
    li_ming["causes"] = json!(["illness"]);
    li_ming["incomes"] = json!(first_half_2019(50_000));
    let a = file(&w.a_officer, li_ming).await;
    assert_eq!(a["decision"], "eligible", "{a}");

    let wang_child = person("440103", "20100101", 111);
    let mut wang = filing("王芳", &person("440103", "19750707", 222));
    wang["category"] = json!("dibao");
    wang["tier"] = json!("county");
    wang["causes"] = json!(["disability"]);
    wang["migrant"] = json!(true);
    wang["dibao_since"] = json!("2018-01");
    wang["filed_on"] = json!("2016-05-01");
    wang["members"] = json!([member("王小明", &wang_child, "child")]);
    let b = file(&w.a_officer, wang).await;
    assert_eq!(b["cohort"], "baseline");

    let mut zhao = filing("赵强", &person("440304", "19770808", 111));
    zhao["category"] = json!("sudden");
    zhao["tier"] = json!("grassroots");
    zhao["causes"] = json!(["accident"]);
    zhao["division_code"] = json!("440304");
    let c = file(&w.a_officer, zhao).await;
    assert_eq!(c["division_code"], "440304");
    assert_eq!(c["division_name"], "广东省 深圳市 福田区");

    let li_hua_id = person("440104", "19880909", 321);
    let mut li_hua = filing("李华", &li_hua_id);
    li_hua["causes"] = json!(["schooling", "low_wage"]);
    li_hua["filed_on"] = json!("2016-11-01");
    let d = file(&w.b_officer, li_hua).await;
    assert_eq!(d["cohort"], "incremental");

    let r = &w.city_reviewer;
    let all = ["李明", "王芳", "赵强", "李华"];
    assert_eq!(r.total("/api/v1/households").await, 4);
    assert_eq!(name_set(r, "/api/v1/households").await, sorted(&all));

    // Lists show numbers masked.
    let (_, list) = r.get("/api/v1/households?per_page=100").await;
    for item in list["items"].as_array().unwrap() {
        let id = item["worker_id_number"].as_str().unwrap();
        assert!(id.contains("**********"), "masked: {id}");
        assert_eq!(item["phone"], "138****8000");
    }
    assert!(!list.to_string().contains(&li_ming_id));

    let cases: Vec<(String, Vec<&str>)> = vec![
        // By name (part of it).
        ("q=%E6%98%8E".into(), vec!["李明"]),         // 明
        ("q=%E6%9D%8E".into(), vec!["李明", "李华"]), // 李
        ("q=%E8%8A%B3".into(), vec!["王芳"]),         // 芳
        // By full ID of the worker, or of a member.
        (format!("q={li_hua_id}"), vec!["李华"]),
        (format!("q={wang_child}"), vec!["王芳"]),
        // By the start of an ID or file number.
        ("q=440304".into(), vec!["赵强"]),
        ("q=440104".into(), vec!["李华"]),
        // Filters.
        ("category=dibao".into(), vec!["王芳"]),
        ("category=sudden".into(), vec!["赵强"]),
        ("category=near_dibao".into(), vec!["李明", "李华"]),
        ("tier=national".into(), vec!["李明", "李华"]),
        ("tier=local".into(), vec!["王芳", "赵强"]),
        ("tier=county".into(), vec!["王芳"]),
        ("tier=grassroots".into(), vec!["赵强"]),
        ("tier=province".into(), vec![]),
        ("cohort=baseline".into(), vec!["王芳"]),
        ("cohort=incremental".into(), vec!["李明", "赵强", "李华"]),
        ("migrant=true".into(), vec!["王芳"]),
        ("migrant=false".into(), vec!["李明", "赵强", "李华"]),
        ("cause=schooling".into(), vec!["李华"]),
        ("cause=illness".into(), vec!["李明"]),
        ("cause=unemployment".into(), vec![]),
        ("decision=eligible".into(), vec!["李明"]),
        ("decision=insufficient".into(), vec!["王芳", "赵强", "李华"]),
        ("status=on_file".into(), all.to_vec()),
        ("status=closed".into(), vec![]),
        (format!("union_id={}", w.t.county_b), vec!["李华"]),
        (
            format!("union_id={}", w.t.county_a),
            vec!["李明", "王芳", "赵强"],
        ),
        (format!("union_id={}", w.t.city), all.to_vec()),
        ("region=440100".into(), vec!["李明", "王芳", "李华"]),
        ("region=440103".into(), vec!["李明", "王芳"]),
        ("region=440300".into(), vec!["赵强"]),
        ("region=440000".into(), all.to_vec()),
        ("filed_until=2016-12-31".into(), vec!["王芳", "李华"]),
        (
            "filed_from=2016-11-01&filed_until=2016-11-01".into(),
            vec!["李华"],
        ),
        // Combined.
        (
            format!("category=near_dibao&union_id={}", w.t.county_a),
            vec!["李明"],
        ),
        (
            "q=%E6%9D%8E&cohort=incremental&tier=national".into(),
            vec!["李明", "李华"],
        ),
    ];
    let mut wrong = Vec::new();
    for (query, want) in &cases {
        let path = format!("/api/v1/households?per_page=100&{query}");
        let got = name_set(r, &path).await;
        if got != sorted(want) {
            wrong.push(format!("{query}: want {want:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "filters:\n{}", wrong.join("\n"));

    // The 越秀区 officer's search never reaches 荔湾区's files.
    assert_eq!(
        name_set(&w.b_officer, &format!("/api/v1/households?q={wang_child}")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        name_set(&w.b_officer, "/api/v1/households?q=%E6%9D%8E").await,
        vec!["李华".to_owned()]
    );

    // Sorting.
    assert_eq!(
        names(r, "/api/v1/households?sort=name").await,
        vec!["李华", "李明", "王芳", "赵强"]
    );
    let by_date = names(r, "/api/v1/households?sort=filed_asc").await;
    assert_eq!(&by_date[..2], ["王芳", "李华"]);
    let newest_first = names(r, "/api/v1/households").await;
    assert_eq!(
        &newest_first[2..],
        ["李华", "王芳"],
        "default: newest filing first"
    );

    // Paging.
    let (status, page) = r.get("/api/v1/households?sort=name&per_page=1").await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 4);
    assert_eq!(page["per_page"], 1);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["worker_name"], "李华");
    assert_eq!(
        names(r, "/api/v1/households?sort=name&per_page=1&page=2").await,
        vec!["李明"]
    );
    assert_eq!(
        names(r, "/api/v1/households?sort=name&per_page=3&page=2").await,
        vec!["赵强"]
    );
    assert_eq!(
        names(r, "/api/v1/households?sort=name&per_page=3&page=9").await,
        Vec::<String>::new()
    );

    // Bad filter values are named.
    let got = r.get("/api/v1/households?category=poorest").await;
    assert_error(
        "bad category filter",
        &got,
        400,
        "invalid_input",
        Some("category"),
    );
    let got = r.get("/api/v1/households?region=449999").await;
    assert_error(
        "bad region filter",
        &got,
        400,
        "invalid_input",
        Some("region"),
    );
    let got = r.get("/api/v1/households?filed_from=2016-13-01").await;
    assert_error(
        "bad date filter",
        &got,
        400,
        "invalid_input",
        Some("filed_from"),
    );
    let got = r.get("/api/v1/households?union_id=987654").await;
    assert_error("unknown union", &got, 404, "not_found", None);
}

// ---------------------------------------------------------------------------
// 8. Revealing an identity
// ---------------------------------------------------------------------------

/// Every page and answer about a file that a reader opens, as the officer
/// who filed it (who may reveal) and as a reviewer above: the full numbers
/// and the phone appear in none of them, because the service masks them
/// before anything reaches a page or the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_or_answer_about_a_file_carries_a_full_number() {
    let w = world().await;
    let worker = person("440103", "19800101", 123);
    let wife = person("440103", "19820315", 246);
    let mut body = filing("李明", &worker);
    body["members"] = json!([member("陈丽", &wife, "spouse")]);
    let h = file(&w.a_officer, body).await;
    let id = id_of(&h);
    let secrets = [worker.as_str(), wife.as_str(), "13800138000"];
    let clean = |what: &str, text: &str| {
        for s in secrets {
            assert!(!text.contains(s), "{what} shows {s}");
        }
    };
    for api in [&w.a_officer, &w.city_reviewer] {
        for path in [
            format!("/api/v1/households/{id}"),
            "/api/v1/households".to_owned(),
            format!("/api/v1/households?q={worker}"),
            format!("/api/v1/exits/preview?household_id={id}&kind=removal"),
        ] {
            let (status, v) = api.get(&path).await;
            assert_eq!(status, 200, "{path}: {v}");
            clean(&path, &v.to_string());
        }
    }
    for user in ["a_officer", "city_reviewer"] {
        let (client, _) = w.app.html_login(user, common::PASSWORD).await;
        for path in [
            format!("/households/{id}"),
            format!("/households/{id}/edit"),
            format!("/households/{id}/print"),
            // Searched by name: the search box echoes what was typed.
            "/households?q=李明".to_owned(),
            format!("/exits/new?household={id}&kind=removal"),
        ] {
            let (_, html) = w.app.page(&client, &path).await;
            clean(&format!("{user} {path}"), &html);
        }
        // Not vacuous: the file page shows the number, masked.
        let (status, html) = w.app.page(&client, &format!("/households/{id}")).await;
        assert_eq!(status, 200, "{user}");
        assert!(
            html.contains(&masked_id(&worker)),
            "{user}: masked number shown"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revealing_needs_a_reason_and_is_audited() {
    let w = world().await;
    let worker = person("440103", "19800101", 123);
    let wife = person("440103", "19820315", 246);
    let mut body = filing("李明", &worker);
    body["members"] = json!([
        member("陈丽", &wife, "spouse"),
        member("李小宝", "", "child")
    ]);
    let h = file(&w.a_officer, body).await;
    let id = id_of(&h);
    let path = format!("/api/v1/households/{id}/reveal");

    let got = w.a_officer.send("POST", &path, json!({})).await;
    assert_error("no reason", &got, 400, "invalid_input", Some("reason"));
    let got = w
        .a_officer
        .send("POST", &path, json!({ "reason": "  " }))
        .await;
    assert_error("blank reason", &got, 400, "invalid_input", Some("reason"));

    let (status, r) = w
        .a_officer
        .send("POST", &path, json!({ "reason": "入户核查前核对身份" }))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["worker_id_number"], worker.as_str());
    assert_eq!(r["phone"], "13800138000");
    assert_eq!(r["members"][0]["name"], "陈丽");
    assert_eq!(r["members"][0]["id_number"], wife.as_str());
    assert_eq!(r["members"][1]["name"], "李小宝");
    assert_eq!(r["members"][1]["id_number"], Value::Null);

    // The reviewer above may reveal too; the fund officer may not.
    let (status, _) = w
        .city_reviewer
        .send("POST", &path, json!({ "reason": "审核建档" }))
        .await;
    assert_eq!(status, 200);
    w.app.user("a_fund", "fund_officer", w.t.county_a).await;
    let fund = w.app.api_as("a_fund").await;
    let got = fund
        .send("POST", &path, json!({ "reason": "发放帮扶资金前核对" }))
        .await;
    assert_error("fund officer reveals", &got, 403, "forbidden", None);

    // The auditor sees who looked, at which file, and why — not the number itself.
    w.app.user("a_auditor", "auditor", w.t.county_a).await;
    let auditor = w.app.api_as("a_auditor").await;
    let (status, log) = auditor.get("/api/v1/audit?action=reveal_identity").await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(
        log["total"], 2,
        "two reveals, the refused ones not counted: {log}"
    );
    let items = log["items"].as_array().unwrap();
    let by_officer = items
        .iter()
        .find(|e| e["actor_username"] == "a_officer")
        .unwrap_or_else(|| panic!("the officer's reveal in {log}"));
    assert_eq!(by_officer["action"], "reveal_identity");
    assert_eq!(by_officer["object_id"], id.to_string());
    assert_eq!(
        common::audit_json(&by_officer["after"])["reason"],
        "入户核查前核对身份"
    );
    assert!(items.iter().any(|e| e["actor_username"] == "city_reviewer"));
    assert!(
        !log.to_string().contains(&worker),
        "the log keeps no full ID"
    );
    assert!(!log.to_string().contains(&wife), "the log keeps no full ID");

    // The auditor may reveal (with a reason) as well.
    let (status, _) = auditor
        .send("POST", &path, json!({ "reason": "专项检查" }))
        .await;
    assert_eq!(status, 200);
}

// ---------------------------------------------------------------------------
// 9. Stateless calculators
// ---------------------------------------------------------------------------

fn eval_month(month: &str, income: i64) -> Value {
    json!({ "month": month, "income_fen": income, "rigid_expenditure_fen": 0,
            "dibao_line_fen": 80000, "low_income_line_fen": 120000 })
}

/// The example: three people, 低保 80000, incomes under 3 × 80000,
/// given in no particular order, two older months beyond the window.
fn example(incomes: &[(&str, i64)]) -> Value {
    json!({
        "household_size": 3,
        "on_dibao": false,
        "migrant": false,
        "params": { "window_months": 6, "multiple_k": 5 },
        "months": incomes.iter().map(|(m, i)| eval_month(m, *i)).collect::<Vec<_>>(),
    })
}

const SHUFFLED: [&str; 8] = [
    "2019-04", "2018-11", "2019-06", "2019-01", "2018-12", "2019-03", "2019-05", "2019-02",
];

fn shuffled_with(special: &str, income: i64) -> Value {
    let v: Vec<(&str, i64)> = SHUFFLED
        .iter()
        .map(|m| (*m, if *m == special { income } else { 180_000 }))
        .collect();
    example(&v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_identification_calculator_needs_no_sign_in() {
    let app = common::spawn().await;
    let eval = |body: Value| post_anonymous(&app, "/api/v1/identification/evaluate", body);

    let (status, r) = eval(shuffled_with("", 0)).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["eligible"], true, "{r}");
    assert_eq!(r["condition"], 1);
    assert_eq!(r["insufficient_data"], false);
    assert_eq!(r["migrant"], false);
    assert_eq!(
        r["category"], "near_dibao",
        "not on 低保, within the low-income line"
    );
    assert_eq!(r["refer_for_dibao"], true);
    assert_eq!(
        r["window"],
        json!(["2019-01", "2019-02", "2019-03", "2019-04", "2019-05", "2019-06"]),
        "the latest six, ascending"
    );
    assert_eq!(r["months"].as_array().unwrap().len(), 6);
    assert_eq!(r["months"][0]["month"], "2019-01");
    assert_eq!(r["months"][0]["per_capita_income_fen"], 60_000);
    assert!(r["reasons"][0].as_str().unwrap().contains("条件一"), "{r}");

    // Exactly 3 × 80000 in one month is not below the line: not condition 1.
    // Within the low-income line and the window's total below the lines', but
    // nothing spent beyond living (ΣE = 0): conditions 2–4 do not hold.
    let (status, r) = eval(shuffled_with("2019-03", 240_000)).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["eligible"], false, "{r}");
    assert_eq!(r["condition"], Value::Null, "{r}");
    assert_eq!(
        r["reasons"][2], "条件三：窗口内无非生活性支出（ΣE = 0），条件二至四不成立",
        "{r}"
    );
    // With non-living expenditure in the window: condition 3.
    let mut spent = shuffled_with("2019-03", 240_000);
    for m in spent["months"].as_array_mut().unwrap() {
        m["rigid_expenditure_fen"] = json!(10_000);
    }
    let (status, r) = eval(spent).await;
    assert_eq!(status, 200, "{r}");
    assert_ne!(r["condition"], 1, "{r}");
    assert_eq!(r["condition"], 3, "{r}");
    assert_eq!(r["refer_for_dibao"], false);
    assert!(r["reasons"][0].as_str().unwrap().contains("条件三"), "{r}");
    // One fen less is below the line again.
    let (_, r) = eval(shuffled_with("2019-03", 239_999)).await;
    assert_eq!(r["condition"], 1, "{r}");
    // Income equal to the line in a month outside the window does not count.
    let (_, r) = eval(shuffled_with("2018-12", 240_000)).await;
    assert_eq!(r["condition"], 1, "{r}");

    // Exactly the low-income line (3 × 120000) with no expenditure: ΣA ≥ ΣL → not eligible.
    let all_at_li: Vec<(&str, i64)> = SHUFFLED.iter().map(|m| (*m, 360_000)).collect();
    let (_, r) = eval(example(&all_at_li)).await;
    assert_eq!(r["eligible"], false, "{r}");
    assert_eq!(r["condition"], Value::Null);
    assert_eq!(r["category"], Value::Null);
    assert_eq!(r["insufficient_data"], false);
    assert_eq!(
        r["reasons"].as_array().unwrap().len(),
        4,
        "a reason for each condition: {r}"
    );

    // On 低保: condition 1 does not apply; category 低保户 when eligible.
    let mut on_dibao = shuffled_with("", 0);
    on_dibao["on_dibao"] = json!(true);
    for m in on_dibao["months"].as_array_mut().unwrap() {
        m["rigid_expenditure_fen"] = json!(100_000);
    }
    let (_, r) = eval(on_dibao).await;
    assert_eq!(r["condition"], 2, "{r}");
    assert_eq!(r["category"], "dibao");

    // A migrant household that meets a condition is filed under 5 too.
    let mut migrant = shuffled_with("", 0);
    migrant["migrant"] = json!(true);
    let (_, r) = eval(migrant).await;
    assert_eq!(r["migrant"], true, "{r}");
    assert_eq!(r["condition"], 1);
    assert!(r["reasons"].to_string().contains("条件五"), "{r}");

    // Optional parameters and low-income lines: defaults apply.
    let (status, r) = eval(json!({
        "household_size": 3,
        "months": (1..=6).map(|m| json!({ "month": format!("2019-{m:02}"),
            "income_fen": 180_000, "dibao_line_fen": 80000 })).collect::<Vec<_>>(),
    }))
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["condition"], 1);
    assert_eq!(r["window_months"], 6);
    assert_eq!(r["multiple_k"], 5);
    assert_eq!(r["months"][0]["low_income_line_fen"], 120_000);
    assert_eq!(r["months"][0]["low_income_line_defaulted"], true);

    // A gap in the latest months: insufficient data, not a refusal.
    let gap: Vec<(&str, i64)> = [
        "2019-01", "2019-02", "2019-03", "2019-05", "2019-06", "2019-07",
    ]
    .iter()
    .map(|m| (*m, 180_000))
    .collect();
    let (status, r) = eval(example(&gap)).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["insufficient_data"], true, "{r}");
    assert_eq!(r["eligible"], false);
    assert_eq!(r["condition"], Value::Null);
    assert!(
        r["reasons"].to_string().contains("2019-04"),
        "names the gap: {r}"
    );
    // Fewer than six months.
    let five: Vec<(&str, i64)> = ["2019-01", "2019-02", "2019-03", "2019-04", "2019-05"]
        .iter()
        .map(|m| (*m, 180_000))
        .collect();
    let (_, r) = eval(example(&five)).await;
    assert_eq!(r["insufficient_data"], true, "{r}");

    // Invalid input: 400 naming the field.
    let mut dup = shuffled_with("", 0);
    dup["months"]
        .as_array_mut()
        .unwrap()
        .push(eval_month("2019-06", 1));
    let got = eval(dup).await;
    assert_error(
        "duplicate months",
        &got,
        400,
        "invalid_input",
        Some("months"),
    );
    let mut bad_month = shuffled_with("", 0);
    bad_month["months"][0]["month"] = json!("2019-13");
    let got = eval(bad_month).await;
    assert_error("month 13", &got, 400, "invalid_input", Some("months"));
    let mut not_a_month = shuffled_with("", 0);
    not_a_month["months"][0]["month"] = json!("June 2019");
    let got = eval(not_a_month).await;
    assert_error("not a month", &got, 400, "invalid_input", Some("months"));
    let mut negative_size = shuffled_with("", 0);
    negative_size["household_size"] = json!(-1);
    let got = eval(negative_size).await;
    assert_error(
        "size -1",
        &got,
        400,
        "invalid_input",
        Some("household_size"),
    );
    let mut zero_size = shuffled_with("", 0);
    zero_size["household_size"] = json!(0);
    let got = eval(zero_size).await;
    assert_error("size 0", &got, 400, "invalid_input", Some("household_size"));
    let mut no_size = shuffled_with("", 0);
    no_size.as_object_mut().unwrap().remove("household_size");
    let got = eval(no_size).await;
    assert_error(
        "no size",
        &got,
        400,
        "invalid_input",
        Some("household_size"),
    );
    let mut negative_income = shuffled_with("", 0);
    negative_income["months"][0]["income_fen"] = json!(-1);
    let got = eval(negative_income).await;
    assert_error(
        "negative income",
        &got,
        400,
        "invalid_input",
        Some("months"),
    );
    let mut zero_window = shuffled_with("", 0);
    zero_window["params"]["window_months"] = json!(0);
    let got = eval(zero_window).await;
    assert_error(
        "window 0",
        &got,
        400,
        "invalid_input",
        Some("window_months"),
    );
    let mut float_income = shuffled_with("", 0);
    float_income["months"][0]["income_fen"] = json!(1800.5);
    let got = eval(float_income).await;
    assert_eq!(got.0, 400, "money is whole fen: {}", got.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_id_number_validator_explains_in_chinese() {
    let app = common::spawn().await;
    let check = |id: String| {
        post_anonymous(
            &app,
            "/api/v1/id-numbers/validate",
            json!({ "id_number": id }),
        )
    };

    let woman = person("440103", "19820315", 246);
    let (status, r) = check(woman.clone()).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["valid"], true, "{r}");
    assert_eq!(r["normalized"], woman.as_str());
    assert_eq!(r["birth_date"], "1982-03-15");
    assert_eq!(r["sex"], "female");

    let x = person_with_x("110105", "19491231");
    let (_, r) = check(format!(" {}x ", &x[..17])).await;
    assert_eq!(r["valid"], true, "{r}");
    assert_eq!(r["normalized"], x.as_str(), "upper-case X, no spaces");
    assert_eq!(r["birth_date"], "1949-12-31");

    let has_chinese = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let invalid = [
        with_wrong_check(&woman),
        woman[..17].to_owned(),
        person("990103", "19820315", 246),
        person("440103", "19820230", 246),
        person("440103", "29990101", 246),
        String::new(),
    ];
    for id in invalid {
        let (status, r) = check(id.clone()).await;
        assert_eq!(status, 200, "{id}: {r}");
        assert_eq!(r["valid"], false, "{id}: {r}");
        assert_eq!(r["normalized"], Value::Null);
        let reason = r["reason"].as_str().unwrap_or_default();
        assert!(has_chinese(reason), "{id}: a reason in Chinese: {r}");
    }
    let (_, r) = check(with_wrong_check(&woman)).await;
    assert!(r["reason"].as_str().unwrap().contains("校验位"), "{r}");
}

// ---------------------------------------------------------------------------
// 10. The OpenAPI document
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_the_household_endpoints() {
    let app = common::spawn().await;
    let res = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    let paths = doc["paths"].as_object().expect("paths");
    let methods = |p: &str| -> Vec<String> {
        paths
            .get(p)
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let expected: [(&str, &[&str]); 9] = [
        ("/api/v1/households", &["get", "post"]),
        ("/api/v1/households/{id}", &["get", "put"]),
        ("/api/v1/households/{id}/incomes", &["get", "put"]),
        ("/api/v1/households/{id}/reveal", &["post"]),
        ("/api/v1/lines", &["get", "put"]),
        ("/api/v1/params", &["get", "put"]),
        ("/api/v1/identification/evaluate", &["post"]),
        ("/api/v1/id-numbers/validate", &["post"]),
        ("/api/v1/households/reidentify", &["post"]),
    ];
    let mut missing = Vec::new();
    for (path, ms) in expected {
        let got = methods(path);
        for m in ms {
            if !got.iter().any(|g| g == m) {
                missing.push(format!("{m} {path}"));
            }
        }
    }
    assert!(missing.is_empty(), "missing from the document: {missing:?}");
    // The calculators are public: no sign-in required.
    for p in [
        "/api/v1/identification/evaluate",
        "/api/v1/id-numbers/validate",
    ] {
        let security = &paths[p]["post"]["security"];
        assert!(
            security.as_array().is_some_and(|s| s
                .iter()
                .any(|r| r.as_object().is_some_and(|o| o.is_empty()))),
            "{p} needs no token: {security}"
        );
    }
}

// ---------------------------------------------------------------------------
// More: edits, people freed, races, incomes round trip, re-identification,
// exact boundaries, search details, audit snapshots.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_does_not_move_the_filing_date() {
    let w = world().await;
    let mut body = filing("王芳", &person("440103", "19750707", 222));
    body["filed_on"] = json!("2016-05-01");
    let h = file(&w.a_officer, body).await;
    assert_eq!(h["cohort"], "baseline");
    let path = format!("/api/v1/households/{}", id_of(&h));

    // A script changes the address and sends back what it knows, without
    // the (optional) filing date.
    let mut edit = filing("王芳", "");
    edit["address"] = json!("荔湾区新址 9 号");
    edit["version"] = h["version"].clone();
    let got = w.a_officer.send("PUT", &path, edit).await;
    assert_eq!(got.0, 200, "{}", got.1);
    let (_, d) = w.a_officer.get(&path).await;
    assert_eq!(d["household"]["address"], "荔湾区新址 9 号");
    assert_eq!(
        d["household"]["filed_on"], "2016-05-01",
        "an edit is not a new filing: the filing date stays"
    );
    assert_eq!(d["household"]["cohort"], "baseline", "still 存量");
    assert_eq!(
        w.a_officer
            .total("/api/v1/households?cohort=baseline")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_taken_out_of_a_file_may_be_filed_elsewhere() {
    let w = world().await;
    let worker = person("440103", "19800101", 123);
    let new_worker_id = person("440103", "19800101", 135);
    let wife = person("440103", "19820315", 246);
    let child = person("440103", "20100101", 444);
    let mut body = filing("李明", &worker);
    body["members"] = json!([
        member("陈丽", &wife, "spouse"),
        member("李小明", &child, "child")
    ]);
    let h = file(&w.a_officer, body).await;
    let path = format!("/api/v1/households/{}", id_of(&h));

    // The wife moves out; the worker's number was mistyped and is corrected.
    let mut edit = filing("李明", &new_worker_id);
    edit["members"] = json!([member("李小明", &child, "child")]);
    edit["version"] = h["version"].clone();
    let got = w.a_officer.send("PUT", &path, edit).await;
    assert_eq!(got.0, 200, "{}", got.1);
    assert_eq!(got.1["size"], 2);
    assert_eq!(got.1["worker_id_number"], masked_id(&new_worker_id));

    // Both freed numbers may now be filed by 越秀区; the child may not.
    file(&w.b_officer, filing("陈丽", &wife)).await;
    let mut old = filing("李明", &worker);
    old["address"] = json!("越秀区某处");
    file(&w.b_officer, old).await;
    let got = w
        .b_officer
        .send("POST", "/api/v1/households", filing("李小明", &child))
        .await;
    assert_error(
        "the child is still on file",
        &got,
        409,
        "conflict",
        Some("worker_id_number"),
    );
    // The corrected number is the file's now.
    let got = w
        .b_officer
        .send("POST", "/api/v1/households", filing("李明", &new_worker_id))
        .await;
    assert_error(
        "the corrected number is on file",
        &got,
        409,
        "conflict",
        Some("worker_id_number"),
    );
    assert_eq!(w.city_reviewer.total("/api/v1/households").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_officers_filing_one_person_at_once_make_one_file() {
    let w = world().await;
    for round in 0..3 {
        let worker = person("440103", "19800101", 101 + 2 * round);
        let mut a_body = filing("李明", &worker);
        a_body["address"] = json!("荔湾区");
        let mut b_body = filing("李明", &worker);
        b_body["address"] = json!("越秀区");
        let (ra, rb) = tokio::join!(
            w.a_officer.send("POST", "/api/v1/households", a_body),
            w.b_officer.send("POST", "/api/v1/households", b_body)
        );
        let mut statuses = [ra.0, rb.0];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [201, 409],
            "round {round}: one file, one refusal: {} / {}",
            ra.1,
            rb.1
        );
    }
    assert_eq!(w.city_reviewer.total("/api/v1/households").await, 3);

    // Different people filed at once in one county get distinct numbers.
    w.app.user("a_officer2", "officer", w.t.county_a).await;
    let other = w.app.api_as("a_officer2").await;
    let (ra, rb) = tokio::join!(
        w.a_officer.send(
            "POST",
            "/api/v1/households",
            filing("王芳", &person("440103", "19750707", 222))
        ),
        other.send(
            "POST",
            "/api/v1/households",
            filing("赵强", &person("440103", "19770808", 111))
        )
    );
    assert_eq!((ra.0, rb.0), (201, 201), "{} / {}", ra.1, rb.1);
    assert_ne!(ra.1["file_no"], rb.1["file_no"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incomes_are_recorded_by_their_parts_and_totals_are_read_only() {
    let w = world().await;
    let mut body = filing("李明", &person("440103", "19800101", 123));
    body["incomes"] = json!([
        { "month": "2019-01", "wages_fen": 100_000, "transfer_fen": 20_000, "medical_fen": 5_000 },
        { "month": "2019-02", "business_fen": 90_000, "schooling_fen": 3_000 },
    ]);
    let h = file(&w.a_officer, body).await;
    let path = format!("/api/v1/households/{}/incomes", id_of(&h));
    let (status, months) = w.a_officer.get(&path).await;
    assert_eq!(status, 200, "{months}");
    assert_eq!(months[0]["income_fen"], 120_000);
    assert_eq!(months[0]["rigid_expenditure_fen"], 5_000);
    assert_eq!(months[1]["income_fen"], 90_000);
    assert_eq!(months[1]["rigid_expenditure_fen"], 3_000);

    // A total sent as if it could be written is refused, not silently
    // recorded as a month of zero income.
    let got = w
        .a_officer
        .send(
            "PUT",
            &path,
            json!({ "version": h["version"], "months": [{ "month": "2019-03", "income_fen": 120_000 }] }),
        )
        .await;
    assert_error(
        "a read-only total",
        &got,
        400,
        "invalid_input",
        Some("income_fen"),
    );

    // A script reads the grid, drops the totals, changes one part and saves it back.
    let mut edited = months.clone();
    for m in edited.as_array_mut().unwrap() {
        let o = m.as_object_mut().unwrap();
        o.remove("income_fen");
        o.remove("rigid_expenditure_fen");
    }
    edited[1]["business_fen"] = json!(95_000);
    let got = w
        .a_officer
        .send(
            "PUT",
            &path,
            json!({ "version": h["version"], "months": edited }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);
    let (_, after) = w.a_officer.get(&path).await;
    assert_eq!(after[0], months[0], "the unchanged month is as it was");
    assert_eq!(after[1]["income_fen"], 95_000);
    assert_eq!(after[1]["schooling_fen"], 3_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_reidentified_after_the_lines_change() {
    let w = world().await;
    set_line(&w.city_admin, "440100", "2019-01", 80000).await;
    let mut body = filing("李明", &person("440103", "19800101", 123));
    body["members"] = json!([
        member("陈丽", &person("440103", "19820315", 246), "spouse"),
        member("李小明", &person("440103", "20080808", 135), "child"),
    ]);
    body["incomes"] = json!(first_half_2019(200_000)); // 3 people, below 3 × 80000
    let h = file(&w.a_officer, body).await;
    assert_eq!(h["decision"], "eligible", "{h}");
    let path = format!("/api/v1/households/{}", id_of(&h));

    // 荔湾区 sets a lower line of its own: the file page decides with it at once
    // (200000 is not below 3 × 60000, and with no expenses ΣA ≥ ΣL).
    set_line(&w.city_admin, "440103", "2019-01", 60000).await;
    let (_, d) = w.a_officer.get(&path).await;
    assert_eq!(d["identification"]["months"][0]["dibao_line_fen"], 60000);
    assert_eq!(
        d["identification"]["eligible"], false,
        "{}",
        d["identification"]
    );
    assert_eq!(d["identification"]["insufficient_data"], false);

    // Re-identification updates the stored decision the lists filter by.
    let got = w
        .a_officer
        .send_empty("POST", "/api/v1/households/reidentify")
        .await;
    assert_error("officer re-identifies", &got, 403, "forbidden", None);
    let r = common::reidentify(&w.city_admin).await;
    assert_eq!(r["evaluated"], 1);
    assert_eq!(r["changed"], 1);
    let (_, d) = w.a_officer.get(&path).await;
    assert_eq!(d["household"]["decision"], "not_eligible");
    assert_eq!(d["household"]["decision_condition"], Value::Null);
    assert_eq!(
        w.a_officer
            .total("/api/v1/households?decision=not_eligible")
            .await,
        1
    );
    let r = common::reidentify(&w.city_admin).await;
    assert_eq!(r["changed"], 0, "nothing changed since: {r}");

    // Deleting the district's line falls back to the city's.
    let (status, _) = w
        .city_admin
        .send_empty("DELETE", "/api/v1/lines/440103/2019-01")
        .await;
    assert_eq!(status, 204);
    let (_, d) = w.a_officer.get(&path).await;
    assert_eq!(d["identification"]["condition"], 1);
    assert_eq!(d["identification"]["months"][5]["dibao_line_fen"], 80000);
    let got = w
        .city_admin
        .send_empty("DELETE", "/api/v1/lines/440103/2019-01")
        .await;
    assert_error("delete twice", &got, 404, "not_found", None);

    // The lines of another city are not listed for 深圳.
    w.app.user("sz_admin", "admin", w.t.other_city).await;
    let sz = w.app.api_as("sz_admin").await;
    let (status, lines) = sz.get("/api/v1/lines").await;
    assert_eq!(status, 200);
    assert_eq!(lines, json!([]), "no 广州 lines for 深圳");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calculator_compares_exact_fen() {
    let app = common::spawn().await;
    let eval = |body: Value| post_anonymous(&app, "/api/v1/identification/evaluate", body);
    // Six months, the same figures each month.
    let six = |size: i64, income: i64, rigid: i64, line: i64| {
        json!({
            "household_size": size,
            "months": (1..=6).map(|m| json!({ "month": format!("2019-{m:02}"),
                "income_fen": income, "rigid_expenditure_fen": rigid,
                "dibao_line_fen": line })).collect::<Vec<_>>(),
        })
    };
    let cases = [
        // (size, income, rigid, line) → (condition, category)
        // 3 × 80001 = 240003: one fen below is below the line.
        ((3, 240_002, 0, 80001), (json!(1), json!("near_dibao"))),
        // Equal to the line × size: not below; no expenses → ΣA = ΣL → not eligible.
        ((3, 240_003, 0, 80001), (Value::Null, Value::Null)),
        // LI = 1.5 × 80001 = 120001.5 for one person: 120001 is within it.
        ((1, 120_001, 50_000, 80001), (json!(3), json!("near_dibao"))),
        // 120002 is above it: condition 4, 意外致困户.
        ((1, 120_002, 50_000, 80001), (json!(4), json!("sudden"))),
        // K × L × size exactly is within condition 4.
        ((2, 800_000, 700_000, 80000), (json!(4), json!("sudden"))),
        // One fen more is not.
        ((2, 800_001, 700_000, 80000), (Value::Null, Value::Null)),
        // ΣA equal to ΣL is not below it.
        ((1, 100_000, 20_000, 80000), (Value::Null, Value::Null)),
        ((1, 100_000, 20_001, 80000), (json!(3), json!("near_dibao"))),
        // Huge figures do not overflow.
        ((50, i64::MAX, 0, i64::MAX), (json!(1), json!("near_dibao"))),
    ];
    let mut wrong = Vec::new();
    for ((size, income, rigid, line), (condition, category)) in cases {
        let (status, r) = eval(six(size, income, rigid, line)).await;
        if status != 200 || r["condition"] != condition || r["category"] != category {
            wrong.push(format!(
                "size {size}, income {income}, rigid {rigid}, line {line}: want {condition} {category}, got {status} {} {} {}",
                r["condition"], r["category"], r
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A window of 3 months and K = 2, as a region may set them.
    let mut body = six(1, 150_000, 100_000, 80000);
    body["params"] = json!({ "window_months": 3, "multiple_k": 2 });
    let (_, r) = eval(body).await;
    assert_eq!(r["window"], json!(["2019-04", "2019-05", "2019-06"]), "{r}");
    assert_eq!(r["condition"], 4, "150000 ≤ 2 × 80000: {r}");
    let mut body = six(1, 160_001, 100_000, 80000);
    body["params"] = json!({ "window_months": 3, "multiple_k": 2 });
    let (_, r) = eval(body).await;
    assert_eq!(r["eligible"], false, "160001 > 2 × 80000: {r}");
    // An older gap before a complete window does not matter.
    let mut body = six(3, 180_000, 0, 80000);
    body["months"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "month": "2018-01", "income_fen": 1, "dibao_line_fen": 80000 }));
    let (_, r) = eval(body).await;
    assert_eq!(r["condition"], 1, "{r}");
    assert_eq!(r["insufficient_data"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_handles_file_numbers_lower_case_x_wildcards_and_latin_names() {
    let w = world().await;
    let x = person_with_x("440103", "19690412");
    let hx = file(&w.a_officer, filing("周红", &x)).await;
    let hk = id_number("81000019850101001");
    let latin = file(&w.a_officer, filing("Anna Wong", &hk)).await;
    let r = &w.a_officer;

    let lower = format!("{}x", &x[..17]);
    assert_eq!(
        r.ids(&format!("/api/v1/households?q={lower}")).await,
        vec![id_of(&hx)],
        "the full number with a lower-case x"
    );
    assert_eq!(
        r.ids(&format!(
            "/api/v1/households?q={}",
            hx["file_no"].as_str().unwrap()
        ))
        .await,
        vec![id_of(&hx)],
        "the full file number"
    );
    for wildcard in ["%25", "_", "%5C"] {
        assert_eq!(
            r.total(&format!("/api/v1/households?q={wildcard}")).await,
            0,
            "{wildcard} is a character, not a wildcard"
        );
    }
    assert_eq!(
        r.ids("/api/v1/households?q=Anna").await,
        vec![id_of(&latin)],
        "a name as written"
    );
    assert_eq!(
        r.ids("/api/v1/households?q=wong").await,
        vec![id_of(&latin)],
        "a name regardless of letter case"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_by_part_of_a_name_follows_the_name_as_saved() {
    let w = world().await;
    let r = &w.a_officer;
    let worker = person("440103", "19700101", 71);
    let jianguo = file(r, filing("王建国", &worker)).await;
    let other = file(r, filing("李国建", &person("440103", "19700101", 72))).await;
    for (q, want, why) in [
        (
            "%E5%BB%BA%E5%9B%BD",
            vec![id_of(&jianguo)],
            "建国: two characters in order",
        ),
        (
            "%E5%9B%BD%E5%BB%BA",
            vec![id_of(&other)],
            "国建: the same two the other way",
        ),
        (
            "%E7%8E%8B%E5%BB%BA%E5%9B%BD",
            vec![id_of(&jianguo)],
            "王建国: the whole name",
        ),
        (
            "%E7%8E%8B%E5%9B%BD",
            vec![],
            "王国: both characters, not together",
        ),
    ] {
        assert_eq!(
            r.ids(&format!("/api/v1/households?q={q}")).await,
            want,
            "{why}"
        );
    }
    // Renamed: found by the new name, no longer by the old one.
    let mut edit = filing("王卫东", &worker);
    edit["version"] = jianguo["version"].clone();
    let (status, body) = r
        .send(
            "PUT",
            &format!("/api/v1/households/{}", id_of(&jianguo)),
            edit,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        r.total("/api/v1/households?q=%E5%BB%BA%E5%9B%BD").await,
        0,
        "建国 after the rename"
    );
    assert_eq!(
        r.ids("/api/v1/households?q=%E5%8D%AB%E4%B8%9C").await,
        vec![id_of(&jianguo)],
        "卫东 after the rename"
    );
}

/// Every page of `path` (which ends in `per_page=…`), following
/// `next_after`: the ids in order, and each page's (total, capped).
async fn keyset_pages(api: &Api, path: &str) -> (Vec<i64>, Vec<(i64, bool)>) {
    let (mut ids, mut counts) = (Vec::new(), Vec::new());
    let mut next = path.to_owned();
    for _ in 0..50 {
        let (status, page) = api.get(&next).await;
        assert_eq!(status, 200, "{next}: {page}");
        for item in page["items"].as_array().unwrap() {
            ids.push(item["id"].as_i64().unwrap());
        }
        counts.push((
            page["total"].as_i64().unwrap(),
            page["total_capped"].as_bool().unwrap(),
        ));
        match page["next_after"].as_str() {
            // A page number beside a cursor is ignored. (The cursors here
            // need no escaping: dates, times, names of Chinese characters.)
            Some(after) => next = format!("{path}&page=9&after={after}"),
            None => return (ids, counts),
        }
    }
    panic!("{path}: more than 50 pages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_lists_stop_counting_at_the_cap_and_keyset_pages_neither_skip_nor_repeat() {
    let settings = bangfu_service::Settings {
        list_count_cap: 4,
        ..Default::default()
    };
    let (app, _t, _) =
        common::staffed_with(settings, &[("a_officer", "officer", At::CountyA)]).await;
    let officer = app.api_as("a_officer").await;
    // Seven files, filed the same day (ties broken by id), two with the
    // same name; one saved again so its last change is the newest.
    let names = ["赵一", "钱二", "孙三", "李四", "周五", "赵一", "王七"];
    let mut filed = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let seq = u32::try_from(i).unwrap() + 101;
        filed.push(file(&officer, filing(name, &person("440103", "19750505", seq))).await);
    }
    let mut edit = filing("孙三", &person("440103", "19750505", 103));
    edit["version"] = filed[2]["version"].clone();
    let (status, body) = officer
        .send(
            "PUT",
            &format!("/api/v1/households/{}", id_of(&filed[2])),
            edit,
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // More match than the cap: the count stops there and says so.
    let (status, first) = officer.get("/api/v1/households?per_page=3").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        (first["total"].clone(), first["total_capped"].clone()),
        (json!(4), json!(true))
    );
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    // Under the cap, an exact count.
    let (_, few) = officer.get("/api/v1/households?q=%E8%B5%B5%E4%B8%80").await;
    assert_eq!(
        (few["total"].clone(), few["total_capped"].clone()),
        (json!(2), json!(false)),
        "赵一"
    );
    assert!(
        few["next_after"].is_null(),
        "a page that is not full is the last: {few}"
    );

    for sort in ["filed_desc", "filed_asc", "file_no", "name", "updated_desc"] {
        let (_, all) = officer
            .get(&format!("/api/v1/households?sort={sort}&per_page=200"))
            .await;
        let want: Vec<i64> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_i64().unwrap())
            .collect();
        assert_eq!(want.len(), 7, "{sort}");
        let (got, counts) = keyset_pages(
            &officer,
            &format!("/api/v1/households?sort={sort}&per_page=2"),
        )
        .await;
        assert_eq!(
            got, want,
            "{sort}: the pages in order, none skipped or repeated"
        );
        assert!(counts.iter().all(|c| *c == (4, true)), "{sort}: {counts:?}");
    }
    // A new file filed while paging does not shift the pages already read.
    let (_, page) = officer
        .get("/api/v1/households?sort=filed_asc&per_page=3")
        .await;
    let after = page["next_after"].as_str().unwrap().to_owned();
    file(&officer, filing("新来", &person("440103", "19750505", 150))).await;
    let (_, rest) = officer
        .get(&format!(
            "/api/v1/households?sort=filed_asc&per_page=200&after={after}"
        ))
        .await;
    assert_eq!(
        rest["items"].as_array().unwrap().len(),
        5,
        "4 after the first 3, and the new one: {rest}"
    );

    // A cursor that is not one, or made for another sort, is refused.
    for bad in ["abc", "2024-01-01", "not-a-date~5"] {
        let got = officer
            .get(&format!("/api/v1/households?after={bad}"))
            .await;
        assert_error(bad, &got, 400, "invalid_input", Some("after"));
    }

    // The list page says the count stopped.
    let (client, _) = app.html_login("a_officer", common::PASSWORD).await;
    let (status, html) = app.page(&client, "/households").await;
    assert_eq!(status, 200);
    assert!(html.contains("共 4+ 户"), "{html}");
    // The export is not cut at the count: all eight files, and a header.
    use calamine::Reader;
    let mut book = app.download_xlsx(&client, "/households/export.xlsx").await;
    let sheet = book.sheet_names()[0].clone();
    let rows = book.worksheet_range(&sheet).unwrap().rows().count();
    assert_eq!(rows, 9, "a header and the eight files");

    // Thirty-two files: the page shows thirty and counts to four, so its
    // next page follows the last file shown, and is the last.
    for seq in 160..184 {
        file(&officer, filing("钱多", &person("440103", "19750505", seq))).await;
    }
    let (_, html) = app.page(&client, "/households").await;
    assert!(html.contains("第 1 / 1+ 页"), "{html}");
    assert!(
        !html.contains("钱二"),
        "the second file filed is on the next page"
    );
    let next = next_link(&html).expect("下一页 past the counted pages");
    assert!(next.contains("after="), "{next}");
    let (status, html) = app.page(&client, &next).await;
    assert_eq!(status, 200);
    assert!(html.contains("第 2 / 1+ 页"), "{html}");
    assert!(html.contains("钱二"), "{html}");
    assert!(
        next_link(&html).is_none(),
        "two files on the last page: {html}"
    );
}

/// The address of a page's 下一页 link, if it has one.
fn next_link(html: &str) -> Option<String> {
    let end = html.find("\">下一页</a>")?;
    let start = html[..end].rfind("href=\"")? + 6;
    Some(html[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_records_filings_without_full_numbers() {
    let w = world().await;
    let worker = person("440103", "19800101", 123);
    let wife = person("440103", "19820315", 246);
    let mut body = filing("李明", &worker);
    body["members"] = json!([member("陈丽", &wife, "spouse")]);
    body["incomes"] = json!(first_half_2019(100_000));
    let h = file(&w.a_officer, body).await;
    let path = format!("/api/v1/households/{}", id_of(&h));
    let got = w
        .a_officer
        .send(
            "PUT",
            &format!("{path}/incomes"),
            json!({ "version": h["version"], "months": [wages("2019-07", 1)] }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);

    w.app.user("a_auditor", "auditor", w.t.county_a).await;
    let auditor = w.app.api_as("a_auditor").await;
    let (status, log) = auditor.get("/api/v1/audit?object_kind=household").await;
    assert_eq!(status, 200, "{log}");
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"create_household"), "{actions:?}");
    assert!(actions.contains(&"record_incomes"), "{actions:?}");
    let created = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "create_household")
        .unwrap();
    let after = common::audit_json(&created["after"]);
    assert_eq!(after["file_no"], h["file_no"]);
    assert_eq!(after["worker_id_number"], masked_id(&worker));
    let text = log.to_string();
    assert!(!text.contains(&worker), "no full worker ID in the log");
    assert!(!text.contains(&wife), "no full member ID in the log");
    assert!(!text.contains("13800138000"), "no full phone in the log");
    // A reviewer has no access to the log.
    let got = w
        .city_reviewer
        .get("/api/v1/audit?object_kind=household")
        .await;
    assert_error("reviewer reads the log", &got, 403, "forbidden", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_of_one_region_and_filing_date_share_a_cohort() {
    let w = world().await;
    let mut a = filing("黄伟", &person("440104", "19780202", 333));
    a["filed_on"] = json!("2017-06-01");
    let a = file(&w.b_officer, a).await;
    let mut b = filing("林静", &person("440104", "19790303", 444));
    b["filed_on"] = json!("2017-06-01");
    let b = file(&w.b_officer, b).await;
    assert_eq!(a["cohort"], "incremental");
    assert_eq!(b["cohort"], "incremental");

    // The region's cut-off is moved past their filing date, and the
    // administrator re-runs the identification as after any parameter change.
    let got = w
        .city_admin
        .send(
            "PUT",
            "/api/v1/params",
            json!({ "division_code": "440104", "window_months": 6, "multiple_k": 5,
                    "baseline_cutoff": "2017-12-31" }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);
    // One of the two files gets an unrelated edit (its address).
    let path = format!("/api/v1/households/{}", id_of(&a));
    let mut edit = filing("黄伟", "");
    edit["filed_on"] = json!("2017-06-01");
    edit["address"] = json!("越秀区新址");
    edit["version"] = a["version"].clone();
    let got = w.b_officer.send("PUT", &path, edit).await;
    assert_eq!(got.0, 200, "{}", got.1);
    common::reidentify(&w.city_admin).await;

    let (_, da) = w.b_officer.get(&path).await;
    let (_, db) = w
        .b_officer
        .get(&format!("/api/v1/households/{}", id_of(&b)))
        .await;
    assert_eq!(
        da["household"]["cohort"], db["household"]["cohort"],
        "same region, same filing date: an address edit must not put one file in another cohort"
    );
    let baseline = w
        .b_officer
        .total("/api/v1/households?cohort=baseline")
        .await;
    assert!(
        baseline == 0 || baseline == 2,
        "the cohort filter counts both files or neither: {baseline}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn months_without_a_line_are_named_not_judged() {
    let w = world().await;
    set_line(&w.city_admin, "440100", "2019-01", 80000).await;
    let mut body = filing("李明", &person("440103", "19800101", 123));
    body["incomes"] = json!((7..=12)
        .map(|m| wages(&format!("2018-{m:02}"), 50_000))
        .collect::<Vec<_>>());
    let h = file(&w.a_officer, body).await;
    assert_eq!(h["decision"], "insufficient", "{h}");
    let (_, d) = w
        .a_officer
        .get(&format!("/api/v1/households/{}", id_of(&h)))
        .await;
    let ident = &d["identification"];
    assert_eq!(ident["insufficient_data"], true, "{ident}");
    let reasons = ident["reasons"].to_string();
    assert!(
        reasons.contains("2018-07") && reasons.contains("低保标准"),
        "says which months have no line: {reasons}"
    );
    // Once the line is set back to 2018-07, the same months decide.
    set_line(&w.city_admin, "440100", "2018-07", 78000).await;
    let (_, d) = w
        .a_officer
        .get(&format!("/api/v1/households/{}", id_of(&h)))
        .await;
    assert_eq!(
        d["identification"]["condition"], 1,
        "{}",
        d["identification"]
    );
    assert_eq!(d["identification"]["months"][0]["dibao_line_fen"], 78000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_refuses_what_it_cannot_change_instead_of_ignoring_it() {
    let w = world().await;
    let h = file(
        &w.a_officer,
        filing("孙丽", &person("440103", "19810303", 444)),
    )
    .await;
    let path = format!("/api/v1/households/{}", id_of(&h));
    let mut edit = filing("孙丽", "");
    edit["version"] = h["version"].clone();
    edit["incomes"] = json!([{ "month": "2019-01", "wages_fen": 100 }]);
    let got = w.a_officer.send("PUT", &path, edit.clone()).await;
    assert_error(
        "incomes on an edit",
        &got,
        400,
        "invalid_input",
        Some("incomes"),
    );
    edit.as_object_mut().unwrap().remove("incomes");
    edit["union_id"] = json!(w.t.county_b);
    let got = w.a_officer.send("PUT", &path, edit).await;
    assert_error(
        "union on an edit",
        &got,
        400,
        "invalid_input",
        Some("union_id"),
    );
    let (_, d) = w.a_officer.get(&path).await;
    assert_eq!(
        d["household"]["version"], h["version"],
        "nothing was written"
    );
    assert_eq!(d["incomes"].as_array().unwrap().len(), 0);
}
