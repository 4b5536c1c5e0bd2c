//! Applications for filing: a worker applies online (一键申报) or an officer
//! enters one on their behalf; the grassroots union reviews it with a home
//! visit, publishes it for objections (公示), and a reviewer of the approving
//! level approves it — which files the household — or refuses it with a
//! reason. Each step records the identification decision it was taken on.

use crate::audit::{Owned, Record, Who};
use crate::books::Books;
use crate::clock::today;
use crate::filed_elsewhere::{self, Asker, Filing};
use crate::filing::{check_months, file_household};
use crate::uploads::{check_each, held_list, take_held, Checked, Held, Upload};
use crate::{now, Actor, HouseholdInput, Origin, ServiceError, Services};
use bangfu_domain::application::{AppStatus, ApplicationId, Step};
use bangfu_domain::audit::Action;
use bangfu_domain::household::{parse_text, HouseholdData, Member, MonthlyIncome, Tier};
use bangfu_domain::identification::{Category, Identification};
use bangfu_domain::lines::decision_of;
use bangfu_domain::{
    IdNumber, Masked, Month, Permission, Refusals, UnionId, UnionLevel, ValidationError,
};
use bangfu_storage::applications::{
    self as apps, Application, ApplicationFilter, FileInfo, NewApplication, StepRecord,
};
use bangfu_storage::{unions, Conn, Page, PageRequest, Scope};
use chrono::NaiveDate;
use serde_json::{json, Value};

/// An application as submitted: the household (as for filing), its months
/// and its documents.
#[derive(Debug, Clone, Default)]
pub struct ApplicationInput {
    /// The union applied to; `None` when the applicant has not chosen one.
    pub union_id: Option<i64>,
    pub household: HouseholdInput,
    pub incomes: Vec<MonthlyIncome>,
    pub files: Vec<Upload>,
    /// Documents held from an earlier, refused attempt of the same browser.
    pub held: Held,
    /// The version of the consent text the applicant agreed to
    /// (`application::CONSENT_VERSION`); required.
    pub consent: Option<String>,
}

/// What is stored as the application's data.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Stored {
    household: HouseholdInput,
    incomes: Vec<MonthlyIncome>,
    /// The consent given with it (absent in applications from before
    /// consent was recorded).
    #[serde(default)]
    consent: Option<Consent>,
}

/// The consent an applicant gave: the text's version and when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Consent {
    pub version: String,
    pub at: chrono::NaiveDateTime,
}

/// Something a person does to an application.
#[derive(Debug, Clone)]
pub enum Act {
    /// 基层审核 with the home visit (入户核查): what was seen, asked, explained.
    Review {
        visit_date: String,
        seen: String,
        asked: String,
        explained: String,
    },
    /// Publish for objections.
    Notice,
    Objection {
        text: String,
    },
    Approve {
        note: String,
    },
    Reject {
        reason: String,
    },
}

impl Act {
    fn step(&self) -> Step {
        match self {
            Act::Review { .. } => Step::Review,
            Act::Notice => Step::Notice,
            Act::Objection { .. } => Step::Objection,
            Act::Approve { .. } => Step::Approve,
            Act::Reject { .. } => Step::Reject,
        }
    }

    fn action(&self) -> Action {
        match self {
            Act::Review { .. } => Action::ReviewApplication,
            Act::Notice => Action::NoticeApplication,
            Act::Objection { .. } => Action::ObjectApplication,
            Act::Approve { .. } => Action::ApproveApplication,
            Act::Reject { .. } => Action::RejectApplication,
        }
    }
}

/// An application with everything its page shows.
#[derive(Debug, Clone)]
///
/// Identities are masked, as in a household's file.
pub struct ApplicationDetail {
    pub application: Application,
    pub data: HouseholdData<Masked>,
    pub members: Vec<Member<Masked>>,
    pub incomes: Vec<MonthlyIncome>,
    /// The decision on the application's data with the lines in force now.
    pub identification: Identification,
    pub steps: Vec<StepRecord>,
    pub files: Vec<FileInfo>,
    /// What the viewer may do now.
    pub can_review: bool,
    pub can_notice: bool,
    pub can_object: bool,
    pub can_approve: bool,
    pub can_reject: bool,
    /// Why approval is not possible yet, when it is not.
    pub approve_blocked: Option<String>,
    /// The consent the applicant gave (none on applications from before
    /// consent was recorded).
    pub consent: Option<Consent>,
}

