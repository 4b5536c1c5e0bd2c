//! 个人信息副本: everything Bangfu holds about one person, produced on their
//! request (PIPL art. 45, the right to access and copy), by an officer who
//! may see identities in full, for a stated reason, within the officer's
//! own subtree and nowhere else.
//!
//! The person is named by ID number. `gather` reads, through the storage
//! functions every other use case reads with and the caller's `Scope`, the
//! files they are in (as the worker or a member, whatever became of the
//! file) and all that hangs on those files, their applications and their
//! temporary relief files; `sheets` lays that out as one sheet per area
//! with Chinese headings. The values are not masked: it is the person's own
//! data, which is why the use case needs `RevealIdentity` and a reason, and
//! why it is audited — in the transaction that read it, with the number
//! masked. A search that finds nobody is audited too, and answers "not
//! found" rather than an empty workbook. The web layer writes the sheets
//! into an .xlsx.

mod gather;
mod sheets;

use crate::audit::{Record, Who};
use crate::{now, today, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::household::parse_text;
use bangfu_domain::{Fen, IdNumber, Permission, Refusals, ValidationError};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

/// The longest reason accepted (the reveal's limit).
pub const REASON_MAX: usize = 200;

/// One cell of a sheet, typed so the workbook shows each as what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Written as text, never evaluated as a formula.
    Text(String),
    Date(NaiveDate),
    /// Already in China Standard Time.
    Time(NaiveDateTime),
    /// Whole fen, shown as yuan with two decimals.
    Money(Fen),
    Int(i64),
    Empty,
}

/// One sheet: its name, its column headings and its rows.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// The copy: the sheets in the order the workbook shows them, the first
/// being 说明 (who produced it, when, why, over which unions, and the
/// other sheets with their row counts).
#[derive(Debug, Clone)]
pub struct PersonExport {
    /// The ID number masked (first 4 + last 4), for the file's name.
    pub id_masked: String,
    pub sheets: Vec<Sheet>,
}

impl Services {
    /// Everything held about the person with ID number `id_number` in the
    /// caller's subtree, for `reason`. Needs `RevealIdentity`; a bad number
    /// or a missing reason is refused before anything is read or written;
    /// a person found nowhere in scope is `NotFound` (and audited as such).
    pub async fn person_export(
        &self,
        actor: &Actor,
        id_number: &str,
        reason: &str,
    ) -> Result<PersonExport, ServiceError> {
        actor.require(Permission::RevealIdentity)?;
        actor.require(Permission::ReadHouseholds)?;
        let today = today();
        let mut refusals = Refusals::new();
        let id = refusals.take(IdNumber::parse("id_number", id_number, today));
        let reason = refusals.take(parse_reason(reason));
        let (Some(id), Some(reason)) = (id, reason) else {
            return Err(refusals.into());
        };
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let held = gather::gather(c, &scope, &id, today)?;
            let found = !held.is_empty();
            let at = now();
            let export = found.then(|| sheets::export(&held, &a, &id, &reason, at));
            let files: Vec<&str> = held
                .files
                .iter()
                .map(|f| f.household.file_no.as_str())
                .collect();
            // Each area's sheet and its rows (说明 left out).
            let counts = export.as_ref().map(|e| {
                e.sheets
                    .iter()
                    .skip(1)
                    .map(|s| json!({ "sheet": s.name, "rows": s.rows.len() }))
                    .collect::<Vec<_>>()
            });
            Record {
                action: Action::ExportPersonData,
                object_kind: "person",
                object_id: None,
                union: Some((a.user.union_id.0, &a.user.union_path)),
                before: None,
                after: Some(json!({
                    "id_number": id.masked(),
                    "reason": reason,
                    "found": found,
                    "files": files,
                    "sheets": counts,
                })),
                success: found,
            }
            .write(c, Who::Actor(&a))?;
            // A search that found nobody still commits its audit entry.
            Ok(export.ok_or(ServiceError::NotFound("该身份证号码对应的人员")))
        })
        .await?
    }
}

/// The reason as the reveal takes it: required, trimmed, 2 to 200 characters.
fn parse_reason(raw: &str) -> Result<String, ValidationError> {
    let reason = parse_text("reason", "导出理由", raw, true, REASON_MAX)?;
    if reason.chars().count() < 2 {
        return Err(ValidationError::new(
            "reason",
            "请写明导出理由，如：本人依法申请查阅复制",
        ));
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_trimmed_and_bounded() {
        assert_eq!(
            parse_reason("  本人申请查阅  ").as_deref(),
            Ok("本人申请查阅")
        );
        let long = "很".repeat(REASON_MAX + 1);
        for bad in ["", "   ", "查", long.as_str()] {
            let e = parse_reason(bad).expect_err(bad);
            assert_eq!(e.field, "reason");
        }
        assert!(parse_reason(&"很".repeat(REASON_MAX)).is_ok());
    }
}
