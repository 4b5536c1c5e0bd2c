//! The household file: filing, editing, members, monthly incomes, the
//! identification of each file, finding files, and revealing an ID number.

use crate::audit::{Owned, Record, Who};
use crate::filed_elsewhere::{self, Asker, Filing};
use crate::filing::{check_months, register_people, snapshot};
use crate::unions::narrow_to_union;
// The generator reads these here too.
pub(crate) use crate::books::Books;
pub(crate) use crate::clock::today;
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::division::DivisionCode;
use bangfu_domain::exit::ExitEvaluation;
use bangfu_domain::household::{
    check_people, member_refusal, parse_disability_grade, parse_name, parse_phone, parse_text,
    Causes, Cohort, EmployerKind, Employment, Health, HouseholdData, HouseholdId, LabourCapacity,
    Member, MonthlyIncome, Relation, Schooling, Status, Tier,
};
use bangfu_domain::identification::{Category, Identification};
use bangfu_domain::lines::{decision_of, RegionParams};
use bangfu_domain::{Fen, IdNumber, Masked, Month, Permission, Refusals, ValidationError};
use bangfu_storage::households::{self, Household, HouseholdFilter};
use bangfu_storage::{unions, Conn, Page, PageRequest, Scope};
use chrono::NaiveDate;
use serde_json::{json, Value};

/// A file as typed in a form, an API request or an Excel row: text and
/// codes, parsed here into the domain's types.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct HouseholdInput {
    /// The filing union; the officer's own when absent.
    pub union_id: Option<i64>,
    pub worker_name: String,
    /// On an edit, blank keeps the stored number (forms show it masked).
    pub worker_id_number: String,
    pub phone: String,
    pub address: String,
    /// The worker's region; the filing union's when blank.
    pub division_code: String,
    pub employer: String,
    pub employer_kind: String,
    pub employment: String,
    pub labour_capacity: String,
    pub health: String,
    pub disability_grade: Option<i32>,
    pub migrant: bool,
    pub zero_employment: bool,
    pub closure_laid_off: bool,
    pub trade_friction: bool,
    pub causes: Vec<String>,
    pub category: String,
    pub tier: String,
    /// `YYYY-MM-DD`; today when blank.
    pub filed_on: String,
    /// `YYYY-MM` from which the household receives 低保; blank: not on 低保.
    pub dibao_since: String,
    pub other_relief_since: String,
    pub notes: String,
    pub members: Vec<MemberInput>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct MemberInput {
    pub name: String,
    /// Blank for someone without a number yet (a newborn); on an edit, a
    /// masked value keeps the stored number of the member at the same place.
    pub id_number: String,
    pub relation: String,
    pub health: String,
    pub disability_grade: Option<i32>,
    pub schooling: String,
    pub employment: String,
    pub income: Fen,
}

/// Everything a file's page shows.
#[derive(Debug, Clone)]
///
/// Identities are masked: the full numbers are only shown by
/// [`Services::household_reveal`], for a reason, to someone allowed.
pub struct HouseholdDetail {
    pub household: Household<Masked>,
    pub members: Vec<Member<Masked>>,
    pub incomes: Vec<MonthlyIncome>,
    pub identification: Identification,
    /// The exit standard (脱困) on the recorded months, the causes of
    /// hardship assumed removed until an officer confirms it.
    pub exit: ExitEvaluation,
    pub params: RegionParams,
    /// Whether the caller may see full ID numbers (after giving a reason).
    pub may_reveal: bool,
    pub may_edit: bool,
    /// Who made the file's last change (`household.updated_at`), when known.
    pub updated_by_name: Option<String>,
    /// The temporary relief file this file was converted from (转正).
    pub converted_from: Option<bangfu_domain::temporary::TemporaryFileId>,
    /// The files merged into this one, or the one it was merged into.
    pub merges: households::MergeLinks,
    /// A transfer to another union waiting for its answer.
    pub pending_transfer: Option<crate::transfers::Transfer>,
}

/// What revealing a file's identity shows, once, to someone allowed.
#[derive(Debug, Clone)]
pub struct Revealed {
    pub worker_id_number: String,
    pub phone: String,
    /// Member names with their full numbers.
    pub members: Vec<(String, Option<String>)>,
}

fn parse_date(field: &'static str, raw: &str) -> Result<Option<NaiveDate>, ValidationError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y/%m/%d"))
        .map(Some)
        .map_err(|_| ValidationError::new(field, format!("日期“{s}”无效，应为 YYYY-MM-DD")))
}