/// What an applicant sees of their application.
#[derive(Debug, Clone)]
pub struct ApplicationStatusView {
    pub number: String,
    pub status: AppStatus,
    pub union_name: String,
    pub submitted_at: chrono::NaiveDateTime,
    pub notice_until: Option<NaiveDate>,
    /// Step label and time, without internal notes.
    pub steps: Vec<(String, chrono::NaiveDateTime)>,
    /// The reason given when it was refused.
    pub reason: Option<String>,
    pub file_no: Option<String>,
}

/// Lower is higher in the tree; an industry union ranks with a county.
fn rank(level: UnionLevel) -> u8 {
    match level {
        UnionLevel::National => 0,
        UnionLevel::Province => 1,
        UnionLevel::City => 2,
        UnionLevel::County | UnionLevel::Industry => 3,
        UnionLevel::Grassroots => 4,
    }
}

fn decision_json(i: &Identification) -> String {
    let (d, c) = decision_of(i);
    json!({
        "decision": d.code(),
        "condition": c,
        "migrant": i.migrant,
        "category": i.category.map(|c| c.code()),
        "window": i.window.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
        "reasons": i.reasons,
    })
    .to_string()
}

/// An application that passed every check of its input.
struct Valid {
    union: unions::Union,
    /// As typed, with the defaults of an application (tier, category).
    household: HouseholdInput,
    data: HouseholdData,
    members: Vec<Member>,
    /// The new documents that passed their checks.
    files: Vec<Checked>,
}

/// Checks an application's input in one pass: its months, its new documents
/// (`held` more are kept from before), the union and the household. Every
/// refusal at once, or the application parsed.
fn validate(
    c: &mut Conn,
    actor: Option<&Actor>,
    input: &ApplicationInput,
    held: usize,
    today: NaiveDate,
) -> Result<Result<Valid, Refusals>, ServiceError> {
    let mut r = Refusals::new();
    r.take(check_months(&input.incomes, Month::of_date(today)));
    if input.incomes.is_empty() {
        r.push(ValidationError::new(
            "incomes",
            "请填写最近几个月的家庭收入（至少一个月），工会据此认定",
        ));
    }
    let (files, refused) = check_each(&input.files, held);
    r.extend(refused.into_vec());
    let union = match input.union_id {
        None => {
            r.push(ValidationError::new(
                "union_id",
                "请先查找并选择您所在单位的工会",
            ));
            None
        }
        Some(id) => {
            let found = match actor {
                Some(a) => unions::find(c, &a.scope(), UnionId(id))?,
                None => unions::find_unscoped(c, UnionId(id))?,
            }
            .filter(|u| u.active);
            if found.is_none() {
                r.push(ValidationError::new("union_id", "请选择您所在单位的工会"));
            }
            found
        }
    };
    let mut household = input.household.clone();
    if household.tier.trim().is_empty() {
        // 地方级 at the level of the union applied to (docs/rules.md §2).
        let levels: Vec<UnionLevel> = match &union {
            Some(u) => unions::path_unscoped(c, &u.path)?
                .iter()
                .map(|u| u.level)
                .collect(),
            None => Vec::new(),
        };
        household.tier = Tier::local_of(&levels).code().into();
    }
    if household.category.trim().is_empty() {
        household.category = Category::Sudden.code().into();
    }
    let region = union
        .as_ref()
        .map(|u| u.division_code.clone())
        .unwrap_or_default();
    let parsed = match household.parse_all(&region, None, today) {
        Ok(p) => Some(p),
        Err(e) => {
            r.extend(e.into_vec());
            None
        }
    };
    // Last, beside the button: the form shows it where it is ticked.
    if let Some(why) = bangfu_domain::application::consent_refusal(input.consent.as_deref()) {
        r.push(ValidationError::new("consent", why));
    }
    Ok(match (union, parsed) {
        (Some(union), Some((data, members))) if r.is_empty() => Ok(Valid {
            union,
            household,
            data,
            members,
            files,
        }),
        _ => Err(r),
    })
}

