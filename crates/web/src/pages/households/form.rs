//! Filing a household and editing its file: the form with its members.

use super::*;
use crate::view::division_name;
use bangfu_domain::household::member_refusal;
use bangfu_domain::household::{
    EmployerKind, Employment, HardshipCause, Health, HouseholdId, LabourCapacity, Relation,
    Schooling, Tier,
};
use bangfu_domain::identification::Category;
use bangfu_domain::{division, Fen, Permission, Refusals, ValidationError};
use bangfu_service::{HouseholdDetail, HouseholdInput, MemberInput, PageRequest, ServiceError};

/// The filing form as posted. Member fields repeat once per row.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct HouseholdForm {
    #[serde(default)]
    pub(crate) union_id: String,
    #[serde(default)]
    pub(crate) worker_name: String,
    #[serde(default)]
    pub(crate) worker_id_number: String,
    #[serde(default)]
    pub(crate) phone: String,
    #[serde(default)]
    pub(crate) address: String,
    #[serde(default)]
    pub(crate) division_code: String,
    #[serde(default)]
    pub(crate) employer: String,
    #[serde(default)]
    pub(crate) employer_kind: String,
    #[serde(default)]
    pub(crate) employment: String,
    #[serde(default)]
    pub(crate) labour_capacity: String,
    #[serde(default)]
    pub(crate) health: String,
    #[serde(default)]
    pub(crate) disability_grade: String,
    pub(crate) migrant: Option<String>,
    pub(crate) zero_employment: Option<String>,
    pub(crate) closure_laid_off: Option<String>,
    pub(crate) trade_friction: Option<String>,
    #[serde(default)]
    pub(crate) causes: Vec<String>,
    #[serde(default)]
    pub(crate) category: String,
    #[serde(default)]
    pub(crate) tier: String,
    #[serde(default)]
    pub(crate) filed_on: String,
    #[serde(default)]
    pub(crate) dibao_since: String,
    #[serde(default)]
    pub(crate) other_relief_since: String,
    #[serde(default)]
    pub(crate) notes: String,
    #[serde(default)]
    pub(crate) version: String,
    /// Set when filing converts a temporary relief file (转正): the form
    /// posts to that file's conversion instead.
    #[serde(default)]
    pub(crate) from_temporary: String,
    #[serde(default)]
    pub(crate) m_name: Vec<String>,
    #[serde(default)]
    pub(crate) m_id_number: Vec<String>,
    #[serde(default)]
    pub(crate) m_relation: Vec<String>,
    #[serde(default)]
    pub(crate) m_health: Vec<String>,
    #[serde(default)]
    pub(crate) m_disability_grade: Vec<String>,
    #[serde(default)]
    pub(crate) m_schooling: Vec<String>,
    #[serde(default)]
    pub(crate) m_employment: Vec<String>,
    #[serde(default)]
    pub(crate) m_income: Vec<String>,
}

pub(crate) fn grade(s: &str) -> Result<Option<i32>, ValidationError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| ValidationError::new("disability_grade", "残疾等级应为 1–4 的数字"))
}

impl HouseholdForm {
    /// The first cell the form could not read, or the input.
    pub(crate) fn input(&self) -> Result<HouseholdInput, ValidationError> {
        let (input, refused) = self.input_all();
        match refused.into_vec().into_iter().next() {
            Some(e) => Err(e),
            None => Ok(input),
        }
    }

    /// The input and every cell the form could not read (an amount or a
    /// grade that is not a number), each refused once and left blank in the
    /// input, so the service can check the rest in the same pass.
    pub(crate) fn input_all(&self) -> (HouseholdInput, Refusals) {
        let mut r = Refusals::new();
        let n = self.m_name.len();
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        let mut members = Vec::with_capacity(n);
        for i in 0..n {
            let income = r
                .take(
                    Fen::parse_yuan_opt("members", &at(&self.m_income, i))
                        .map_err(|e| member_refusal(i + 1, &e.message)),
                )
                .flatten()
                .unwrap_or(Fen::ZERO);
            members.push(MemberInput {
                name: at(&self.m_name, i),
                id_number: at(&self.m_id_number, i),
                relation: at(&self.m_relation, i),
                health: at(&self.m_health, i),
                disability_grade: r.take(grade(&at(&self.m_disability_grade, i))).flatten(),
                schooling: at(&self.m_schooling, i),
                employment: at(&self.m_employment, i),
                income,
            });
        }
        let input = HouseholdInput {
            union_id: self.union_id.trim().parse().ok(),
            worker_name: self.worker_name.clone(),
            worker_id_number: self.worker_id_number.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            division_code: self.division_code.clone(),
            employer: self.employer.clone(),
            employer_kind: self.employer_kind.clone(),
            employment: self.employment.clone(),
            labour_capacity: self.labour_capacity.clone(),
            health: self.health.clone(),
            disability_grade: r.take(grade(&self.disability_grade)).flatten(),
            migrant: self.migrant.is_some(),
            zero_employment: self.zero_employment.is_some(),
            closure_laid_off: self.closure_laid_off.is_some(),
            trade_friction: self.trade_friction.is_some(),
            causes: self.causes.clone(),
            category: self.category.clone(),
            tier: self.tier.clone(),
            filed_on: self.filed_on.clone(),
            dibao_since: self.dibao_since.clone(),
            other_relief_since: self.other_relief_since.clone(),
            notes: self.notes.clone(),
            members,
        };
        (input, r)
    }