fn parse_month_opt(field: &'static str, raw: &str) -> Result<Option<Month>, ValidationError> {
    let s = raw.trim();
    if s.is_empty() {
        Ok(None)
    } else {
        Month::parse(field, s).map(Some)
    }
}

/// A masked value typed back into a form means "keep what is stored".
fn is_masked(s: &str) -> bool {
    s.contains('*')
}

impl HouseholdInput {
    /// Parses every field; `stored` is the file being edited (masked or blank
    /// ID numbers keep its values). The first refusal, for callers that
    /// answer one at a time.
    pub(crate) fn parse(
        &self,
        region_default: &str,
        stored: Option<(&HouseholdData, &[Member])>,
        today: NaiveDate,
    ) -> Result<(HouseholdData, Vec<Member>), ValidationError> {
        self.parse_all(region_default, stored, today)
            .map_err(|r| r.into_vec().swap_remove(0))
    }

    /// Parses every field in one pass: every refusal, in the order of the
    /// form (the first is the one [`HouseholdInput::parse`] gives).
    pub(crate) fn parse_all(
        &self,
        region_default: &str,
        stored: Option<(&HouseholdData, &[Member])>,
        today: NaiveDate,
    ) -> Result<(HouseholdData, Vec<Member>), Refusals> {
        let mut r = Refusals::new();
        let worker_name = r.take(parse_name("worker_name", &self.worker_name));
        let raw_id = self.worker_id_number.trim();
        let worker_id_number = r.take(match stored {
            Some((d, _)) if raw_id.is_empty() || is_masked(raw_id) => {
                Ok(d.worker_id_number.clone())
            }
            _ => IdNumber::parse("worker_id_number", raw_id, today),
        });
        let phone = r.take(match stored {
            Some((d, _)) if is_masked(&self.phone) => Ok(d.phone.clone()),
            _ => parse_phone("phone", &self.phone),
        });
        let address = r.take(parse_text("address", "家庭住址", &self.address, true, 200));
        let division_code = r.take(if self.division_code.trim().is_empty() {
            Ok(region_default.to_owned())
        } else {
            DivisionCode::parse(&self.division_code)
                .map(|d| d.as_str().to_owned())
                .map_err(|e| ValidationError::new("division_code", e.message))
        });
        let employer = r.take(parse_text(
            "employer",
            "工作单位",
            &self.employer,
            false,
            100,
        ));
        let health = r.take(Health::parse(&self.health));
        // Blank keeps the stored date on an edit, and is today for a new file.
        let filed_on = r.take(parse_date("filed_on", &self.filed_on).and_then(|d| {
            let d = d.or(stored.map(|(d, _)| d.filed_on)).unwrap_or(today);
            if d > today {
                Err(ValidationError::new("filed_on", "建档日期不能晚于今天"))
            } else {
                Ok(d)
            }
        }));
        let employer_kind = r.take(EmployerKind::parse(&self.employer_kind));
        let employment = r.take(Employment::parse(&self.employment));
        let labour_capacity = r.take(LabourCapacity::parse(&self.labour_capacity));
        let disability_grade =
            health.and_then(|h| r.take(parse_disability_grade(h, self.disability_grade)));
        let causes = r.take(
            self.causes
                .iter()
                .filter(|c| !c.trim().is_empty())
                .map(|c| bangfu_domain::household::HardshipCause::parse(c))
                .collect::<Result<Vec<_>, _>>()
                .and_then(Causes::new),
        );
        let category = r.take(Category::parse(&self.category));
        let tier = r.take(Tier::parse(&self.tier));
        let dibao_since = r.take(parse_month_opt("dibao_since", &self.dibao_since));
        let other_relief_since = r.take(parse_month_opt(
            "other_relief_since",
            &self.other_relief_since,
        ));
        let notes = r.take(parse_text("notes", "备注", &self.notes, false, 2000));
        let mut members = Vec::with_capacity(self.members.len());
        for (i, m) in self.members.iter().enumerate() {
            if let Some(member) = parse_member(m, i, stored.map(|(_, ms)| ms), today, &mut r) {
                members.push(member);
            }
        }
        let (
            Some(worker_name),
            Some(worker_id_number),
            Some(phone),
            Some(address),
            Some(division_code),
            Some(employer),
            Some(health),
            Some(filed_on),
            Some(employer_kind),
            Some(employment),
            Some(labour_capacity),
            Some(disability_grade),
            Some(causes),
            Some(category),
            Some(tier),
            Some(dibao_since),
            Some(other_relief_since),
            Some(notes),
        ) = (
            worker_name,
            worker_id_number,
            phone,
            address,
            division_code,
            employer,
            health,
            filed_on,
            employer_kind,
            employment,
            labour_capacity,
            disability_grade,
            causes,
            category,
            tier,
            dibao_since,
            other_relief_since,
            notes,
        )
        else {
            return Err(r);
        };
        let data = HouseholdData {
            worker_name,
            worker_id_number,
            phone,
            address,
            division_code,
            employer,
            employer_kind,
            employment,
            labour_capacity,
            health,
            disability_grade,
            migrant: self.migrant,
            zero_employment: self.zero_employment,
            closure_laid_off: self.closure_laid_off,
            trade_friction: self.trade_friction,
            causes,
            category,
            tier,
            filed_on,
            dibao_since,
            other_relief_since,
            notes,
        };
        r.check()?;
        check_people(&data, &members)?;
        Ok((data, members))
    }
}

