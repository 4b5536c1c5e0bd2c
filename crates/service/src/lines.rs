//! The lines and identification parameters an administrator sets per
//! region, and the stateless calculators (identification, ID numbers).

use crate::audit::{Owned, Record, Who};
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::division::{self, DivisionCode};
use bangfu_domain::identification::{identify, Identification, Params, Situation};
use bangfu_domain::lines::{Line, RegionParams};
use bangfu_domain::{Fen, Month, Permission, ValidationError};
use bangfu_storage::lines::{self, StoredLine};
use bangfu_storage::{unions, Conn};
use chrono::NaiveDate;
use serde_json::json;

/// A line as typed.
#[derive(Debug, Clone)]
pub struct LineInput {
    pub division_code: String,
    pub effective_month: String,
    pub dibao_line: Fen,
    pub low_income_line: Option<Fen>,
}

/// The parameters of a region, with where they come from.
#[derive(Debug, Clone)]
pub struct ParamsView {
    pub division_code: String,
    pub params: RegionParams,
    /// The region that set them (itself or an ancestor); `None`: defaults.
    pub source: Option<String>,
}

/// The region an administrator manages: their union's division and below.
fn own_region(c: &mut Conn, actor: &Actor) -> Result<String, ServiceError> {
    let u = unions::find_unscoped(c, actor.user.union_id)?.ok_or(ServiceError::NotFound("工会"))?;
    Ok(u.division_code)
}

fn check_region(c: &mut Conn, actor: &Actor, code: &DivisionCode) -> Result<(), ServiceError> {
    let own = own_region(c, actor)?;
    if division::is_within(code.as_str(), &own) {
        Ok(())
    } else {
        Err(ServiceError::Rule(format!(
            "只能设置本工会所在地区（{}）及其下级地区的标准",
            DivisionCode::parse(&own).map(|d| d.name()).unwrap_or(own)
        )))
    }
}

fn line_json(l: &Line) -> serde_json::Value {
    json!({
        "division_code": l.division_code,
        "effective_month": l.effective.to_string(),
        "dibao_line_fen": l.dibao_line.0,
        "low_income_line_fen": l.low_income_line.map(|f| f.0),
    })
}

/// A line must be a positive amount and the low-income line not below 低保.
pub fn check_line(dibao: Fen, low_income: Option<Fen>) -> Result<(), ValidationError> {
    if dibao.0 <= 0 {
        return Err(ValidationError::new("dibao_line_fen", "低保标准须大于 0"));
    }
    if dibao.0 > 10_000_000 {
        return Err(ValidationError::new(
            "dibao_line_fen",
            "低保标准过大，请核对（单位为元/人·月）",
        ));
    }
    if let Some(li) = low_income {
        if li < dibao {
            return Err(ValidationError::new(
                "low_income_line_fen",
                "低收入家庭标准不能低于低保标准",
            ));
        }
        if li.0 > 100_000_000 {
            return Err(ValidationError::new(
                "low_income_line_fen",
                "低收入家庭标准过大，请核对",
            ));
        }
    }
    Ok(())
}

impl Services {
    /// Every line of the caller's region and below (all regions for the national union).
    pub async fn lines_list(&self, actor: &Actor) -> Result<Vec<StoredLine>, ServiceError> {
        actor
            .require(Permission::ReadHouseholds)
            .or_else(|_| actor.require(Permission::ManageLines))?;
        let a = actor.clone();
        self.read(move |c| {
            let own = own_region(c, &a)?;
            let all = lines::all(c, None)?;
            Ok(all
                .into_iter()
                .filter(|l| {
                    division::is_within(&l.line.division_code, &own)
                        || division::is_within(&own, &l.line.division_code)
                })
                .collect())
        })
        .await
    }

    pub async fn line_set(&self, actor: &Actor, input: LineInput) -> Result<Line, ServiceError> {
        actor.require(Permission::ManageLines)?;
        let code = DivisionCode::parse(&input.division_code)?;
        let effective = Month::parse("effective_month", &input.effective_month)?;
        check_line(input.dibao_line, input.low_income_line)?;
        let a = actor.clone();
        self.write(move |c| {
            check_region(c, &a, &code)?;
            let line = Line {
                division_code: code.as_str().to_owned(),
                effective,
                dibao_line: input.dibao_line,
                low_income_line: input.low_income_line,
            };
            let before = lines::find(c, code.as_str(), effective)?;
            lines::upsert(c, &line, Some(a.user.id.0), now())?;
            Record::of(
                Action::SetLine,
                "line",
                format!("{}/{}", line.division_code, line.effective),
                a.user.owner(),
            )
            .before_opt(before.map(|b| line_json(&b.line)))
            .after(line_json(&line))
            .write(c, Who::Actor(&a))?;
            Ok(line)
        })
        .await
    }

