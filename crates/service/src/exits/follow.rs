//! After an exit: the leaving card of a file, flagging a relapse and reopening
//! the file.

use crate::audit::{Owned, Record, Who};
use crate::books::Books;
use crate::clock::today;
use crate::filing::file_household;
use crate::{Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::exit::{ExitEvaluation, ReliefEvaluation};
use bangfu_domain::household::{parse_text, HouseholdId, Status};
use bangfu_domain::leaving::{safety_net_since_filing, within_follow_up, ExitKind};
use bangfu_domain::{Disclosure, Masked, Permission, ValidationError};
use bangfu_storage::exits::{self as store};
use bangfu_storage::{households, unions, PageRequest};
use serde_json::json;

use bangfu_storage::exits::ExitFilter;

use super::checks::find_household;
use super::types::LeavingView;

impl Services {
    /// A file's page: the file with its decisions and its leaving card, read
    /// in one transaction so both show the same version of the file.
    pub async fn household_page(
        &self,
        actor: &Actor,
        id: HouseholdId,
    ) -> Result<HouseholdPage, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let may_reveal = actor.can(Permission::RevealIdentity);
        let officer = actor.can(Permission::ManageHouseholds);
        let a = actor.clone();
        self.read(move |c| {
            let detail = crate::households::detail(c, &scope, id, may_reveal, officer)?;
            let leaving = leaving_view(c, &scope, officer, &detail.household)?;
            let open_findings =
                bangfu_storage::verification::open_count_of_household(c, &scope, id)?;
            let report = crate::reporting::report_card(c, &a, &scope, &detail.household)?;
            Ok(HouseholdPage {
                detail,
                leaving,
                open_findings,
                report,
            })
        })
        .await
    }

    /// Flags a relapse (返困) by hand: a new sudden event recorded for an
    /// exited household within its follow-up period.
    pub async fn household_flag_relapse(
        &self,
        actor: &Actor,
        id: HouseholdId,
        reason: &str,
    ) -> Result<households::Household<Masked>, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let reason = parse_text("reason", "返困原因", reason, true, 500)?;
        if reason.chars().count() < 2 {
            return Err(
                ValidationError::new("reason", "请写明返困原因（如新发生的意外、重病）").into(),
            );
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h = find_household(c, &scope, id)?;
            store::lock_household(c, id)?;
            let today = today();
            if h.status != Status::Exited {
                return Err(ServiceError::Rule(format!(
                    "只有已脱困的家庭才能标记返困（档案当前为“{}”）",
                    h.status.label()
                )));
            }
            if let Some(on) = h.leaving.relapse_on {
                return Err(ServiceError::Rule(format!("该家庭已于 {on} 标记返困")));
            }
            if !within_follow_up(h.leaving.follow_until, today) {
                return Err(ServiceError::Rule(format!(
                    "跟踪期已于 {} 结束，不能再标记返困；如家庭重新陷入困难，请按新家庭建档",
                    h.leaving
                        .follow_until
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                )));
            }
            households::set_relapse(c, id, Some((today, reason.as_str())))?;
            Record::of(Action::FlagRelapse, "household", id, h.owner())
                .before(json!({ "relapse_on": null }))
                .after(json!({
                    "file_no": h.file_no,
                    "relapse_on": today.to_string(),
                    "reason": reason,
                }))
                .write(c, Who::Actor(&a))?;
            find_household(c, &scope, id).map(households::Household::masked)
        })
        .await
    }

    /// Reopens a relapsed, exited household as a new file of the incremental
    /// pool, filed today under the same union with the same worker, members
    /// and recorded months, linked both ways to the old file (which keeps
    /// its history). Returns the new file.
    pub async fn household_reopen(
        &self,
        actor: &Actor,
        id: HouseholdId,
    ) -> Result<households::Household<Masked>, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h = find_household(c, &scope, id)?;
            store::lock_household(c, id)?;
            if h.status != Status::Exited {
                return Err(ServiceError::Rule(format!(
                    "只有已脱困后返困的家庭才能重新建档（档案当前为“{}”）",
                    h.status.label()
                )));
            }
            if let Some(new) = h.leaving.reopened_id {
                let no = households::find(c, &scope, new)?
                    .map(|n| n.file_no)
                    .unwrap_or_default();
                return Err(ServiceError::Rule(format!(
                    "该家庭已返困重新建档（档案 {no}）"
                )));
            }
            let Some(relapse_on) = h.leaving.relapse_on else {
                return Err(ServiceError::Rule("请先标记返困，再重新建档".into()));
            };
            let union =
                unions::find(c, &scope, h.union_id)?.ok_or(ServiceError::NotFound("工会"))?;
            let members = households::members_of(c, &scope, id)?;
            let incomes = households::incomes_of(c, &scope, id)?;
            let today = today();
            let mut data = h.data.clone();
            data.filed_on = today;
            let mut notes = format!(
                "返困重新建档：原档案 {}，{} 标记返困（{}）",
                h.file_no,
                relapse_on,
                h.leaving.relapse_reason.clone().unwrap_or_default()
            );
            if !h.data.notes.is_empty() {
                notes.push('\n');
                notes.push_str(&h.data.notes);
            }
            data.notes = notes.chars().take(2000).collect();
            let books = Books::load(c)?;
            let new_id =
                file_household(c, Who::Actor(&a), &union, &data, &members, &incomes, &books)?;
            households::link_reopened(c, id, new_id)?;
            let new = find_household(c, &scope, new_id)?;
            Record::of(Action::ReopenHousehold, "household", id, h.owner())
                .before(json!({ "file_no": h.file_no, "reopened_id": null }))
                .after(json!({
                    "file_no": h.file_no,
                    "reopened_id": new_id.0,
                    "reopened_file_no": new.file_no,
                    "cohort": new.cohort.code(),
                }))
                .write(c, Who::Actor(&a))?;
            Ok(new.masked())
        })
        .await
    }
}

