//! The fixtures the areas share: households, dates, staff, the books of
//! lines and incomes, audit reads, workbook cells, and the one door through
//! which a test writes straight into the database.

use super::{Api, TestApp, Tree};
use bangfu_service::{ServiceError, Settings};
use bangfu_storage::Conn;
use chrono::NaiveDate;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Staff: the server, the test tree and the accounts a test starts with.
// ---------------------------------------------------------------------------

/// Where in the test tree (see [`Tree`]) an account sits.
#[derive(Clone, Copy, Debug)]
pub enum At {
    Root,
    Province,
    City,
    CountyA,
    CountyB,
    OtherCity,
}

impl Tree {
    /// The id of the union at `at`.
    pub fn at(&self, at: At) -> i64 {
        match at {
            At::Root => self.root,
            At::Province => self.province,
            At::City => self.city,
            At::CountyA => self.county_a,
            At::CountyB => self.county_b,
            At::OtherCity => self.other_city,
        }
    }
}

/// An account to create: (username, role, where it sits).
pub type Staff<'a> = (&'a str, &'a str, At);

/// A server with the default settings, the test tree and `staff`; returns
/// the server, the tree and the new accounts' ids in the order given.
pub async fn staffed(staff: &[Staff<'_>]) -> (TestApp, Tree, Vec<i64>) {
    staffed_with(Settings::default(), staff).await
}

/// [`staffed`] with other settings.
pub async fn staffed_with(settings: Settings, staff: &[Staff<'_>]) -> (TestApp, Tree, Vec<i64>) {
    let app = super::spawn_with(settings).await;
    let t = app.tree().await;
    let mut ids = Vec::with_capacity(staff.len());
    for (name, role, at) in staff {
        ids.push(app.user(name, role, t.at(*at)).await);
    }
    (app, t, ids)
}

impl TestApp {
    /// Creates 荔湾区机械厂工会, a grassroots union under 荔湾区总工会
    /// (`county_a` of the test tree), as the operator would; returns its id.
    pub async fn grassroots(&self) -> i64 {
        use bangfu_service::Operator;
        let county = self
            .services
            .operator_find_union(Operator, "荔湾区总工会")
            .await
            .expect("find 荔湾区总工会")
            .expect("荔湾区总工会 in the tree");
        self.services
            .operator_create_union(
                Operator,
                &county,
                "荔湾区机械厂工会",
                bangfu_domain::UnionLevel::Grassroots,
                "440103",
            )
            .await
            .expect("grassroots union")
            .id
            .0
    }
}

impl TestApp {
    /// Creates a department account of 民政 (`civil_affairs`) at
    /// `union_id`, as the operator would; returns its id.
    pub async fn civil_affairs_user(
        &self,
        username: &str,
        display_name: Option<&str>,
        union_id: i64,
    ) -> i64 {
        self.services
            .operator_create_user_in(
                bangfu_service::Operator,
                username,
                display_name,
                &["department".to_owned()],
                Some(&format!("#{union_id}")),
                super::PASSWORD,
                Some("civil_affairs"),
                bangfu_service::FirstLogin::KeepPassword,
            )
            .await
            .expect("department user")
            .id
            .0
    }
}

impl TestApp {
    /// Signs in through the API as each of `usernames`, in order; their
    /// clients in the same order.
    pub async fn apis<const N: usize>(&self, usernames: [&str; N]) -> [Api; N] {
        let mut clients = Vec::with_capacity(N);
        for name in usernames {
            clients.push(self.api_as(name).await);
        }
        match clients.try_into() {
            Ok(clients) => clients,
            Err(_) => unreachable!("one client per name"),
        }
    }
}

impl TestApp {
    /// Downloads `path` with a cookie client, asserting it is an .xlsx
    /// workbook (see [`TestApp::assert_xlsx`]), and opens it.
    pub async fn download_xlsx(
        &self,
        client: &reqwest::Client,
        path: &str,
    ) -> calamine::Xlsx<std::io::Cursor<Vec<u8>>> {
        self.assert_xlsx(client, path).await;
        let bytes = client
            .get(self.url(path))
            .send()
            .await
            .expect("GET xlsx")
            .bytes()
            .await
            .expect("body");
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx")
    }
}

/// The settings of the exit tests: no notice period, no scheduled monthly
/// run (a test starts the run itself when it needs one).
pub fn exit_settings() -> Settings {
    Settings {
        notice_days: 0,
        monthly_schedule: false,
        ..Settings::default()
    }
}

// ---------------------------------------------------------------------------
// The one door past the use cases.
// ---------------------------------------------------------------------------

impl TestApp {
    /// Runs `f` on a pooled connection inside a write transaction, straight
    /// in the database: how a test sets up a past it cannot reach through
    /// the API (decisions on given dates, overdue measures, follow-ups).
    /// Every such write in the tests goes through here.
    pub async fn seed_write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        self.services.seed_write(f).await
    }
}

/// The panel's tallies, kept by the database's triggers, agree with the
/// files, decisions and money they count (`bangfu tallies check`).
pub async fn assert_tallies_agree(app: &TestApp) {
    let got = app
        .seed_write(|c| Ok(bangfu_storage::tallies::check(c)?))
        .await
        .expect("check the tallies");
    assert_eq!(got, (0, 0), "tallies (extra, missing) against the rows");
}

/// A `YYYY-MM-DD` date.
pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Writes an exit decision (`kind`: out, relief or removal; `why`: its
/// pathway or reason) for household `h` dated `on`; returns its id.
pub async fn decide(
    app: &TestApp,
    h: i64,
    kind: &'static str,
    why: Option<&'static str>,
    on: &str,
) -> i64 {
    let on = d(on);
    app.seed_write(move |c| Ok(bangfu_storage::test_support::decide(c, h, kind, why, on)?))
        .await
        .expect("decide")
}

/// Dates the current pairing of household `h` `days` days before today.
pub async fn pair_days_ago(app: &TestApp, h: i64, days: i64) {
    let on = today() - chrono::Duration::days(days);
    app.seed_write(move |c| Ok(bangfu_storage::test_support::set_paired_on(c, h, on)?))
        .await
        .expect("set paired_on");
}

/// Revokes exit decision `exit` on `on`; returns the revocation's id.
pub async fn revoke(app: &TestApp, exit: i64, on: &str) -> i64 {
    let on = d(on);
    app.seed_write(move |c| Ok(bangfu_storage::test_support::revoke(c, exit, on)?))
        .await
        .expect("revoke")
}

/// Dates fund transfer `transfer` on `on`.
pub async fn set_transfer_on(app: &TestApp, transfer: i64, on: &str) {
    let on = d(on);
    app.seed_write(move |c| {
        Ok(bangfu_storage::test_support::set_transfer_on(
            c, transfer, on,
        )?)
    })
    .await
    .expect("date the transfer");
}

/// Dates the reversal of assistance record `record` on `on`.
pub async fn set_assistance_reversal_on(app: &TestApp, record: i64, on: &str) {
    let on = d(on);
    app.seed_write(move |c| {
        Ok(bangfu_storage::test_support::set_assistance_reversal_on(
            c, record, on,
        )?)
    })
    .await
    .expect("date the reversal");
}

/// Records that file `new` reopens the closed file `old`.
pub async fn link_reopened(app: &TestApp, old: i64, new: i64) {
    app.seed_write(move |c| {
        Ok(bangfu_storage::households::link_reopened(
            c,
            bangfu_domain::household::HouseholdId(old),
            bangfu_domain::household::HouseholdId(new),
        )?)
    })
    .await
    .expect("link");
}

// ---------------------------------------------------------------------------
// Lines and incomes.
// ---------------------------------------------------------------------------

/// Sets the dibao line of division `code` to `fen` from month `from` on.
pub async fn set_line(admin: &Api, code: &str, from: &str, fen: i64) {
    let got = admin
        .send(
            "PUT",
            "/api/v1/lines",
            json!({ "division_code": code, "effective_month": from, "dibao_line_fen": fen }),
        )
        .await;
    assert_eq!(got.0, 200, "set line {code} {from}: {}", got.1);
}

/// One month of wages.
pub fn wages(month: &str, fen: i64) -> Value {
    json!({ "month": month, "wages_fen": fen })
}

/// Wages of `fen` in each month from January to June 2019.
pub fn first_half_2019(fen: i64) -> Vec<Value> {
    (1..=6)
        .map(|m| wages(&format!("2019-{m:02}"), fen))
        .collect()
}

/// Re-identifies every open file in `admin`'s subtree: starts the job
/// (answered 202 with where to follow it), follows it to its end and
/// returns what it shows then.
pub async fn reidentify(admin: &Api) -> Value {
    let (s, job) = admin
        .send_empty("POST", "/api/v1/households/reidentify")
        .await;
    assert_eq!(s, 202, "{job}");
    follow_reidentify(admin, job["status_url"].as_str().expect("status_url")).await
}

/// Follows a re-identification job at `url` to its end.
pub async fn follow_reidentify(api: &Api, url: &str) -> Value {
    for _ in 0..600 {
        let (s, j) = api.get(url).await;
        assert_eq!(s, 200, "{j}");
        if j["finished"] == true {
            return j;
        }
        super::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("re-identification did not finish");
}

/// Saves a household's monthly incomes at its current version, asserting
/// the save was taken.
pub async fn save_incomes(api: &Api, id: i64, months: Vec<Value>) {
    let path = format!("/api/v1/households/{id}");
    let (status, d) = api.get(&path).await;
    assert_eq!(status, 200, "{d}");
    let got = api
        .send(
            "PUT",
            &format!("{path}/incomes"),
            json!({ "version": d["household"]["version"], "months": months }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);
}

// ---------------------------------------------------------------------------
// Reads every area makes.
// ---------------------------------------------------------------------------

/// A POST without any credentials: (status, JSON body or null).
pub async fn post_anonymous(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The audit entries of `action` on `object_id`, newest first.
pub async fn audit_entries(auditor: &Api, action: &str, object_id: i64) -> Vec<Value> {
    let (status, body) = auditor
        .get(&format!(
            "/api/v1/audit?action={action}&object_id={object_id}"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

impl Api {
    /// POSTs `body` as JSON and returns the answer as it came, for a
    /// download: (status, headers, body bytes).
    pub async fn post_bytes(
        &self,
        path: &str,
        body: Value,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let res = self
            .client
            .post(format!("{}{}", self.base, path))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, headers, res.bytes().await.expect("body").to_vec())
    }
}

/// Every sheet of an .xlsx workbook, in order: its name and its rows of cells.
pub fn workbook_sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<calamine::Data>>)> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let names = book.sheet_names().to_vec();
    names
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("sheet");
            let rows = range.rows().map(<[calamine::Data]>::to_vec).collect();
            (name, rows)
        })
        .collect()
}

/// The CSRF token of a signed-in cookie client (from the account page).
pub async fn csrf_of(app: &TestApp, client: &reqwest::Client) -> String {
    let (_, html) = app.page(client, "/account").await;
    let at = html.find("name=\"csrf\"").expect("csrf field");
    let tag_start = html[..at].rfind("<input").expect("input");
    let tag_end = at + html[at..].find('>').expect(">");
    super::attr(&html[tag_start..=tag_end], "value").expect("value")
}

// ---------------------------------------------------------------------------
// Workbooks.
// ---------------------------------------------------------------------------

/// A workbook cell as text.
pub fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

/// A workbook cell as a number, panicking on anything else.
pub fn cell_num(d: &calamine::Data) -> f64 {
    use calamine::Data;
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

/// The import's 家庭 sheet columns, in the template's order.
pub const IMPORT_HOUSEHOLD_HEADERS: [&str; 21] = [
    "姓名",
    "身份证号码",
    "联系电话",
    "家庭住址",
    "行政区划代码",
    "工作单位",
    "单位性质",
    "就业状况",
    "劳动能力",
    "健康状况",
    "残疾等级",
    "农民工（是/否）",
    "零就业家庭",
    "关停并转分流",
    "受经贸摩擦影响",
    "致困原因",
    "困难类别",
    "档案级别",
    "建档日期",
    "享受低保起始月",
    "备注",
];

/// The import's 成员 sheet columns.
pub const IMPORT_MEMBER_HEADERS: [&str; 9] = [
    "职工身份证号码",
    "姓名",
    "身份证号码",
    "关系",
    "健康状况",
    "残疾等级",
    "就学阶段",
    "就业状况",
    "月收入（元）",
];

/// The import's 收入 sheet columns.
pub const IMPORT_INCOME_HEADERS: [&str; 9] = [
    "职工身份证号码",
    "月份",
    "工资性收入",
    "经营净收入",
    "财产净收入",
    "转移净收入",
    "医疗自付",
    "子女就学",
    "突发意外",
];

/// A 家庭 row in the template's column order for the worker `name` with ID
/// number `id`: a laid-off, chronically ill worker of a state-owned factory
/// in 荔湾区, near-dibao, national tier, filed on 2019-07-01.
pub fn import_household_row(name: &str, id: &str) -> Vec<String> {
    [
        name,
        id,
        "13800138000",
        "广州市荔湾区多宝路 12 号",
        "",
        "广州某纺织厂",
        "国有企业",
        "下岗",
        "部分丧失劳动能力",
        "慢性病",
        "",
        "否",
        "否",
        "是",
        "否",
        "患病、失业下岗",
        "低保边缘户",
        "全国级",
        "2019-07-01",
        "",
        "",
    ]
    .iter()
    .map(|x| (*x).to_owned())
    .collect()
}

/// The same ID number with a wrong check digit.
pub fn with_wrong_check(id: &str) -> String {
    let good = id.chars().last().expect("an ID");
    let bad = if good == '1' { '2' } else { '1' };
    format!("{}{bad}", &id[..17])
}

// ---------------------------------------------------------------------------
// Households, dates and plans.
// ---------------------------------------------------------------------------

/// Today in China Standard Time (UTC+8), the calendar the server's dates use.
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// A valid 18-character ID number: `first17` followed by its check digit.
pub fn id_number(first17: &str) -> String {
    let check = bangfu_domain::id_number::check_digit(first17).expect("17 digits");
    format!("{first17}{check}")
}

/// A valid ID number from its parts: the six-digit `region` code, the
/// `birth` date as `YYYYMMDD` and a sequence number (three digits).
pub fn person(region: &str, birth: &str, seq: u32) -> String {
    id_number(&format!("{region}{birth}{seq:03}"))
}

/// The JSON body to file a household (`POST /api/v1/households`) for the
/// worker `name` with ID number `id` in union `union_id`: a chronically ill,
/// laid-off worker of a state-owned textile factory in 荔湾区, near-dibao,
/// national tier, no members, filed on 2024-01-01. Change fields of the
/// returned value where a test needs another household.
pub fn household(name: &str, id: &str, union_id: i64) -> Value {
    json!({
        "union_id": union_id,
        "worker_name": name,
        "worker_id_number": id,
        "phone": "13800138000",
        "address": "广州市荔湾区多宝路 12 号",
        "employer": "广州某纺织厂",
        "employer_kind": "state_owned",
        "employment": "laid_off",
        "labour_capacity": "partial",
        "health": "chronic",
        "causes": ["illness"],
        "category": "near_dibao",
        "tier": "national",
        "filed_on": "2024-01-01",
        "members": [],
    })
}

/// A complete, valid filing body for the worker `name` with ID number `id`,
/// filed into the officer's own union on the day of filing: laid off,
/// chronically ill, near-dibao, national tier, no members yet.
pub fn filing(name: &str, id: &str) -> Value {
    json!({
        "worker_name": name,
        "worker_id_number": id,
        "phone": "13800138000",
        "address": "广州市荔湾区多宝路 12 号 3 栋 401",
        "employer": "广州某纺织厂",
        "employer_kind": "state_owned",
        "employment": "laid_off",
        "labour_capacity": "partial",
        "health": "chronic",
        "causes": ["illness", "unemployment"],
        "category": "near_dibao",
        "tier": "national",
        "members": [],
    })
}

/// A healthy member at primary school, not working, without income.
pub fn member(name: &str, id: &str, relation: &str) -> Value {
    json!({
        "name": name,
        "id_number": id,
        "relation": relation,
        "health": "healthy",
        "schooling": "primary",
        "employment": "not_working",
        "income_fen": 0,
    })
}

/// Files a household through the API as `api`, asserting it was created;
/// returns its id.
pub async fn file(api: &Api, body: Value) -> i64 {
    let (status, got) = api.send("POST", "/api/v1/households", body).await;
    assert_eq!(status, 201, "file: {got}");
    got["id"].as_i64().expect("id")
}

/// Uploads `bytes` as a photo of visit `visit` through the API (the body
/// is the image), as `api`: the status and the visit.
pub async fn upload_photo(api: &Api, visit: i64, name: &str, bytes: &[u8]) -> (u16, Value) {
    let res = api
        .client
        .post(format!(
            "{}/api/v1/visits/{visit}/photos?name={name}",
            api.base
        ))
        .bearer_auth(&api.token)
        .header("content-type", "image/jpeg")
        .body(bytes.to_vec())
        .send()
        .await
        .expect("upload");
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

/// Pairs household `h` with `responsible` of `union_id` (一帮一) as `api`.
pub async fn pair(api: &Api, h: i64, union_id: i64, responsible: i64) {
    let (s, v) = api
        .send(
            "POST",
            &format!("/api/v1/households/{h}/pairing"),
            json!({ "union_id": union_id, "responsible_id": responsible }),
        )
        .await;
    assert_eq!(s, 200, "{v}");
}

/// Files the two households most of these tests work with into `union_id`
/// (a county in 荔湾区): 王建国 (born 1970-01-01), then 李秀英 (born
/// 1972-02-02). Returns their ids in that order.
pub async fn file_two_households(api: &Api, union_id: i64) -> (i64, i64) {
    let wang = file(
        api,
        household("王建国", &person("440103", "19700101", 11), union_id),
    )
    .await;
    let li = file(
        api,
        household("李秀英", &person("440103", "19720202", 22), union_id),
    )
    .await;
    (wang, li)
}

/// A plan to seed: (household, year, plan status, its measures as
/// [(track, content, measure status)]).
pub type PlanSeed = (
    i64,
    i32,
    &'static str,
    Vec<(&'static str, String, &'static str)>,
);

impl TestApp {
    /// Writes plans with their measures straight into the database, in union
    /// `union_id`: goal "exit", no approver, every measure due today.
    /// Returns the measure ids in the order given.
    pub async fn seed_plans(&self, union_id: i64, plans: Vec<PlanSeed>) -> Vec<i64> {
        use bangfu_storage::seed::{self, MeasureRow, PlanRow};
        self.seed_write(move |c| {
            let path = bangfu_storage::unions::find_unscoped(c, bangfu_domain::UnionId(union_id))?
                .expect("union")
                .path;
            let ids = seed::next_ids(c)?;
            let now = chrono::Utc::now().naive_utc();
            let (mut plan_id, mut measure_id) = (ids.plan, ids.measure);
            let mut made = Vec::new();
            for (household_id, year, status, measures) in plans {
                seed::insert_plans(
                    c,
                    &[PlanRow {
                        id: plan_id,
                        household_id,
                        union_path: path.as_str().into(),
                        year,
                        goal: "exit".into(),
                        target_on: None,
                        summary: "计划".into(),
                        status: status.into(),
                        approved_by: None,
                        approved_at: None,
                        version: 1,
                        created_by: None,
                        created_at: now,
                        updated_at: now,
                    }],
                )?;
                for (track, content, mstatus) in measures {
                    seed::insert_measures(
                        c,
                        &[MeasureRow {
                            id: measure_id,
                            plan_id,
                            household_id,
                            union_path: path.as_str().into(),
                            track: track.into(),
                            programme: None,
                            guarantee_line: None,
                            content,
                            due_on: today(),
                            responsible_id: None,
                            status: mstatus.into(),
                            done_on: None,
                            version: 1,
                            created_at: now,
                            updated_at: now,
                        }],
                    )?;
                    made.push(measure_id);
                    measure_id += 1;
                }
                plan_id += 1;
            }
            seed::sync_sequences(c)?;
            Ok(made)
        })
        .await
        .expect("seed plans")
    }

    /// Closes a household's file now, straight in the database.
    pub async fn close_household(&self, household_id: i64) {
        let at = chrono::Utc::now().naive_utc();
        self.seed_write(move |c| {
            Ok(bangfu_storage::test_support::close_household(
                c,
                household_id,
                at,
            )?)
        })
        .await
        .expect("close household");
    }
}

/// A household's assistance history (`GET /api/v1/households/{h}/assistance`):
/// its records and totals.
pub async fn assistance_history(api: &Api, household_id: i64) -> Value {
    let (s, body) = api
        .get(&format!("/api/v1/households/{household_id}/assistance"))
        .await;
    assert_eq!(s, 200, "history: {body}");
    body
}

/// The records of a household's assistance history.
pub async fn assistance_records(api: &Api, household_id: i64) -> Vec<Value> {
    let history = assistance_history(api, household_id).await;
    history["records"]
        .as_array()
        .unwrap_or_else(|| panic!("records: {history}"))
        .clone()
}

/// Puts `fen` into a union's union-funds account (a receipt), asserting it
/// was recorded.
pub async fn receive_union_funds(api: &Api, union_id: i64, fen: i64) {
    let got = api
        .send(
            "POST",
            "/api/v1/funds/receipts",
            json!({ "union_id": union_id, "source": "union", "amount": fen, "memo": "测试拨款" }),
        )
        .await;
    assert_eq!(got.0, 201, "receipt: {}", got.1);
}

/// (available, disbursed) of a union's union-funds account; (0, 0) before
/// it has one.
pub async fn union_funds(api: &Api, union_id: i64) -> (i64, i64) {
    let (s, body) = api
        .get(&format!("/api/v1/funds/accounts?union_id={union_id}"))
        .await;
    assert_eq!(s, 200, "accounts: {body}");
    let src = body["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["source"] == "union")
        .cloned()
        .unwrap_or(json!({ "available": 0, "disbursed": 0 }));
    (
        src["available"].as_i64().unwrap_or(0),
        src["disbursed"].as_i64().unwrap_or(0),
    )
}

/// Everything the database holds, as text: the SQLite file and its log, or
/// a dump of the PostgreSQL database.
pub fn database_text(app: &TestApp) -> String {
    if let Some(path) = app.database_url.strip_prefix("sqlite://") {
        let mut all = Vec::new();
        for suffix in ["", "-wal"] {
            if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                all.extend(bytes);
            }
        }
        String::from_utf8_lossy(&all).into_owned()
    } else {
        let out = std::process::Command::new("pg_dump")
            .arg(&app.database_url)
            .output()
            .expect("pg_dump");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// A temporary folder of a test's own, removed with the value.
pub struct Folder(std::path::PathBuf);

impl Folder {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "bangfu-test-folder-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    pub fn path(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the `bangfu` binary against the test's database with `stdin` as
/// its standard input (the password it reads).
pub fn cli(app: &TestApp, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .arg("--database")
        .arg(&app.database_url)
        .args(args)
        .env("RUST_LOG", "warn")
        .env("BANGFU_KEY", super::TEST_KEY)
        .env_remove("BANGFU_KEY_FILE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run bangfu");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{stdin}\n").as_bytes())
            .expect("write the password");
    }
    let out = child.wait_with_output().expect("bangfu ends");
    super::replica::settle();
    out
}

/// The code of the base32 `secret` at `at` (unix seconds), as an
/// authenticator app shows it.
pub fn totp_code_at(secret: &str, at: u64) -> String {
    use totp_rs::{Algorithm, Secret, TOTP};
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes).generate(at)
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