    /// The form filled from a stored file (ID numbers masked).
    pub(crate) fn of(d: &HouseholdDetail) -> Self {
        let h = &d.household;
        let x = &h.data;
        let flag = |b: bool| b.then(|| "on".to_owned());
        let ms = &d.members;
        Self {
            from_temporary: String::new(),
            union_id: h.union_id.0.to_string(),
            worker_name: x.worker_name.clone(),
            worker_id_number: x.worker_id_number.text.clone(),
            phone: x.phone.clone(),
            address: x.address.clone(),
            division_code: x.division_code.clone(),
            employer: x.employer.clone(),
            employer_kind: x.employer_kind.code().into(),
            employment: x.employment.code().into(),
            labour_capacity: x.labour_capacity.code().into(),
            health: x.health.code().into(),
            disability_grade: x
                .disability_grade
                .map(|g| g.to_string())
                .unwrap_or_default(),
            migrant: flag(x.migrant),
            zero_employment: flag(x.zero_employment),
            closure_laid_off: flag(x.closure_laid_off),
            trade_friction: flag(x.trade_friction),
            causes: x.causes.iter().map(|c| c.code().to_owned()).collect(),
            category: x.category.code().into(),
            tier: x.tier.code().into(),
            filed_on: x.filed_on.to_string(),
            dibao_since: x.dibao_since.map(|m| m.to_string()).unwrap_or_default(),
            other_relief_since: x
                .other_relief_since
                .map(|m| m.to_string())
                .unwrap_or_default(),
            notes: x.notes.clone(),
            version: h.version.to_string(),
            m_name: ms.iter().map(|m| m.name.clone()).collect(),
            m_id_number: ms
                .iter()
                .map(|m| {
                    m.id_number
                        .as_ref()
                        .map(|i| i.text.clone())
                        .unwrap_or_default()
                })
                .collect(),
            m_relation: ms.iter().map(|m| m.relation.code().to_owned()).collect(),
            m_health: ms.iter().map(|m| m.health.code().to_owned()).collect(),
            m_disability_grade: ms
                .iter()
                .map(|m| {
                    m.disability_grade
                        .map(|g| g.to_string())
                        .unwrap_or_default()
                })
                .collect(),
            m_schooling: ms.iter().map(|m| m.schooling.code().to_owned()).collect(),
            m_employment: ms.iter().map(|m| m.employment.code().to_owned()).collect(),
            m_income: ms.iter().map(|m| m.income.yuan()).collect(),
        }
    }
}

/// One member row of the form.
pub struct MemberRow {
    pub(crate) name: String,
    pub(crate) id_number: String,
    pub(crate) relation: String,
    pub(crate) health: String,
    pub(crate) disability_grade: String,
    pub(crate) schooling: String,
    pub(crate) employment: String,
    pub(crate) income: String,
}

#[derive(Template)]
#[template(path = "household_form.html")]
pub(crate) struct FormPage {
    pub(crate) chrome: Chrome,
    /// `None`: filing a new household.
    pub(crate) id: Option<i64>,
    pub(crate) file_no: String,
    pub(crate) f: HouseholdForm,
    pub(crate) members: Vec<MemberRow>,
    pub(crate) error: Option<String>,
    pub(crate) error_field: String,
    pub(crate) unions: Vec<(i64, String)>,
    pub(crate) regions: Vec<(String, String)>,
    pub(crate) employer_kinds: Options,
    pub(crate) employments: Options,
    pub(crate) capacities: Options,
    pub(crate) healths: Options,
    pub(crate) causes: Options,
    pub(crate) categories: Options,
    pub(crate) tiers: Options,
    pub(crate) relations: Options,
    pub(crate) schoolings: Options,
}

impl FormPage {
    pub(crate) fn has_cause(&self, code: &&str) -> bool {
        self.f.causes.iter().any(|c| c == code)
    }
}