/// What may stop a valid application: someone already on file or already
/// applying. Returns the identification on its data (and sets the category
/// from it when the rule can tell).
fn admissible(
    c: &mut Conn,
    v: &mut Valid,
    incomes: &[MonthlyIncome],
) -> Result<Identification, ServiceError> {
    let books = Books::load(c)?;
    let ident = books.identify(&v.data, v.members.len() + 1, incomes)?;
    // The category follows from the data when the rule can tell.
    if let Some(cat) = ident.category {
        v.household.category = cat.code().into();
    }
    // Whether the person is on another union's file is asked only when the
    // application is submitted, where the answer is audited and counted
    // (`filed_elsewhere::guard`), never by a check that writes nothing.
    let id_number = v.data.worker_id_number.as_str();
    if let Some(open) = apps::by_worker(c, id_number)?
        .into_iter()
        .find(|a| a.status.is_open())
    {
        return Err(ServiceError::Conflict {
            field: "worker_id_number",
            message: format!(
                "该职工已有一份建档申请正在办理（申请号 {}，{}），请凭身份证号码和手机号码查询进度",
                bangfu_domain::application::application_no(open.id),
                open.status.label()
            ),
        });
    }
    Ok(ident)
}

/// The stored application parsed back into the domain's types.
fn unpack(
    a: &Application,
) -> Result<
    (
        HouseholdInput,
        HouseholdData,
        Vec<Member>,
        Vec<MonthlyIncome>,
    ),
    ServiceError,
> {
    if a.data_json == bangfu_storage::retention::ANONYMISED_APPLICATION {
        return Err(ServiceError::Rule(
            "该申请所属档案已超过保存期限，申请人的个人信息已匿名化处理，无法查看申请内容".into(),
        ));
    }
    let stored: Stored = serde_json::from_str(&a.data_json)
        .map_err(|e| ServiceError::Internal(format!("application {} data: {e}", a.id)))?;
    let (data, members) = stored
        .household
        .parse(&a.division_code, None, today())
        .map_err(|e| ServiceError::Internal(format!("application {} data: {}", a.id, e.message)))?;
    Ok((stored.household, data, members, stored.incomes))
}

/// The consent recorded with an application, read alone.
fn consent_of(a: &Application) -> Option<Consent> {
    #[derive(serde::Deserialize)]
    struct Only {
        #[serde(default)]
        consent: Option<Consent>,
    }
    serde_json::from_str::<Only>(&a.data_json)
        .ok()
        .and_then(|o| o.consent)
}

fn stale() -> ServiceError {
    ServiceError::stale("该申请刚刚已被他人处理，请刷新页面查看最新状态。")
}

impl Services {
    /// Submits an application: online by the worker (`actor` is `None`) or
    /// by an officer on their behalf. The data must be complete and valid
    /// (every refusal is answered at once), the person not already in an
    /// open file nor in an application still being decided. Documents held
    /// from an earlier attempt are attached and no longer held.
    pub async fn application_submit(
        &self,
        actor: Option<&Actor>,
        origin: Origin,
        input: ApplicationInput,
    ) -> Result<ApplicationId, ServiceError> {
        if let Some(a) = actor {
            a.require(Permission::ManageHouseholds)?;
        }
        let actor = actor.cloned();
        let today = today();
        let limit = self.settings.filed_elsewhere_per_hour;
        self.write(move |c| {
            let held = held_list(c, &input.held)?.len();
            let mut v =
                validate(c, actor.as_ref(), &input, held, today)?.map_err(ServiceError::from)?;
            let ident = admissible(c, &mut v, &input.incomes)?;
            // On file elsewhere: refused, and the refusal audited and counted
            // (in this transaction, which commits with the refusal).
            let asker = match &actor {
                Some(a) => Asker::User(a),
                None => Asker::Public(&origin),
            };
            let filing = Filing {
                context: "submit_application",
                union: v.union.owner(),
            };
            if let Some(refusal) =
                filed_elsewhere::guard(c, asker, limit, &filing, None, &v.data, &v.members)?
            {
                return Ok(Err(refusal));
            }
            let mut files = take_held(c, &input.held)?;
            files.append(&mut v.files);
            let (union, data) = (&v.union, &v.data);
            let id_number = data.worker_id_number.as_str().to_owned();
            let stored = Stored {
                household: v.household.clone(),
                incomes: input.incomes.clone(),
                consent: input.consent.as_ref().map(|version| Consent {
                    version: version.trim().to_owned(),
                    at: now(),
                }),
            };
            let data_json = serde_json::to_string(&stored)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            let at = now();
            let id = apps::insert(
                c,
                &NewApplication {
                    union_id: union.id,
                    union_path: &union.path,
                    channel: if actor.is_some() { "officer" } else { "online" },
                    worker_name: &data.worker_name,
                    worker_id_number: &id_number,
                    phone: &data.phone,
                    division_code: &data.division_code,
                    data_json: &data_json,
                    created_by: actor.as_ref().map(|a| a.user.id.0),
                },
                at,
            )?;
            for (name, kind, bytes) in &files {
                apps::add_file(c, id, name, kind, bytes, at)?;
            }
            apps::add_step(
                c,
                id,
                &StepRecord {
                    step: Step::Submit,
                    actor_id: actor.as_ref().map(|a| a.user.id.0),
                    actor_name: actor
                        .as_ref()
                        .map(|a| a.user.display_name.clone())
                        .unwrap_or_else(|| format!("{}（本人网上申请）", data.worker_name)),
                    at,
                    detail_json: json!({ "files": files.len() }).to_string(),
                    decision_json: Some(decision_json(&ident)),
                },
            )?;
            let who = match &actor {
                Some(a) => Who::Actor(a),
                None => Who::Attempt {
                    username: "(网上申请)",
                    user_id: None,
                    origin: &origin,
                },
            };
            Record::of(Action::SubmitApplication, "application", id, union.owner())
                .after(json!({
                    "worker_name": data.worker_name,
                    "worker_id_number": data.worker_id_number.masked(),
                    "union_id": union.id.0,
                    "files": files.len(),
                    "months": input.incomes.len(),
                }))
                .write(c, who)?;
            Ok(Ok(id))
        })
        .await?
    }

