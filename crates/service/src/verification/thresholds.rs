//! The asset thresholds a finding of the vehicle and property datasets is
//! measured against, set per region by administrators (docs/rules.md §8).
//!
//! A region is stored by its division prefix (`440100` → `4401`, nationwide
//! `''`), so the longest prefix of a file's division code wins; regions
//! that set nothing use the nationwide row or the defaults.

use crate::audit::{Record, Who};
use crate::clock::now;
use crate::{Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::division::{self, DivisionCode, NATIONAL};
use bangfu_domain::verification::Thresholds;
use bangfu_domain::{Fen, Permission, ValidationError};
use bangfu_storage::verification as store;
use bangfu_storage::{unions, Conn};
use chrono::NaiveDateTime;
use serde_json::json;

/// One region's thresholds as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdsView {
    /// Six-digit GB/T 2260 code; empty: nationwide.
    pub division_code: String,
    /// `全国` or the division's full name.
    pub division_name: String,
    pub thresholds: Thresholds,
    pub updated_by: Option<i64>,
    pub updated_at: NaiveDateTime,
}

/// The thresholds as an administrator types them.
#[derive(Debug, Clone, Default)]
pub struct ThresholdsInput {
    /// Six digits, or empty (or `000000`) for nationwide.
    pub division_code: String,
    pub vehicle_value_fen: i64,
    pub properties: i64,
    pub floor_area_per_person: i64,
}

/// The stored key of a region: its division prefix (`''`: nationwide).
fn prefix_of(raw: &str) -> Result<(String, String), ValidationError> {
    let s = raw.trim();
    if s.is_empty() || s == NATIONAL {
        return Ok((String::new(), NATIONAL.to_owned()));
    }
    let code = DivisionCode::parse(s)?;
    Ok((code.prefix().to_owned(), code.as_str().to_owned()))
}

/// The six-digit code of a stored prefix (`4401` → `440100`; `''` stays).
fn code_of(prefix: &str) -> String {
    if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix:0<6}")
    }
}

fn view(t: store::StoredThresholds) -> ThresholdsView {
    let code = code_of(&t.division_code);
    let division_name = if code.is_empty() {
        "全国".to_owned()
    } else {
        DivisionCode::parse(&code)
            .map(|d| d.name())
            .unwrap_or_else(|_| code.clone())
    };
    ThresholdsView {
        division_code: code,
        division_name,
        thresholds: t.thresholds,
        updated_by: t.updated_by,
        updated_at: t.updated_at,
    }
}

fn non_negative(field: &'static str, label: &str, n: i64) -> Result<i64, ValidationError> {
    if n < 0 {
        Err(ValidationError::new(field, format!("{label}不能为负数")))
    } else {
        Ok(n)
    }
}

fn check(input: &ThresholdsInput) -> Result<Thresholds, ValidationError> {
    Ok(Thresholds {
        vehicle_value: Fen(non_negative(
            "vehicle_value_fen",
            "车辆价值标准",
            input.vehicle_value_fen,
        )?),
        properties: non_negative("properties", "房产套数标准", input.properties)?,
        floor_area_per_person: non_negative(
            "floor_area_per_person",
            "人均建筑面积标准",
            input.floor_area_per_person,
        )?,
    })
}

/// An administrator sets the thresholds of their union's region and below
/// (nationwide: the national union's administrators only).
fn check_region(c: &mut Conn, actor: &Actor, code: &str) -> Result<(), ServiceError> {
    let own = unions::find_unscoped(c, actor.user.union_id)?
        .ok_or(ServiceError::NotFound("工会"))?
        .division_code;
    if division::is_within(code, &own) {
        return Ok(());
    }
    Err(ServiceError::Rule(format!(
        "只能设置本工会所在地区（{}）及其下级地区的核对资产标准",
        DivisionCode::parse(&own).map(|d| d.name()).unwrap_or(own)
    )))
}

fn to_json(code: &str, t: &Thresholds) -> serde_json::Value {
    json!({
        "division_code": code,
        "vehicle_value_fen": t.vehicle_value.0,
        "properties": t.properties,
        "floor_area_per_person": t.floor_area_per_person,
    })
}

impl Services {
    /// Every region's asset thresholds (the defaults apply where none is set).
    pub async fn verification_thresholds(
        &self,
        actor: &Actor,
    ) -> Result<Vec<ThresholdsView>, ServiceError> {
        if !actor.can(Permission::ManageVerification) {
            actor.require(Permission::ReadHouseholds)?;
        }
        self.read(|c| Ok(store::all_thresholds(c)?.into_iter().map(view).collect()))
            .await
    }

    /// Sets (or replaces) one region's thresholds, audited.
    pub async fn verification_thresholds_set(
        &self,
        actor: &Actor,
        input: ThresholdsInput,
    ) -> Result<ThresholdsView, ServiceError> {
        actor.require(Permission::ManageVerification)?;
        let (prefix, code) = prefix_of(&input.division_code)?;
        let t = check(&input)?;
        let a = actor.clone();
        self.write(move |c| {
            check_region(c, &a, &code)?;
            let all = store::all_thresholds(c)?;
            let before = all.iter().find(|s| s.division_code == prefix);
            let shown = code_of(&prefix);
            let before_json = before.map(|b| to_json(&shown, &b.thresholds));
            store::set_thresholds(c, &prefix, &t, a.user.id.0, now())?;
            Record::of(
                Action::SetThresholds,
                "thresholds",
                if shown.is_empty() {
                    NATIONAL.to_owned()
                } else {
                    shown.clone()
                },
                (a.user.union_id.0, &a.user.union_path),
            )
            .before_opt(before_json)
            .after(to_json(&shown, &t))
            .write(c, Who::Actor(&a))?;
            store::all_thresholds(c)?
                .into_iter()
                .find(|s| s.division_code == prefix)
                .map(view)
                .ok_or_else(|| ServiceError::Internal("thresholds not stored".into()))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_is_stored_by_its_prefix_and_shown_by_its_code() {
        assert_eq!(prefix_of("").unwrap(), (String::new(), NATIONAL.to_owned()));
        assert_eq!(prefix_of("000000").unwrap().0, "");
        assert_eq!(prefix_of("440100").unwrap().0, "4401");
        assert_eq!(prefix_of("440000").unwrap().0, "44");
        assert_eq!(prefix_of("440103").unwrap().0, "440103");
        assert!(prefix_of("449999").is_err());
        assert!(prefix_of("44").is_err());
        assert_eq!(code_of("4401"), "440100");
        assert_eq!(code_of(""), "");
    }

    #[test]
    fn negative_thresholds_are_refused() {
        let mut i = ThresholdsInput {
            division_code: "440100".into(),
            vehicle_value_fen: 8_000_000,
            properties: 1,
            floor_area_per_person: 40,
        };
        assert!(check(&i).is_ok());
        i.properties = -1;
        assert_eq!(check(&i).unwrap_err().field, "properties");
    }
}