/// Unions an officer can file under: their own and those below, active.
pub(crate) async fn filing_unions(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<(i64, String)>, PageError> {
    let page = state
        .services
        .union_list(
            actor,
            bangfu_service::UnionFilter {
                active: Some(true),
                ..Default::default()
            },
            PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?;
    Ok(page
        .items
        .iter()
        .map(|u| (u.id.0, u.name.clone()))
        .collect())
}

pub(crate) async fn form_page(
    state: &AppState,
    actor: &Actor,
    id: Option<i64>,
    file_no: String,
    f: HouseholdForm,
    error: Option<(String, Option<&'static str>)>,
    status: StatusCode,
) -> PageResult {
    let own = own_division(state, actor).await?;
    let n = f.m_name.len();
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let mut members: Vec<MemberRow> = (0..n)
        .map(|i| MemberRow {
            name: at(&f.m_name, i),
            id_number: at(&f.m_id_number, i),
            relation: at(&f.m_relation, i),
            health: at(&f.m_health, i),
            disability_grade: at(&f.m_disability_grade, i),
            schooling: at(&f.m_schooling, i),
            employment: at(&f.m_employment, i),
            income: at(&f.m_income, i),
        })
        .filter(|m| !m.name.trim().is_empty() || !m.id_number.trim().is_empty())
        .collect();
    // Two blank rows to add members without any script.
    for _ in 0..2 {
        members.push(MemberRow {
            name: String::new(),
            id_number: String::new(),
            relation: String::new(),
            health: "healthy".into(),
            disability_grade: String::new(),
            schooling: "not_in_school".into(),
            employment: String::new(),
            income: String::new(),
        });
    }
    let (error, error_field) = match error {
        Some((m, f)) => (Some(m), f.unwrap_or_default().to_owned()),
        None => (None, String::new()),
    };
    Ok(render_status(
        status,
        &FormPage {
            chrome: Chrome::new(
                actor,
                if id.is_some() {
                    "修改档案"
                } else {
                    "新建档案"
                },
                "households",
            ),
            id,
            file_no,
            f,
            members,
            error,
            error_field,
            unions: filing_unions(state, actor).await?,
            regions: form_regions(&own),
            employer_kinds: options!(EmployerKind),
            employments: options!(Employment),
            capacities: options!(LabourCapacity),
            healths: options!(Health),
            causes: options!(HardshipCause),
            categories: options!(Category),
            tiers: options!(Tier),
            relations: options!(Relation),
            schoolings: options!(Schooling),
        },
    ))
}

/// Regions selectable for a worker: the union's division and every division
/// below it (a city's districts; a province's cities and districts).
pub(crate) fn form_regions(own: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack: Vec<Option<&str>> = vec![(own != division::NATIONAL).then_some(own)];
    if own != division::NATIONAL {
        out.push((own.to_owned(), division_name(own)));
    }
    while let Some(p) = stack.pop() {
        for d in division::children(p) {
            out.push((d.code.clone(), division_name(&d.code)));
            if out.len() < 4000 {
                stack.push(Some(d.code.as_str()));
            }
        }
    }
    out.sort();
    out
}

pub(crate) async fn new_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
) -> PageResult {
    actor_can(&actor, Permission::ManageHouseholds)?;
    let f = HouseholdForm {
        union_id: actor.user.union_id.0.to_string(),
        health: "healthy".into(),
        labour_capacity: "full".into(),
        employment: "employed".into(),
        employer_kind: "private".into(),
        category: "near_dibao".into(),
        tier: "national".into(),
        ..Default::default()
    };
    form_page(&state, &actor, None, String::new(), f, None, StatusCode::OK).await
}

pub(crate) fn actor_can(actor: &Actor, p: Permission) -> Result<(), PageError> {
    if actor.can(p) {
        Ok(())
    } else {
        Err(PageError::Service(ServiceError::Forbidden))
    }
}

pub(crate) async fn create_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<HouseholdForm>,
) -> PageResult {
    let result = match f.input() {
        Ok(input) => {
            state
                .services
                .household_create(&actor, input, Vec::new())
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(h) => Ok(Redirect::to(&format!(
            "/households/{}?{}",
            h.id,
            Notice::HouseholdCreated.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            form_page(
                &state,
                &actor,
                None,
                String::new(),
                f,
                Some((msg, field)),
                status,
            )
            .await
        }
    }
}

pub(crate) async fn edit_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    actor_can(&actor, Permission::ManageHouseholds)?;
    let d = state
        .services
        .household_get(&actor, HouseholdId(id))
        .await?;
    let f = HouseholdForm::of(&d);
    form_page(
        &state,
        &actor,
        Some(id),
        d.household.file_no.clone(),
        f,
        None,
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn edit_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<HouseholdForm>,
) -> PageResult {
    let version: i64 = f.version.trim().parse().unwrap_or(-1);
    let result = match f.input() {
        Ok(input) => {
            state
                .services
                .household_update(&actor, HouseholdId(id), version, input)
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/households/{id}?{}", Notice::Saved.query())).into_response(),
        ),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            let d = state
                .services
                .household_get(&actor, HouseholdId(id))
                .await?;
            form_page(
                &state,
                &actor,
                Some(id),
                d.household.file_no.clone(),
                f,
                Some((msg, field)),
                status,
            )
            .await
        }
    }
}
