//! The 12-month income grid of a household.

use super::*;
use bangfu_domain::household::{HouseholdId, MonthlyIncome};
use bangfu_domain::{Fen, Month, Permission, ValidationError};

/// One month of the grid, in yuan as typed.
pub struct GridRow {
    pub(crate) month: String,
    pub(crate) wages: String,
    pub(crate) business: String,
    pub(crate) property: String,
    pub(crate) transfer: String,
    pub(crate) medical: String,
    pub(crate) schooling: String,
    pub(crate) emergency: String,
    pub(crate) recorded: bool,
}

#[derive(Template)]
#[template(path = "household_incomes.html")]
pub(crate) struct IncomesPage {
    pub(crate) chrome: Chrome,
    pub(crate) h: Row,
    pub(crate) version: i64,
    pub(crate) end: String,
    pub(crate) prev_end: String,
    /// None when the grid already ends with the current month: months
    /// that have not come are not offered.
    pub(crate) next_end: Option<String>,
    pub(crate) rows: Vec<GridRow>,
    pub(crate) error: Option<String>,
    pub(crate) decision: DecisionView,
}

#[derive(Debug, Deserialize, Default)]
pub struct GridQuery {
    /// The last month of the 12 shown (`YYYY-MM`); the current month by
    /// default, and never later.
    pub(crate) end: Option<String>,
}

pub(crate) fn this_month() -> Month {
    Month::of_date(bangfu_service::today())
}

/// The last month a grid shows: the one asked for, but no month that has
/// not come (docs/rules.md §3).
fn grid_end(asked: Month, this_month: Month) -> Month {
    asked.min(this_month)
}

pub(crate) fn grid_rows(end: Month, recorded: &[MonthlyIncome]) -> Vec<GridRow> {
    let blank = |f: Fen, rec: bool| if rec { f.yuan() } else { String::new() };
    (0..12)
        .rev()
        .map(|k| end.add_months(-k))
        .map(|m| {
            let r = recorded.iter().find(|i| i.month == m);
            let i = r.copied().unwrap_or_else(|| MonthlyIncome::empty(m));
            let rec = r.is_some();
            GridRow {
                month: m.to_string(),
                wages: blank(i.wages, rec),
                business: blank(i.business, rec),
                property: blank(i.property, rec),
                transfer: blank(i.transfer, rec),
                medical: blank(i.medical, rec),
                schooling: blank(i.schooling, rec),
                emergency: blank(i.emergency, rec),
                recorded: rec,
            }
        })
        .collect()
}

pub(crate) async fn incomes_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    end: Month,
    typed: Option<Vec<GridRow>>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    actor_can(actor, Permission::ManageHouseholds)?;
    let now = this_month();
    let end = grid_end(end, now);
    let d = state.services.household_get(actor, HouseholdId(id)).await?;
    let rows = typed.unwrap_or_else(|| grid_rows(end, &d.incomes));
    Ok(render_status(
        status,
        &IncomesPage {
            chrome: Chrome::new(actor, "录入月收入", "households"),
            h: Row::from(&d.household),
            version: d.household.version,
            end: end.to_string(),
            prev_end: end.add_months(-12).to_string(),
            next_end: (end < now).then(|| grid_end(end.add_months(12), now).to_string()),
            rows,
            error,
            decision: decision_view(&d.identification),
        },
    ))
}

pub(crate) async fn incomes_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<GridQuery>,
) -> PageResult {
    let end = match q.end.as_deref().map(|s| Month::parse("end", s)) {
        Some(Ok(m)) => m,
        Some(Err(e)) => return Err(PageError::BadRequest(e.message)),
        None => {
            // Show the year ending with the latest month on record (never
            // after this month), or now.
            let d = state
                .services
                .household_get(&actor, HouseholdId(id))
                .await?;
            d.incomes
                .last()
                .map(|i| grid_end(i.month, this_month()))
                .unwrap_or_else(this_month)
        }
    };
    incomes_view(&state, &actor, id, end, None, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize, Default)]
pub struct GridForm {
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) end: String,
    #[serde(default)]
    pub(crate) month: Vec<String>,
    #[serde(default)]
    pub(crate) wages: Vec<String>,
    #[serde(default)]
    pub(crate) business: Vec<String>,
    #[serde(default)]
    pub(crate) property: Vec<String>,
    #[serde(default)]
    pub(crate) transfer: Vec<String>,
    #[serde(default)]
    pub(crate) medical: Vec<String>,
    #[serde(default)]
    pub(crate) schooling: Vec<String>,
    #[serde(default)]
    pub(crate) emergency: Vec<String>,
    /// Months to remove (checkboxes).
    #[serde(default)]
    pub(crate) clear: Vec<String>,
}

impl GridForm {
    pub(crate) fn rows(&self) -> Vec<GridRow> {
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        (0..self.month.len())
            .map(|i| GridRow {
                month: at(&self.month, i),
                wages: at(&self.wages, i),
                business: at(&self.business, i),
                property: at(&self.property, i),
                transfer: at(&self.transfer, i),
                medical: at(&self.medical, i),
                schooling: at(&self.schooling, i),
                emergency: at(&self.emergency, i),
                recorded: false,
            })
            .collect()
    }

    /// The months with anything typed in them, and the months to clear.
    pub(crate) fn parse(&self) -> Result<(Vec<MonthlyIncome>, Vec<Month>), ValidationError> {
        let mut out = Vec::new();
        for r in self.rows() {
            let cells = [
                r.wages.as_str(),
                &r.business,
                &r.property,
                &r.transfer,
                &r.medical,
                &r.schooling,
                &r.emergency,
            ];
            out.extend(typed_month(&r.month, cells)?);
        }
        let clear = self
            .clear
            .iter()
            .map(|m| Month::parse("clear", m))
            .collect::<Result<Vec<_>, _>>()?;
        out.retain(|i| !clear.contains(&i.month));
        Ok((out, clear))
    }
}

/// One row of an income grid as typed, cells in the order wages, business,
/// property, transfer, medical, schooling, emergency (yuan). `None` when
/// every cell is blank: a blank row is not a month of zero income.
pub(crate) fn typed_month(
    month: &str,
    cells: [&str; 7],
) -> Result<Option<MonthlyIncome>, ValidationError> {
    if cells.iter().all(|c| c.trim().is_empty()) {
        return Ok(None);
    }
    let month = Month::parse("incomes", month)?;
    let mut fen = [Fen::ZERO; 7];
    for (slot, raw) in fen.iter_mut().zip(cells) {
        *slot = Fen::parse_yuan_opt("incomes", raw)
            .map_err(|e| ValidationError::new("incomes", format!("{month}：{}", e.message)))?
            .unwrap_or(Fen::ZERO);
    }
    let [wages, business, property, transfer, medical, schooling, emergency] = fen;
    Ok(Some(MonthlyIncome {
        month,
        wages,
        business,
        property,
        transfer,
        medical,
        schooling,
        emergency,
    }))
}

pub(crate) async fn incomes_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<GridForm>,
) -> PageResult {
    let end = Month::parse("end", &f.end).unwrap_or_else(|_| this_month());
    let version: i64 = f.version.trim().parse().unwrap_or(-1);
    let result = match f.parse() {
        Ok((list, clear)) => {
            state
                .services
                .household_save_incomes(&actor, HouseholdId(id), version, list, clear)
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/households/{id}?{}",
            Notice::IncomesSaved.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            incomes_view(&state, &actor, id, end, Some(f.rows()), Some(msg), status).await
        }
    }
}