    /// Every refusal an application's input would meet, without submitting
    /// it: for a form that found mistakes of its own (cells it could not
    /// read) and shows them with these, all at once. Empty when nothing
    /// stands in the way.
    pub async fn application_check(
        &self,
        actor: Option<&Actor>,
        input: ApplicationInput,
    ) -> Result<Vec<ValidationError>, ServiceError> {
        if let Some(a) = actor {
            a.require(Permission::ManageHouseholds)?;
        }
        let actor = actor.cloned();
        let today = today();
        self.read(move |c| {
            let held = held_list(c, &input.held)?.len();
            match validate(c, actor.as_ref(), &input, held, today)? {
                Err(r) => Ok(r.into_vec()),
                Ok(mut v) => match admissible(c, &mut v, &input.incomes) {
                    Ok(_) => Ok(Vec::new()),
                    Err(e @ ServiceError::Internal(_)) => Err(e),
                    Err(e) => Ok(e.refusals()),
                },
            }
        })
        .await
    }

    pub async fn application_list(
        &self,
        actor: &Actor,
        filter: ApplicationFilter,
        page: PageRequest,
    ) -> Result<Page<Application>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        self.read(move |c| Ok(apps::list(c, &scope, &filter, page)?.map(Application::masked)))
            .await
    }

    pub async fn application_get(
        &self,
        actor: &Actor,
        id: ApplicationId,
    ) -> Result<ApplicationDetail, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let a = actor.clone();
        let settings = self.settings().clone();
        self.read(move |c| {
            let application =
                apps::find(c, &scope, id)?.ok_or(ServiceError::NotFound("建档申请"))?;
            let (_, data, members, incomes) = unpack(&application)?;
            let books = Books::load(c)?;
            let identification = books.identify(&data, members.len() + 1, &incomes)?;
            let steps = apps::steps(c, id)?;
            let files = apps::files(c, id)?;
            let handles =
                a.can(Permission::ManageHouseholds) || a.can(Permission::ApproveApplications);
            let st = application.status;
            let approve_blocked = approval_blocker(c, &a, &application, settings.approval_level)?;
            Ok(ApplicationDetail {
                can_review: handles && st == AppStatus::Submitted,
                can_notice: handles && st == AppStatus::Reviewed,
                can_object: handles && st == AppStatus::Notice,
                can_approve: st == AppStatus::Notice
                    && a.can(Permission::ApproveApplications)
                    && approve_blocked.is_none(),
                can_reject: st.is_open()
                    && if st == AppStatus::Notice {
                        a.can(Permission::ApproveApplications)
                    } else {
                        handles
                    },
                approve_blocked: (st == AppStatus::Notice)
                    .then_some(approve_blocked)
                    .flatten(),
                consent: consent_of(&application),
                application: application.masked(),
                data: data.masked(),
                members: members.into_iter().map(Member::masked).collect(),
                incomes,
                identification,
                steps,
                files,
            })
        })
        .await
    }

    /// One supporting document of an application in scope.
    pub async fn application_file(
        &self,
        actor: &Actor,
        id: ApplicationId,
        file: i64,
    ) -> Result<(FileInfo, Vec<u8>), ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        self.read(move |c| {
            apps::find(c, &scope, id)?.ok_or(ServiceError::NotFound("建档申请"))?;
            apps::file_data(c, id, file)?.ok_or(ServiceError::NotFound("证明材料"))
        })
        .await
    }

    /// Takes one step on an application read at `version`.
    pub async fn application_act(
        &self,
        actor: &Actor,
        id: ApplicationId,
        version: i64,
        act: Act,
    ) -> Result<Application, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let handles =
            actor.can(Permission::ManageHouseholds) || actor.can(Permission::ApproveApplications);
        let approver = actor.can(Permission::ApproveApplications);
        // The input of the step, checked before anything is read.
        let detail = match &act {
            Act::Review {
                visit_date,
                seen,
                asked,
                explained,
            } => {
                let date =
                    NaiveDate::parse_from_str(visit_date.trim(), "%Y-%m-%d").map_err(|_| {
                        ValidationError::new("visit_date", "请填写入户核查日期（YYYY-MM-DD）")
                    })?;
                if date > today() {
                    return Err(
                        ValidationError::new("visit_date", "入户核查日期不能晚于今天").into(),
                    );
                }
                json!({
                    "visit_date": date.to_string(),
                    "seen": parse_text("seen", "看到的情况（住房、生活条件）", seen, true, 1000)?,
                    "asked": parse_text("asked", "询问的情况（家庭状况、需求）", asked, true, 1000)?,
                    "explained": parse_text("explained", "讲解的政策", explained, true, 1000)?,
                })
            }
            Act::Notice => json!({}),
            Act::Objection { text } => {
                json!({ "objection": parse_text("text", "异议内容", text, true, 1000)? })
            }
            Act::Approve { note } => {
                json!({ "note": parse_text("note", "审批意见", note, false, 500)? })
            }
            Act::Reject { reason } => {
                json!({ "reason": parse_text("reason", "不予通过的理由", reason, true, 500)? })
            }
        };
        let scope = actor.scope();
        let a = actor.clone();
        let settings = self.settings().clone();
        self.write(move |c| {
            let app = apps::find(c, &scope, id)?.ok_or(ServiceError::NotFound("建档申请"))?;
            if app.version != version {
                return Err(stale());
            }
            let step = act.step();
            let next = app.status.after(step).ok_or_else(|| {
                ServiceError::Rule(format!(
                    "申请当前为“{}”，不能执行“{}”",
                    app.status.label(),
                    step.label()
                ))
            })?;
            let allowed = match (&act, app.status) {
                (Act::Approve { .. }, _) | (Act::Reject { .. }, AppStatus::Notice) => approver,
                _ => handles,
            };
            if !allowed {
                return Err(ServiceError::Forbidden);
            }
            let (_, data, members, incomes) = unpack(&app)?;
            let books = Books::load(c)?;
            let ident = books.identify(&data, members.len() + 1, &incomes)?;
            let today = today();
            let mut notice = None;
            let mut household = None;
            match &act {
                Act::Notice => {
                    let until = today + chrono::Duration::days(i64::from(settings.notice_days));
                    notice = Some((today, until));
                }
                Act::Approve { .. } => {
                    if let Some(why) = approval_blocker(c, &a, &app, settings.approval_level)? {
                        return Err(ServiceError::Rule(why));
                    }
                    let union = unions::find_unscoped(c, app.union_id)?
                        .ok_or(ServiceError::NotFound("工会"))?;
                    let hid = file_household(
                        c,
                        Who::Actor(&a),
                        &union,
                        &data,
                        &members,
                        &incomes,
                        &books,
                    )?;
                    household = Some(hid);
                }
                _ => {}
            }
            let at = now();
            if !apps::advance(c, id, version, next, notice, household, at)? {
                return Err(stale());
            }
            apps::add_step(
                c,
                id,
                &StepRecord {
                    step,
                    actor_id: Some(a.user.id.0),
                    actor_name: a.user.display_name.clone(),
                    at,
                    detail_json: detail.to_string(),
                    decision_json: Some(decision_json(&ident)),
                },
            )?;
            let mut after = marked(&detail);
            after["status"] = json!(next.code());
            if let Some(h) = household {
                after["household_id"] = json!(h.0);
            }
            Record::of(act.action(), "application", id, app.owner())
                .before(json!({ "status": app.status.code() }))
                .after(after)
                .write(c, Who::Actor(&a))?;
            apps::find(c, &scope, id)?
                .map(Application::masked)
                .ok_or(ServiceError::NotFound("建档申请"))
        })
        .await
    }

    /// The applicant's status check: their ID number and the phone given in
    /// the application must both match; otherwise nothing is shown.
    pub async fn application_status(
        &self,
        id_number: &str,
        phone: &str,
    ) -> Result<Vec<ApplicationStatusView>, ServiceError> {
        let id = IdNumber::parse("id_number", id_number, today())?;
        let phone: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
        if phone.len() < 7 {
            return Err(ValidationError::new("phone", "请填写申请时留的手机号码").into());
        }
        self.read(move |c| {
            let list = apps::by_worker(c, id.as_str())?;
            let mut out = Vec::new();
            for a in list {
                let digits: String = a.phone.chars().filter(|c| c.is_ascii_digit()).collect();
                if digits != phone {
                    continue;
                }
                let steps = apps::steps(c, a.id)?;
                let reason = steps
                    .iter()
                    .rev()
                    .find(|s| s.step == Step::Reject)
                    .and_then(|s| serde_json::from_str::<Value>(&s.detail_json).ok())
                    .and_then(|v| v["reason"].as_str().map(str::to_owned));
                let file_no = match a.household_id {
                    Some(h) => bangfu_storage::households::file_no_unscoped(c, h)?,
                    None => None,
                };
                out.push(ApplicationStatusView {
                    number: bangfu_domain::application::application_no(a.id),
                    status: a.status,
                    union_name: a.union_name.clone(),
                    submitted_at: a.created_at,
                    notice_until: a.notice_until,
                    steps: steps
                        .iter()
                        .map(|s| (s.step.label().to_owned(), s.at))
                        .collect(),
                    reason,
                    file_no,
                });
            }
            Ok(out)
        })
        .await
    }

    /// The name of an active union, for an applicant who chose it.
    pub async fn public_unions_by_id(&self, id: i64) -> Result<Option<String>, ServiceError> {
        self.read(move |c| {
            Ok(unions::find_unscoped(c, UnionId(id))?
                .filter(|u| u.active)
                .map(|u| u.name))
        })
        .await
    }

    /// Active unions whose name contains `q` (for applicants choosing
    /// their union; names of unions are public).
    pub async fn public_unions(&self, q: &str) -> Result<Vec<(i64, String)>, ServiceError> {
        let q = q.trim().to_owned();
        if q.chars().count() < 2 {
            return Ok(Vec::new());
        }
        self.read(move |c| {
            let root = unions::root(c)?.ok_or(ServiceError::NotFound("工会"))?;
            let page = unions::list(
                c,
                &Scope::of(root.path),
                &unions::UnionFilter {
                    q: Some(q),
                    active: Some(true),
                    ..Default::default()
                },
                PageRequest::new(Some(1), Some(30)),
            )?;
            Ok(page.items.into_iter().map(|u| (u.id.0, u.name)).collect())
        })
        .await
    }
}

