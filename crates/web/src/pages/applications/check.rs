//! The public self-check (/check): the identification rule for anyone,
//! without a file, with the lines of the chosen region month by month (or a
//! line typed by hand). Sent by POST with the public form's token, so the
//! amounts stay out of the address bar and the logs.
//!
//! Every month row carries its month: amounts belong to the month they were
//! typed under. When the last month changes, the rows follow it (at once
//! with htmx, or when the form is sent without JavaScript) and each amount
//! moves with its month, never silently under another one.

use crate::auth::{public_form_token, MaybeActor};
use crate::pages::households::{decision_view, this_month, DecisionView};
use crate::pages::prelude::*;
use axum::http::HeaderMap;
use axum_extra::extract::cookie::CookieJar;
use bangfu_domain::identification::{self, Identification, Params};
use bangfu_domain::lines::Line;
use bangfu_domain::{calculator, Fen, Month, ValidationError};
use bangfu_service::ServiceError;

#[derive(Debug, Deserialize, Default, Clone)]
pub struct CheckForm {
    #[serde(default)]
    size: String,
    on_dibao: Option<String>,
    migrant: Option<String>,
    /// A region whose stored lines apply month by month; blank: the typed line.
    #[serde(default)]
    region: String,
    #[serde(default)]
    line: String,
    #[serde(default)]
    low_line: String,
    #[serde(default)]
    end: String,
    /// The month each row was typed under.
    #[serde(default)]
    month: Vec<String>,
    #[serde(default)]
    income: Vec<String>,
    #[serde(default)]
    rigid: Vec<String>,
}

/// One month of the grid: its amounts, and the region's line that month.
pub struct CheckRow {
    month: Month,
    income: String,
    rigid: String,
    line: Option<Line>,
}

impl CheckRow {
    fn line_text(&self) -> String {
        self.line
            .as_ref()
            .map(|l| l.dibao_line.yuan())
            .unwrap_or_else(|| "未设".to_owned())
    }
}

/// The grid for the chosen last month: rows, and what moved.
struct Grid {
    rows: Vec<CheckRow>,
    /// Set when the rows followed a new last month.
    moved: Option<String>,
}

impl CheckForm {
    fn end_month(&self) -> Month {
        Month::parse("end", &self.end).unwrap_or_else(|_| this_month().pred())
    }

    /// The six months ending with the chosen last month, each with the
    /// amounts typed under it (rows sent without months are taken in order).
    fn grid(&self) -> Grid {
        let end = self.end_month();
        let window: Vec<Month> = (0..calculator::CHECK_MONTHS)
            .map(|k| end.add_months(k - (calculator::CHECK_MONTHS - 1)))
            .collect();
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        let typed: Vec<Option<Month>> = (0..self.income.len().max(self.rigid.len()))
            .map(|i| match self.month.get(i) {
                Some(m) => Month::parse("month", m).ok(),
                None => window.get(i).copied(),
            })
            .collect();
        let rows = window
            .iter()
            .map(|m| {
                let i = typed.iter().position(|t| *t == Some(*m));
                CheckRow {
                    month: *m,
                    income: i.map(|i| at(&self.income, i)).unwrap_or_default(),
                    rigid: i.map(|i| at(&self.rigid, i)).unwrap_or_default(),
                    line: None,
                }
            })
            .collect();
        let follows = typed.iter().zip(&window).all(|(t, w)| *t == Some(*w));
        let moved = (!follows).then(|| {
            let dropped: Vec<String> = typed
                .iter()
                .enumerate()
                .filter(|(i, t)| {
                    t.is_none_or(|t| !window.contains(&t))
                        && !(at(&self.income, *i).trim().is_empty()
                            && at(&self.rigid, *i).trim().is_empty())
                })
                .map(|(i, t)| t.map_or_else(|| format!("第 {} 行", i + 1), |t| t.to_string()))
                .collect();
            let mut text =
                format!("最近一个月为 {end}，月份已随之调整，填写的金额跟着各自的月份走。");
            if !dropped.is_empty() {
                text.push_str(&format!(
                    "{} 不在这 6 个月内，其金额已移除。",
                    dropped.join("、")
                ));
            }
            text
        });
        Grid { rows, moved }
    }

