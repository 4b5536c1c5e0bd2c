//! The public self-check (/check): the identification and leaving calculators
//! for anyone, without a file.

use super::*;
use crate::auth::MaybeActor;
use bangfu_domain::identification::{self, Identification, Params};
use bangfu_domain::{calculator, Fen, Month, ValidationError};

#[derive(Debug, Deserialize, Default, Clone)]
pub struct CheckQuery {
    #[serde(default)]
    pub(crate) size: String,
    pub(crate) on_dibao: Option<String>,
    pub(crate) migrant: Option<String>,
    #[serde(default)]
    pub(crate) line: String,
    #[serde(default)]
    pub(crate) low_line: String,
    #[serde(default)]
    pub(crate) end: String,
    #[serde(default)]
    pub(crate) income: Vec<String>,
    #[serde(default)]
    pub(crate) rigid: Vec<String>,
}

#[derive(Template)]
#[template(path = "check.html")]
pub(crate) struct CheckPage {
    pub(crate) signed_in: bool,
    pub(crate) q: CheckQuery,
    pub(crate) months: Vec<(String, String, String)>,
    pub(crate) result: Option<DecisionView>,
    pub(crate) error: Option<String>,
}

impl CheckQuery {
    pub(crate) fn end_month(&self) -> Month {
        Month::parse("end", &self.end).unwrap_or_else(|_| this_month().pred())
    }

    pub(crate) fn evaluate(&self) -> Result<Identification, ValidationError> {
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
        let line = Fen::parse_yuan("line", &self.line)
            .map_err(|_| ValidationError::new("line", "请填写当地低保标准（元/人·月）"))?;
        if line.0 <= 0 {
            return Err(ValidationError::new("line", "低保标准须大于 0"));
        }
        let low = Fen::parse_yuan_opt("low_line", &self.low_line)?;
        let end = self.end_month();
        calculator::check_month_count("income", self.income.len())?;
        let mut months = Vec::new();
        for (k, raw) in self.income.iter().enumerate() {
            if raw.trim().is_empty() {
                continue;
            }
            let month =
                end.add_months(i32::try_from(k).unwrap_or(0) - (calculator::CHECK_MONTHS - 1));
            let income = Fen::parse_yuan("income", raw)
                .map_err(|e| ValidationError::new("income", format!("{month}：{}", e.message)))?;
            let rigid =
                Fen::parse_yuan_opt("rigid", self.rigid.get(k).map(String::as_str).unwrap_or(""))
                    .map_err(|e| ValidationError::new("rigid", format!("{month}：{}", e.message)))?
                    .unwrap_or(Fen::ZERO);
            months.push(identification::MonthFigures {
                month,
                income,
                rigid_expenditure: rigid,
                dibao_line: line,
                low_income_line: low,
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

pub(crate) async fn check_page(
    MaybeActor(actor): MaybeActor,
    axum_extra::extract::Query(q): axum_extra::extract::Query<CheckQuery>,
) -> PageResult {
    let end = q.end_month();
    let months = (0..calculator::CHECK_MONTHS)
        .map(|k| {
            let m = end
                .add_months(k - (calculator::CHECK_MONTHS - 1))
                .to_string();
            let i = usize::try_from(k).unwrap_or(0);
            (
                m,
                q.income.get(i).cloned().unwrap_or_default(),
                q.rigid.get(i).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let asked = !q.size.is_empty() || !q.line.is_empty();
    let (result, error) = if asked {
        match q.evaluate() {
            Ok(i) => (Some(decision_view(&i)), None),
            Err(e) => (None, Some(e.message)),
        }
    } else {
        (None, None)
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut q = q;
    if q.end.is_empty() {
        q.end = end.to_string();
    }
    Ok(render_status(
        status,
        &CheckPage {
            signed_in: actor.is_some(),
            q,
            months,
            result,
            error,
        },
    ))
}