    pub async fn line_delete(
        &self,
        actor: &Actor,
        division_code: &str,
        effective_month: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::ManageLines)?;
        let code = DivisionCode::parse(division_code)?;
        let effective = Month::parse("effective_month", effective_month)?;
        let a = actor.clone();
        self.write(move |c| {
            check_region(c, &a, &code)?;
            let before = lines::find(c, code.as_str(), effective)?
                .ok_or(ServiceError::NotFound("该标准"))?;
            lines::delete(c, code.as_str(), effective)?;
            Record::of(
                Action::DeleteLine,
                "line",
                format!("{}/{}", code.as_str(), effective),
                a.user.owner(),
            )
            .before(line_json(&before.line))
            .write(c, Who::Actor(&a))
        })
        .await
    }

    /// The parameters in force for a region (the caller's own when blank).
    pub async fn params_get(
        &self,
        actor: &Actor,
        division_code: Option<String>,
    ) -> Result<ParamsView, ServiceError> {
        actor
            .require(Permission::ReadHouseholds)
            .or_else(|_| actor.require(Permission::ManageLines))?;
        let a = actor.clone();
        self.read(move |c| {
            let code = match division_code.filter(|s| !s.trim().is_empty()) {
                Some(s) => DivisionCode::parse(&s)?.as_str().to_owned(),
                None => own_region(c, &a)?,
            };
            let book = lines::param_book(c)?;
            Ok(ParamsView {
                params: book.for_region(&code),
                source: book.source_of(&code),
                division_code: code,
            })
        })
        .await
    }

    pub async fn params_set(
        &self,
        actor: &Actor,
        division_code: &str,
        params: Params,
        baseline_cutoff: NaiveDate,
    ) -> Result<ParamsView, ServiceError> {
        actor.require(Permission::ManageLines)?;
        let code = DivisionCode::parse(division_code)?;
        let params = params.validate()?;
        let a = actor.clone();
        self.write(move |c| {
            check_region(c, &a, &code)?;
            let book = lines::param_book(c)?;
            let before = book.for_region(code.as_str());
            let p = RegionParams {
                params,
                baseline_cutoff,
            };
            lines::upsert_params(c, code.as_str(), &p, Some(a.user.id.0), now())?;
            let j = |p: &RegionParams| {
                json!({
                    "window_months": p.params.window_months,
                    "multiple_k": p.params.multiple_k,
                    "baseline_cutoff": p.baseline_cutoff.to_string(),
                })
            };
            Record::of(Action::SetParams, "params", code.as_str(), a.user.owner())
                .before(j(&before))
                .after(j(&p))
                .write(c, Who::Actor(&a))?;
            Ok(ParamsView {
                division_code: code.as_str().to_owned(),
                params: p,
                source: Some(code.as_str().to_owned()),
            })
        })
        .await
    }

    /// The regions the public self-check offers lines for: each region that
    /// set lines of its own, and the regions directly below it (which use
    /// them unless they set their own), as `(code, full name)` by code.
    /// Lines are public policy; no sign-in is needed.
    pub async fn public_line_regions(&self) -> Result<Vec<(String, String)>, ServiceError> {
        self.read(move |c| {
            let mut own: Vec<String> = lines::all(c, None)?
                .into_iter()
                .map(|l| l.line.division_code)
                .collect();
            own.dedup();
            let mut codes = Vec::new();
            for code in own {
                let parent = (code != division::NATIONAL).then_some(code.as_str());
                codes.extend(
                    division::children(parent)
                        .into_iter()
                        .map(|d| d.code.clone()),
                );
                codes.push(code);
            }
            codes.sort();
            codes.dedup();
            Ok(codes
                .into_iter()
                .map(|code| {
                    let name = DivisionCode::parse(&code)
                        .map(|d| d.name())
                        .unwrap_or_else(|_| code.clone());
                    (code, name)
                })
                .collect())
        })
        .await
    }

    /// The line in force in region `code` for each of `months` (the
    /// region's own, else its nearest ancestor's); `None` for a month no
    /// line covers. For the public self-check.
    pub async fn public_lines(
        &self,
        code: &str,
        months: Vec<Month>,
    ) -> Result<Vec<Option<Line>>, ServiceError> {
        let code =
            DivisionCode::parse(code).map_err(|e| ValidationError::new("region", e.message))?;
        self.read(move |c| {
            let book = lines::book(c)?;
            Ok(months
                .iter()
                .map(|m| book.line_for(code.as_str(), *m).cloned())
                .collect())
        })
        .await
    }

    /// The stateless identification calculator: no stored household, no
    /// sign-in (also the applicants' self-check).
    pub fn identify_stateless(
        &self,
        household: &Situation,
        params: Params,
    ) -> Result<Identification, ServiceError> {
        let params = params.validate()?;
        Ok(identify(household, params)?)
    }
}