/// Why `actor` may not approve `app` now: not at the approving level, or
/// the notice has not run its course. `None`: nothing stands in the way.
fn approval_blocker(
    c: &mut Conn,
    actor: &Actor,
    app: &Application,
    level: UnionLevel,
) -> Result<Option<String>, ServiceError> {
    approval_blocked(c, actor, "建档申请", app.notice_until, level, today())
}

/// The one approval rule of filings and exit decisions: the approver sits at
/// `level` or above, and a public notice has ended (`notice_until` is the
/// last day of objections). `what` names the thing in the refusal.
pub(crate) fn approval_blocked(
    c: &mut Conn,
    actor: &Actor,
    what: &str,
    notice_until: Option<NaiveDate>,
    level: UnionLevel,
    today: NaiveDate,
) -> Result<Option<String>, ServiceError> {
    let own =
        unions::find_unscoped(c, actor.user.union_id)?.ok_or(ServiceError::NotFound("工会"))?;
    if rank(own.level) > rank(level) {
        return Ok(Some(format!(
            "{what}须由{}及以上工会的审核人批准",
            level.label()
        )));
    }
    if let Some(until) = notice_until {
        if today < until {
            return Ok(Some(format!("公示期至 {until}，期满后方可批准")));
        }
    }
    Ok(None)
}

/// A step's detail as the audit log keeps it: what was written (findings,
/// an objection, a note, a reason) only as its length, like every other
/// sealed text (the step itself keeps it, sealed).
fn marked(detail: &Value) -> Value {
    match detail {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) if k != "visit_date" => {
                            json!(bangfu_domain::id_number::note_marker(s))
                        }
                        other => other.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}