/// One member row of a form (`i` from 0): `None` for an empty row, or when
/// it is refused (every refusal of the row is kept in `r`).
fn parse_member(
    m: &MemberInput,
    i: usize,
    stored: Option<&[Member]>,
    today: NaiveDate,
    r: &mut Refusals,
) -> Option<Member> {
    if m.name.trim().is_empty() && m.id_number.trim().is_empty() {
        return None; // an empty row of the form
    }
    let at = |e: ValidationError| member_refusal(i + 1, &e.message);
    let raw = m.id_number.trim();
    let id_number = if raw.is_empty() {
        Some(None)
    } else if is_masked(raw) {
        let kept = stored
            .and_then(|ms| ms.get(i))
            .and_then(|old| old.id_number.clone())
            .filter(|old| old.masked() == raw);
        r.take(
            kept.map(Some)
                .ok_or_else(|| member_refusal(i + 1, "请填写完整的身份证号码")),
        )
    } else {
        r.take(IdNumber::parse("members", raw, today).map(Some).map_err(at))
    };
    let name = r.take(parse_name("members", &m.name).map_err(at));
    let relation = r.take(Relation::parse(&m.relation).map_err(at));
    let health = r.take(Health::parse(&m.health).map_err(at));
    let disability_grade =
        health.and_then(|h| r.take(parse_disability_grade(h, m.disability_grade).map_err(at)));
    let schooling = r.take(Schooling::parse(&m.schooling).map_err(at));
    let employment = r.take(Employment::parse(&m.employment).map_err(at));
    let income = if m.income.0 < 0 {
        r.push(member_refusal(i + 1, "月收入不能为负数"));
        None
    } else {
        Some(m.income)
    };
    Some(Member {
        name: name?,
        id_number: id_number?,
        relation: relation?,
        health: health?,
        disability_grade: disability_grade?,
        schooling: schooling?,
        employment: employment?,
        income: income?,
    })
}

fn stale() -> ServiceError {
    ServiceError::stale("该档案已被他人修改，您的修改未保存。请刷新页面，查看最新内容后再修改。")
}