    /// The rule on the grid's months: each month with the region's line in
    /// force that month, else the line typed.
    fn evaluate(&self, rows: &[CheckRow]) -> Result<Identification, ValidationError> {
        let size = self
            .size
            .trim()
            .parse()
            .ok()
            .and_then(calculator::household_size)
            .ok_or_else(|| {
                ValidationError::new(
                    "size",
                    format!("请填写家庭人口数（1–{}）", calculator::MAX_HOUSEHOLD_SIZE),
                )
            })?;
        let typed_line = if self.line.trim().is_empty() {
            None
        } else {
            let l = Fen::parse_yuan("line", &self.line)
                .map_err(|_| ValidationError::new("line", "请填写当地低保标准（元/人·月）"))?;
            if l.0 <= 0 {
                return Err(ValidationError::new("line", "低保标准须大于 0"));
            }
            Some(l)
        };
        let typed_low = Fen::parse_yuan_opt("low_line", &self.low_line)?;
        if self.region.trim().is_empty() && typed_line.is_none() {
            return Err(ValidationError::new(
                "line",
                "请选择所在地区，或填写当地低保标准（元/人·月）",
            ));
        }
        let mut months = Vec::new();
        for r in rows {
            if r.income.trim().is_empty() {
                continue;
            }
            let month = r.month;
            let income = Fen::parse_yuan("income", &r.income)
                .map_err(|e| ValidationError::new("income", format!("{month}：{}", e.message)))?;
            let rigid = Fen::parse_yuan_opt("rigid", &r.rigid)
                .map_err(|e| ValidationError::new("rigid", format!("{month}：{}", e.message)))?
                .unwrap_or(Fen::ZERO);
            let (dibao_line, low_income_line) = match (&r.line, typed_line) {
                (Some(l), _) => (l.dibao_line, l.low_income_line),
                (None, Some(l)) => (l, typed_low),
                (None, None) => {
                    return Err(ValidationError::new(
                        "line",
                        format!("所选地区 {month} 没有低保标准，请填写当地低保标准"),
                    ))
                }
            };
            months.push(identification::MonthFigures {
                month,
                income,
                rigid_expenditure: rigid,
                dibao_line,
                low_income_line,
            });
        }
        identification::identify(
            &identification::Situation {
                size,
                on_dibao: self.on_dibao.is_some(),
                migrant: self.migrant.is_some(),
                months,
            },
            Params::default(),
        )
    }
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage {
    csrf: String,
    signed_in: bool,
    q: CheckForm,
    regions: Vec<(String, String)>,
    rows: Vec<CheckRow>,
    /// The region's lines are shown beside the months.
    show_lines: bool,
    moved: Option<String>,
    last_month: String,
    result: Option<DecisionView>,
    error: Option<String>,
}

/// The month rows of the form alone, for htmx to swap when the last month
/// or the region changes.
#[derive(Template)]
#[template(path = "check_grid_partial.html")]
struct GridPartial {
    rows: Vec<CheckRow>,
    show_lines: bool,
    moved: Option<String>,
}

/// The grid with the chosen region's line for each month.
async fn grid_with_lines(state: &AppState, q: &CheckForm) -> Result<Grid, ServiceError> {
    let mut grid = q.grid();
    if !q.region.trim().is_empty() {
        let months = grid.rows.iter().map(|r| r.month).collect();
        let lines = state.services.public_lines(&q.region, months).await?;
        for (r, l) in grid.rows.iter_mut().zip(lines) {
            r.line = l;
        }
    }
    Ok(grid)
}

/// `GET /check`: the empty calculator. A query string is ignored.
pub(super) async fn check_page(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    headers: HeaderMap,
    jar: CookieJar,
) -> Result<Response, PageError> {
    let (jar, csrf) = public_form_token(jar, &state, &headers, actor.as_ref());
    let q = CheckForm::default();
    let page = CheckPage {
        csrf,
        signed_in: actor.is_some(),
        regions: state.services.public_line_regions().await?,
        rows: q.grid().rows,
        show_lines: false,
        moved: None,
        last_month: this_month().pred().to_string(),
        q: CheckForm {
            end: q.end_month().to_string(),
            ..q
        },
        result: None,
        error: None,
    };
    Ok((jar, render(&page)).into_response())
}

pub(super) async fn check_submit(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    headers: HeaderMap,
    jar: CookieJar,
    Form(q): Form<CheckForm>,
) -> Result<Response, PageError> {
    let (jar, csrf) = public_form_token(jar, &state, &headers, actor.as_ref());
    let (grid, error) = match grid_with_lines(&state, &q).await {
        Ok(g) => (g, None),
        Err(ServiceError::Invalid(e)) => (q.grid(), Some(e.message)),
        Err(e) => return Err(e.into()),
    };
    // Rows that just followed a new last month are shown to be checked first.
    let (result, error) = match (&grid.moved, error) {
        (_, Some(e)) => (None, Some(e)),
        (Some(_), None) => (None, None),
        (None, None) => match q.evaluate(&grid.rows) {
            Ok(i) => (Some(decision_view(&i)), None),
            Err(e) => (None, Some(e.message)),
        },
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = CheckPage {
        csrf,
        signed_in: actor.is_some(),
        regions: state.services.public_line_regions().await?,
        show_lines: !q.region.trim().is_empty(),
        rows: grid.rows,
        moved: grid.moved,
        last_month: this_month().pred().to_string(),
        q: CheckForm {
            end: q.end_month().to_string(),
            ..q
        },
        result,
        error,
    };
    Ok((jar, render_status(status, &page)).into_response())
}

/// `POST /check/grid` (htmx): the month rows for the last month and region
/// now chosen, the amounts moved with their months.
pub(super) async fn grid_partial(
    State(state): State<AppState>,
    Form(q): Form<CheckForm>,
) -> PageResult {
    let grid = match grid_with_lines(&state, &q).await {
        Ok(g) => g,
        Err(ServiceError::Invalid(_)) => q.grid(),
        Err(e) => return Err(e.into()),
    };
    Ok(render(&GridPartial {
        show_lines: !q.region.trim().is_empty(),
        rows: grid.rows,
        moved: grid.moved,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(end: &str, months: &[&str], income: &[&str]) -> CheckForm {
        CheckForm {
            end: end.into(),
            month: months.iter().map(|s| (*s).to_owned()).collect(),
            income: income.iter().map(|s| (*s).to_owned()).collect(),
            rigid: vec![String::new(); income.len()],
            ..Default::default()
        }
    }

    #[test]
    fn amounts_stay_with_the_month_they_were_typed_under() {
        let typed = [
            "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06",
        ];
        // Sent as shown: nothing moves.
        let g = form("2025-06", &typed, &["1", "2", "3", "4", "5", "6"]).grid();
        assert!(g.moved.is_none());
        assert_eq!(g.rows[0].month.to_string(), "2025-01");
        assert_eq!(g.rows[5].income, "6");
        // The last month moved two months on: the rows follow it and each
        // amount keeps its month; the two that fall out are named.
        let g = form("2025-08", &typed, &["1", "2", "3", "4", "5", "6"]).grid();
        let months: Vec<String> = g.rows.iter().map(|r| r.month.to_string()).collect();
        assert_eq!(months[0], "2025-03");
        assert_eq!(months[5], "2025-08");
        let amounts: Vec<&str> = g.rows.iter().map(|r| r.income.as_str()).collect();
        assert_eq!(amounts, ["3", "4", "5", "6", "", ""]);
        let note = g.moved.unwrap();
        assert!(note.contains("2025-08"), "{note}");
        assert!(note.contains("2025-01、2025-02"), "{note}");
        // Blank rows that fall out are not mentioned.
        let g = form("2025-07", &typed, &["", "2", "3", "4", "5", "6"]).grid();
        assert!(!g.moved.unwrap().contains("2025-01"));
    }

    #[test]
    fn rows_sent_without_months_are_taken_in_order() {
        let g = form("2025-06", &[], &["1", "2"]).grid();
        assert!(g.moved.is_none());
        assert_eq!(g.rows[0].income, "1");
        assert_eq!(g.rows[1].income, "2");
    }
}