pub(super) fn span(first: Option<&str>, last: Option<&str>) -> String {
    match (first, last) {
        (Some(a), Some(b)) if a != b => format!("{a} 至 {b}"),
        (Some(a), _) => a.to_owned(),
        _ => String::new(),
    }
}

pub(super) fn ready_summary<D: Disclosure>(
    h: &households::Household<D>,
    e: &ExitEvaluation,
) -> String {
    if e.meets_standard {
        let first = e.window.first().map(|m| m.month.to_string());
        let last = e.window.last().map(|m| m.month.to_string());
        format!(
            "{} 连续 {} 个月人均收入高于低保标准",
            span(first.as_deref(), last.as_deref()),
            e.window.len()
        )
    } else if safety_net_since_filing(
        h.data.filed_on,
        h.data.dibao_since,
        h.data.other_relief_since,
    ) {
        let since = [h.data.dibao_since, h.data.other_relief_since]
            .into_iter()
            .flatten()
            .min()
            .map(|m| m.to_string())
            .unwrap_or_default();
        format!("建档后 {since} 起纳入低保或特困供养等社会救助")
    } else {
        "月度评估时达到脱困标准，当前收入数据已变化，请核实".to_owned()
    }
}

pub(super) fn relief_summary(r: &ReliefEvaluation) -> String {
    if r.window.iter().all(|m| m.at_or_above_line) && !r.insufficient_data {
        let first = r.window.first().map(|m| m.month.to_string());
        let last = r.window.last().map(|m| m.month.to_string());
        format!(
            "{} 连续 {} 个月实际人均生活水平不低于低保标准",
            span(first.as_deref(), last.as_deref()),
            r.window.len()
        )
    } else {
        "月度评估时达到解困条件，当前收入数据已变化，请核实".to_owned()
    }
}

pub(super) fn relapse_summary(h: &households::Household) -> String {
    let l = &h.leaving;
    format!(
        "{} 标记返困：{}；{} 脱困，跟踪期至 {}",
        l.relapse_on.map(|d| d.to_string()).unwrap_or_default(),
        l.relapse_reason.clone().unwrap_or_default(),
        l.left_on.map(|d| d.to_string()).unwrap_or_default(),
        l.follow_until.map(|d| d.to_string()).unwrap_or_default()
    )
}

/// What a file's page shows: the file and its leaving card.
#[derive(Debug, Clone)]
pub struct HouseholdPage {
    pub detail: crate::HouseholdDetail,
    pub leaving: LeavingView,
    /// Open 部门核对 findings on the file (its badge links to them).
    pub open_findings: i64,
    /// Reporting up (上报): where the file stands and what the caller may do.
    pub report: crate::reporting::ReportCard,
}

/// The leaving card of a file read inside the caller's transaction, so a page
/// that shows the file and its card reads both at one version.
pub(crate) fn leaving_view<D: Disclosure>(
    c: &mut bangfu_storage::Conn,
    scope: &bangfu_storage::Scope,
    officer: bool,
    h: &households::Household<D>,
) -> Result<LeavingView, ServiceError> {
    let id = h.id;
    let decisions = store::list(
        c,
        scope,
        &ExitFilter {
            household_id: Some(id),
            ..Default::default()
        },
        PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
    )?
    .items;
    let linked: Vec<HouseholdId> = [h.leaving.previous_id, h.leaving.reopened_id]
        .into_iter()
        .flatten()
        .collect();
    let files = households::find_many(c, scope, &linked)?;
    let number = |x: Option<HouseholdId>| {
        x.and_then(|x| files.iter().find(|f| f.id == x))
            .map(|f| (f.id, f.file_no.clone()))
    };
    let open = decisions.iter().any(|d| d.status.is_open());
    let on_file = h.status == Status::OnFile;
    Ok(LeavingView {
        previous: number(h.leaving.previous_id),
        reopened: number(h.leaving.reopened_id),
        may_propose: if officer && on_file && !open {
            ExitKind::PROPOSED_ON_FILE.to_vec()
        } else {
            Vec::new()
        },
        may_flag_relapse: officer
            && h.status == Status::Exited
            && h.leaving.relapse_on.is_none()
            && within_follow_up(h.leaving.follow_until, today()),
        may_reopen: officer
            && h.status == Status::Exited
            && h.leaving.relapse_on.is_some()
            && h.leaving.reopened_id.is_none(),
        decisions: decisions.into_iter().map(store::Exit::masked).collect(),
    })
}