impl Services {
    pub async fn household_create(
        &self,
        actor: &Actor,
        input: HouseholdInput,
        incomes: Vec<MonthlyIncome>,
    ) -> Result<Household<Masked>, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        check_months(&incomes, Month::of_date(today()))?;
        let scope = actor.scope();
        let a = actor.clone();
        let today = today();
        let limit = self.settings.filed_elsewhere_per_hour;
        self.write(move |c| {
            Ok(
                match crate::filing::create_in(c, &a, &scope, &input, &incomes, today, limit)? {
                    Ok(id) => saved(c, &scope, id),
                    Err(refusal) => Err(refusal),
                },
            )
        })
        .await?
    }

    pub async fn household_get(
        &self,
        actor: &Actor,
        id: HouseholdId,
    ) -> Result<HouseholdDetail, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let may_reveal = actor.can(Permission::RevealIdentity);
        let may_edit = actor.can(Permission::ManageHouseholds);
        self.read(move |c| detail(c, &scope, id, may_reveal, may_edit))
            .await
    }

    /// Saves an edit made from `version`; refused when someone saved since.
    pub async fn household_update(
        &self,
        actor: &Actor,
        id: HouseholdId,
        version: i64,
        input: HouseholdInput,
    ) -> Result<Household<Masked>, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let scope = actor.scope();
        let a = actor.clone();
        let today = today();
        let limit = self.settings.filed_elsewhere_per_hour;
        self.write(move |c| {
            let before =
                households::find(c, &scope, id)?.ok_or(ServiceError::NotFound("困难职工档案"))?;
            if before.status != Status::OnFile {
                return Err(ServiceError::Rule("档案已关闭，不能修改".into()));
            }
            if before.version != version {
                return Err(stale());
            }
            let old_members = households::members_of(c, &scope, id)?;
            let union_default = before.data.division_code.clone();
            let (data, members) =
                input.parse(&union_default, Some((&before.data, &old_members)), today)?;
            let filing = Filing {
                context: "update_household",
                union: before.owner(),
            };
            if let Some(refusal) = filed_elsewhere::guard(
                c,
                Asker::User(&a),
                limit,
                &filing,
                Some(id),
                &data,
                &members,
            )? {
                return Ok(Err(refusal));
            }
            let incomes = households::incomes_of(c, &scope, id)?;
            let books = Books::load(c)?;
            let derived = books.derived(&data, &members, &incomes)?;
            if !households::update(c, id, version, &data, &derived, Some(a.user.id.0), now())? {
                return Err(stale());
            }
            households::replace_members(c, id, &members)?;
            register_people(c, id, &data, &members)?;
            Record::of(Action::UpdateHousehold, "household", id, before.owner())
                .before(snapshot(
                    &before.data,
                    &old_members,
                    &before.file_no,
                    before.union_id.0,
                ))
                .after(snapshot(
                    &data,
                    &members,
                    &before.file_no,
                    before.union_id.0,
                ))
                .write(c, Who::Actor(&a))?;
            Ok(saved(c, &scope, id))
        })
        .await?
    }

    /// Records months (replacing those already there) and removes `remove`,
    /// then re-identifies the file; refused when the file changed since `version`.
    pub async fn household_save_incomes(
        &self,
        actor: &Actor,
        id: HouseholdId,
        version: i64,
        list: Vec<MonthlyIncome>,
        remove: Vec<Month>,
    ) -> Result<Household<Masked>, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        check_months(&list, Month::of_date(today()))?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let before =
                households::find(c, &scope, id)?.ok_or(ServiceError::NotFound("困难职工档案"))?;
            if !before.status.followed() {
                return Err(ServiceError::Rule(
                    "档案已退出且不在跟踪期，不能再录入月收入".into(),
                ));
            }
            if before.version != version {
                return Err(stale());
            }
            let old = households::incomes_of(c, &scope, id)?;
            households::upsert_incomes(c, id, &list)?;
            let removed = households::delete_incomes(c, id, &remove)?;
            let incomes = households::incomes_of(c, &scope, id)?;
            let members = households::members_of(c, &scope, id)?;
            let books = Books::load(c)?;
            let ident = books.identify(&before.data, members.len() + 1, &incomes)?;
            let (decision, condition) = decision_of(&ident);
            if !households::touch(
                c,
                id,
                version,
                decision,
                condition,
                Some(a.user.id.0),
                now(),
            )? {
                return Err(stale());
            }
            // The ready-to-exit flags (and a relapse) follow the new months.
            crate::monthly::refresh_household(c, &scope, &books, id, today())?;
            let changed: Vec<&MonthlyIncome> = list
                .iter()
                .filter(|n| !old.iter().any(|o| o == *n))
                .collect();
            let months_before: Vec<Value> = old
                .iter()
                .filter(|o| list.iter().any(|n| n.month == o.month) || remove.contains(&o.month))
                .map(income_json)
                .collect();
            Record::of(Action::RecordIncomes, "household", id, before.owner())
                .before(json!({ "months": months_before }))
                .after(json!({
                    "months": changed.iter().map(|i| income_json(i)).collect::<Vec<_>>(),
                    "removed": remove.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
                    "removed_count": removed,
                    "decision": decision.code(),
                    "condition": condition,
                }))
                .write(c, Who::Actor(&a))?;
            saved(c, &scope, id)
        })
        .await
    }

    pub async fn household_list(
        &self,
        actor: &Actor,
        filter: HouseholdFilter,
        union_id: Option<i64>,
        page: PageRequest,
    ) -> Result<Page<Household<Masked>>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let cap = self.settings.list_count_cap;
        self.read(move |c| {
            let mut filter = filter;
            narrow_to_union(c, &scope, union_id, &mut filter.union_path)?;
            Ok(households::list(c, &scope, &filter, page, cap)?.map(Household::masked))
        })
        .await
    }

    /// Shows a file's full ID numbers and phone to someone allowed, for a
    /// stated reason, and records that they looked.
    pub async fn household_reveal(
        &self,
        actor: &Actor,
        id: HouseholdId,
        reason: &str,
    ) -> Result<Revealed, ServiceError> {
        actor.require(Permission::RevealIdentity)?;
        let reason = parse_text("reason", "查看理由", reason, true, 200)?;
        if reason.chars().count() < 2 {
            return Err(ValidationError::new("reason", "请写明查看完整信息的理由").into());
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h =
                households::find(c, &scope, id)?.ok_or(ServiceError::NotFound("困难职工档案"))?;
            let members = households::members_of(c, &scope, id)?;
            Record::of(Action::RevealIdentity, "household", id, h.owner())
                .after(json!({ "reason": reason, "file_no": h.file_no }))
                .write(c, Who::Actor(&a))?;
            Ok(Revealed {
                worker_id_number: h.data.worker_id_number.as_str().to_owned(),
                phone: h.data.phone.clone(),
                members: members
                    .iter()
                    .map(|m| {
                        (
                            m.name.clone(),
                            m.id_number.as_ref().map(|i| i.as_str().to_owned()),
                        )
                    })
                    .collect(),
            })
        })
        .await
    }
}

/// Files and their months, loaded together to be re-identified.
pub(crate) struct Batch {
    pub(crate) files: Vec<Household>,
    incomes: std::collections::HashMap<HouseholdId, Vec<MonthlyIncome>>,
}

impl Batch {
    pub(crate) fn load(
        c: &mut Conn,
        scope: &Scope,
        ids: &[HouseholdId],
    ) -> Result<Batch, ServiceError> {
        Ok(Batch {
            files: households::find_many(c, scope, ids)?,
            incomes: households::incomes_of_many(c, scope, ids)?,
        })
    }

    /// Identifies `h` with the lines in force and stores its decision (and
    /// cohort) when they changed; whether they did.
    pub(crate) fn redecide(
        &self,
        c: &mut Conn,
        books: &Books,
        h: &Household,
        at: chrono::NaiveDateTime,
    ) -> Result<bool, ServiceError> {
        // The rule needs the number of people only, which the file keeps
        // (its members are not read: their ID numbers and health are sealed).
        let size = usize::try_from(h.size).unwrap_or(1).max(1);
        let months = self.incomes.get(&h.id).map(Vec::as_slice).unwrap_or(&[]);
        let ident = books.identify(&h.data, size, months)?;
        let (d, cond) = decision_of(&ident);
        // The cut-off may have changed too: the cohort follows it.
        let cutoff = books
            .params
            .for_region(&h.data.division_code)
            .baseline_cutoff;
        let cohort = Cohort::of(h.data.filed_on, cutoff);
        if d == h.decision && cond == h.decision_condition && cohort == h.cohort {
            return Ok(false);
        }
        households::set_decision(c, h.id, d, cond, cohort, at)?;
        Ok(true)
    }
}

/// Files the start-up refresh re-identifies per transaction.
const STALE_BATCH: i64 = 500;

impl Services {
    /// Re-identifies the open files a migration listed as stale (after the
    /// rule changed, `stale_decisions`), so the decision stored on each file,
    /// which lists and counts read, agrees with the rule in force. Every
    /// server runs this when it starts, before it serves; it is done once:
    /// each batch is taken off the list in the transaction that re-decides
    /// it, by whichever of the processes starting at once takes it first.
    /// A file that cannot be judged keeps its decision (logged). Returns how
    /// many files this process re-identified and how many changed decision.
    pub async fn decisions_refresh_stale(&self) -> Result<(usize, usize), ServiceError> {
        let books = std::sync::Arc::new(self.read(Books::load).await?);
        let (mut seen, mut changed) = (0_usize, 0_usize);
        loop {
            let b = books.clone();
            let step = self
                .write(move |c| {
                    let ids = households::stale_ids(c, STALE_BATCH)?;
                    if ids.is_empty() {
                        return Ok(None);
                    }
                    let taken = households::take_stale(c, &ids)?;
                    let Some(root) = unions::root(c)? else {
                        return Ok(Some((0, 0)));
                    };
                    let files = Batch::load(c, &Scope::of(root.path.clone()), &taken)?;
                    let at = now();
                    let (mut n, mut k) = (0, 0);
                    for h in files.files.iter().filter(|h| h.status == Status::OnFile) {
                        n += 1;
                        match files.redecide(c, &b, h, at) {
                            Ok(true) => k += 1,
                            Ok(false) => {}
                            Err(ServiceError::Invalid(e)) => {
                                tracing::warn!(household = h.id.0, error = %e, "stale decision: cannot judge");
                            }
                            Err(e) => return Err(e),
                        }
                    }
                    Ok(Some((n, k)))
                })
                .await?;
            let Some((n, k)) = step else { break };
            seen += n;
            changed += k;
        }
        if seen > 0 {
            self.write(move |c| {
                let Some(root) = unions::root(c)? else {
                    return Ok(());
                };
                Record::of(Action::Reidentify, "household", "*", root.owner())
                    .after(json!({
                        "evaluated": seen,
                        "changed": changed,
                        "trigger": "startup",
                        "reason": "识别规则变更（docs/rules.md §4：条件二至四须窗口内有非生活性支出）后首次启动，重新识别在档家庭",
                    }))
                    .write(c, Who::Operator)
            })
            .await?;
            tracing::info!(evaluated = seen, changed, "stale decisions refreshed");
        }
        Ok((seen, changed))
    }
}

/// What the home page counts for someone who reads files.
#[derive(Debug, Clone, Default)]
pub struct HouseholdSummary {
    pub on_file: i64,
    pub eligible: i64,
    pub not_eligible: i64,
    pub insufficient: i64,
    pub open_applications: i64,
}

impl Services {
    /// Open files in the caller's scope by decision, and applications being decided.
    pub async fn household_summary(&self, actor: &Actor) -> Result<HouseholdSummary, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        self.read(move |c| {
            let mut s = HouseholdSummary::default();
            for (d, n) in households::count_by_decision(c, &scope)? {
                s.on_file += n;
                match d {
                    bangfu_domain::household::Decision::Eligible => s.eligible = n,
                    bangfu_domain::household::Decision::NotEligible => s.not_eligible = n,
                    bangfu_domain::household::Decision::Insufficient => s.insufficient = n,
                }
            }
            s.open_applications = bangfu_storage::applications::list(
                c,
                &scope,
                &bangfu_storage::applications::ApplicationFilter {
                    open: true,
                    ..Default::default()
                },
                PageRequest::new(Some(1), Some(1)),
            )?
            .total;
            Ok(s)
        })
        .await
    }
}

fn income_json(i: &MonthlyIncome) -> Value {
    json!({
        "month": i.month.to_string(),
        "wages_fen": i.wages.0, "business_fen": i.business.0,
        "property_fen": i.property.0, "transfer_fen": i.transfer.0,
        "medical_fen": i.medical.0, "schooling_fen": i.schooling.0,
        "emergency_fen": i.emergency.0,
    })
}

/// The file just written, as its writer sees it (identities masked).
fn saved(
    c: &mut bangfu_storage::Conn,
    scope: &bangfu_storage::Scope,
    id: HouseholdId,
) -> Result<Household<Masked>, ServiceError> {
    households::find(c, scope, id)?
        .map(Household::masked)
        .ok_or(ServiceError::NotFound("困难职工档案"))
}

/// A file with its members, incomes and decisions, read inside the caller's
/// transaction (the file's page reads it together with its leaving card).
pub(crate) fn detail(
    c: &mut bangfu_storage::Conn,
    scope: &bangfu_storage::Scope,
    id: HouseholdId,
    may_reveal: bool,
    may_edit: bool,
) -> Result<HouseholdDetail, ServiceError> {
    let household =
        households::find(c, scope, id)?.ok_or(ServiceError::NotFound("困难职工档案"))?;
    let members = households::members_of(c, scope, id)?;
    let incomes = households::incomes_of(c, scope, id)?;
    let books = Books::load(c)?;
    let identification = books.identify(&household.data, members.len() + 1, &incomes)?;
    let exit = books.evaluate_exit(&household.data, members.len() + 1, &incomes)?;
    let params = books.params.for_region(&household.data.division_code);
    let updated_by_name = match household.updated_by {
        Some(u) => bangfu_storage::plans::user_names(c, [u])?.remove(&u),
        None => None,
    };
    let converted_from = crate::temporary_files::of_household(c, scope, id)?.map(|t| t.id);
    let (merges, pending_transfer) = crate::transfers::links_of(c, scope, id)?;
    Ok(HouseholdDetail {
        converted_from,
        merges,
        pending_transfer,
        updated_by_name,
        may_edit: may_edit && household.status == Status::OnFile,
        household: household.masked(),
        members: members.into_iter().map(Member::masked).collect(),
        incomes,
        identification,
        exit,
        params,
        may_reveal,
    })
}
