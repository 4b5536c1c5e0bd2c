//! Suggestions for a resource, the matches officers make of them, and how
//! each match ends.

use super::resource::snapshot as resource_snapshot;
use super::{Match, MatchFilter, Resource};
use crate::assistance::{parse_date, pay};
use crate::audit::{Owned, Record, Who};
use crate::clock::today;
use crate::plans::{fields_of, measure_json};
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::assistance::{kind, AssistanceStatus, MeasureStatus, Stage};
use bangfu_domain::audit::Action;
use bangfu_domain::funds::Source;
use bangfu_domain::household::{parse_text, HardshipCause, HouseholdId};
use bangfu_domain::leaving::{pathway_of_code, Pathway};
use bangfu_domain::resources::{
    suggest, take, Aim, MatchId, MatchStatus, ResourceId, ResourceKind, ServiceKind,
};
use bangfu_domain::{Fen, Permission, ValidationError};
use bangfu_storage::assistance::{self as records, NewAssistance};
use bangfu_storage::resources::{self as store, Found, NewMatch, Outcome, Prefilter};
use bangfu_storage::{households, plans, unions, Conn, Page, PageRequest, Scope, StorageError};
use serde_json::json;

/// One household suggested for a resource, and why.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub household_id: HouseholdId,
    pub file_no: String,
    pub worker_name: String,
    pub reasons: Vec<String>,
    /// For jobs and training: who the place would go to.
    pub person: Option<String>,
}

/// A page of suggestions: the households are read in file order until
/// `limit` fit or [`SCAN_LIMIT`] were read; `next_after` continues.
#[derive(Debug, Clone)]
pub struct Suggestions {
    pub resource: Resource,
    pub items: Vec<Suggestion>,
    /// Where to continue, when there may be more.
    pub next_after: Option<i64>,
    /// Households read for this page.
    pub scanned: usize,
}

/// Households read for one page of suggestions at most.
pub const SCAN_LIMIT: usize = 20_000;
const BATCH: i64 = 500;

/// A match as an officer confirms it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct MatchInput {
    pub household_id: i64,
    /// For jobs and training: the person (the worker or a member, by name);
    /// the first who fits when blank.
    pub person: String,
    /// For cash (fen), goods (items) and volunteering (hours).
    pub quantity: Option<i64>,
}

/// How a match ended, as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OutcomeInput {
    /// Reached the household (hired, trained, received, served), or not.
    pub delivered: bool,
    /// `YYYY-MM-DD`; today when blank.
    pub on: String,
    pub note: String,
    /// School aid: the school and stage, as every 助学 record needs.
    pub school: String,
    pub stage: String,
}

fn prefilter(o: &Resource) -> Prefilter {
    let n = &o.fields.need;
    match (n.kind, n.service, n.aim) {
        (ResourceKind::Job, _, _) => Prefilter::Work { training: false },
        (ResourceKind::Training, _, _) => Prefilter::Work { training: true },
        (ResourceKind::Cash | ResourceKind::Goods, _, Some(Aim::Education)) => Prefilter::School,
        (ResourceKind::Service, Some(ServiceKind::Legal), _) => {
            Prefilter::Cause(HardshipCause::Entitlements)
        }
        _ => Prefilter::Any,
    }
}

fn snapshot(m: &Match) -> serde_json::Value {
    json!({
        "resource_id": m.resource_id.0,
        "household_id": m.household_id.0,
        "person": m.person,
        "quantity": m.quantity,
        "status": m.status.code(),
        "outcome_on": m.outcome.as_ref().map(|o| o.on.to_string()),
        "assistance_id": m.outcome.as_ref().and_then(|o| o.assistance_id).map(|a| a.0),
        "measure_id": m.outcome.as_ref().and_then(|o| o.measure_id).map(|x| x.0),
    })
}

fn find_resource(c: &mut Conn, scope: &Scope, id: ResourceId) -> Result<Resource, ServiceError> {
    store::find_resource(c, scope, id)?.ok_or(ServiceError::NotFound("社会资源"))
}

/// The household as a candidate of the resource: in the caller's scope and
/// the resource's region, under assistance, not yet matched to it.
fn candidate(
    c: &mut Conn,
    scope: &Scope,
    resource: &Resource,
    id: HouseholdId,
) -> Result<Found, ServiceError> {
    let h = households::find(c, scope, id)?.ok_or(ServiceError::NotFound("困难职工档案"))?;
    if !resource.union_path.contains(&h.union_path) {
        return Err(ServiceError::Rule(format!(
            "该家庭不在此资源的服务范围（{}）内",
            resource.union_name
        )));
    }
    if !h.status.under_assistance() {
        return Err(ServiceError::Rule("档案已不在帮扶中，不能对接资源".into()));
    }
    store::candidates(
        c,
        scope,
        &resource.union_path,
        resource.id,
        Prefilter::Any,
        id.0 - 1,
        1,
    )?
    .into_iter()
    .find(|f| f.household_id == id)
    .ok_or_else(|| ServiceError::Conflict {
        field: "household_id",
        message: "该家庭已对接过此资源（或已不予对接）".into(),
    })
}

fn taken_already(e: StorageError) -> ServiceError {
    match e {
        StorageError::Conflict(_) => ServiceError::Conflict {
            field: "household_id",
            message: "该家庭已对接过此资源（或已不予对接）".into(),
        },
        other => other.into(),
    }
}

/// What a new match says: who, why, how much it holds, and its status.
struct Made<'a> {
    person: &'a str,
    reason: &'a str,
    quantity: i64,
    status: MatchStatus,
}

/// Writes a match (confirmed or a dismissed suggestion) of `found` to the
/// resource, audited as `action`; a second one is a conflict.
fn record_match(
    c: &mut Conn,
    scope: &Scope,
    a: &Actor,
    resource: &Resource,
    found: &Found,
    made: Made<'_>,
    action: Action,
) -> Result<Match, ServiceError> {
    let id = store::insert_match(
        c,
        &NewMatch {
            resource_id: resource.id,
            household_id: found.household_id,
            union_id: a.user.union_id,
            union_path: &found.union_path,
            person: made.person,
            reason: made.reason,
            quantity: made.quantity,
            status: made.status,
            by: a.user.id.0,
        },
        now(),
    )
    .map_err(taken_already)?;
    let m = store::find_match(c, scope, id)?.ok_or(ServiceError::NotFound("资源对接"))?;
    Record::of(action, "match", id, m.owner())
        .after(snapshot(&m))
        .write(c, Who::Actor(a))?;
    Ok(m)
}

/// Completes the household's first open measure leading to 就业创业: a
/// hire is an employment measure done.
fn complete_employment_measure(
    c: &mut Conn,
    a: &Actor,
    household: &households::Household,
    on: chrono::NaiveDate,
) -> Result<Option<bangfu_domain::assistance::MeasureId>, ServiceError> {
    let open = plans::open_measures_of(c, &[household.id])?;
    let Some(m) = open.into_iter().find(|m| {
        pathway_of_code(&m.track) == Some(Pathway::Employment)
            || m.programme.as_deref().and_then(pathway_of_code) == Some(Pathway::Employment)
    }) else {
        return Ok(None);
    };
    let before = fields_of(&m);
    let mut after = before.clone();
    after.status = MeasureStatus::Done;
    after.done_on = Some(on);
    if !plans::update_measure(c, m.id, m.version, &after, now())? {
        return Err(ServiceError::stale(
            "帮扶措施刚刚已被他人修改，请刷新后再试",
        ));
    }
    Record::of(Action::SaveMeasure, "measure", m.id, household.owner())
        .before(measure_json(&before, m.plan_status))
        .after(measure_json(&after, m.plan_status))
        .write(c, Who::Actor(a))?;
    Ok(Some(m.id))
}

impl Services {
    /// The households the resource suits, with the reasons, in file order
    /// from `after`: at most `limit`, reading at most [`SCAN_LIMIT`].
    pub async fn resource_suggestions(
        &self,
        actor: &Actor,
        id: ResourceId,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Suggestions, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        let limit = limit.clamp(1, 200);
        let today = today();
        self.read(move |c| {
            let resource = find_resource(c, &scope, id)?;
            let filter = prefilter(&resource);
            let mut items = Vec::new();
            let mut cursor = after.unwrap_or(0);
            let mut scanned = 0;
            let mut more = true;
            while items.len() < limit && scanned < SCAN_LIMIT {
                let batch = store::candidates(
                    c,
                    &scope,
                    &resource.union_path,
                    resource.id,
                    filter,
                    cursor,
                    BATCH,
                )?;
                let read = batch.len();
                for f in batch {
                    scanned += 1;
                    cursor = f.household_id.0;
                    if let Some(s) = suggest(&resource.fields.need, &f.candidate, today) {
                        items.push(Suggestion {
                            household_id: f.household_id,
                            file_no: f.file_no,
                            worker_name: f.worker_name,
                            reasons: s.reasons,
                            person: s.person,
                        });
                        if items.len() == limit {
                            break;
                        }
                    }
                }
                if i64::try_from(read).unwrap_or(0) < BATCH && items.len() < limit {
                    more = false;
                    break;
                }
            }
            Ok(Suggestions {
                resource,
                items,
                next_after: more.then_some(cursor),
                scanned,
            })
        })
        .await
    }

    /// Confirms a match of the resource to a household: it takes its quantity
    /// from what is left, or is refused when that is not there.
    pub async fn match_confirm(
        &self,
        actor: &Actor,
        resource_id: ResourceId,
        input: MatchInput,
    ) -> Result<Match, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        let scope = actor.scope();
        let a = actor.clone();
        let today = today();
        self.write(move |c| {
            let resource = find_resource(c, &scope, resource_id)?;
            if !resource.open_on(today) {
                return Err(ServiceError::Rule(if resource.remaining == 0 {
                    "该资源已全部对接完毕".into()
                } else {
                    "该资源已关闭或不在有效期内".into()
                }));
            }
            let found = candidate(c, &scope, &resource, HouseholdId(input.household_id))?;
            let kind = resource.fields.need.kind;
            let quantity = take(kind, input.quantity, resource.remaining)?;
            let suggested = suggest(&resource.fields.need, &found.candidate, today);
            let person = if kind.for_a_person() {
                let asked = input.person.trim();
                if asked.is_empty() {
                    suggested
                        .as_ref()
                        .and_then(|s| s.person.clone())
                        .or_else(|| found.candidate.persons.first().map(|p| p.name.clone()))
                        .unwrap_or_default()
                } else if found.candidate.persons.iter().any(|p| p.name == asked) {
                    asked.to_owned()
                } else {
                    return Err(ValidationError::new("person", "该家庭没有这个人").into());
                }
            } else {
                String::new()
            };
            let reason = suggested
                .map(|s| s.reasons.join("\n"))
                .unwrap_or_else(|| "经办人员直接对接".to_owned());
            if !store::take(c, resource.id, quantity, now())? {
                return Err(ServiceError::Conflict {
                    field: "quantity",
                    message: "该资源剩余数量不足（可能刚被他人对接），请刷新后再试".into(),
                });
            }
            let made = Made {
                person: &person,
                reason: &reason,
                quantity,
                status: MatchStatus::Confirmed,
            };
            record_match(c, &scope, &a, &resource, &found, made, Action::ConfirmMatch)
        })
        .await
    }

    /// Dismisses a suggestion: the household is not suggested for the
    /// resource again, and nothing of the resource is taken.
    pub async fn match_dismiss(
        &self,
        actor: &Actor,
        resource_id: ResourceId,
        household_id: HouseholdId,
    ) -> Result<Match, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        let scope = actor.scope();
        let a = actor.clone();
        let today = today();
        self.write(move |c| {
            let resource = find_resource(c, &scope, resource_id)?;
            let found = candidate(c, &scope, &resource, household_id)?;
            let reason = suggest(&resource.fields.need, &found.candidate, today)
                .map(|s| s.reasons.join("\n"))
                .unwrap_or_default();
            let made = Made {
                person: "",
                reason: &reason,
                quantity: 0,
                status: MatchStatus::Dismissed,
            };
            record_match(
                c,
                &scope,
                &a,
                &resource,
                &found,
                made,
                Action::DismissSuggestion,
            )
        })
        .await
    }

    /// Records how a confirmed match ended. Delivered: an assistance record
    /// (cash paid from the donation fund of the resource's union), and for a
    /// hire the household's open employment measure done. Not delivered:
    /// what it held goes back to the resource.
    pub async fn match_outcome(
        &self,
        actor: &Actor,
        id: MatchId,
        version: Option<i64>,
        input: OutcomeInput,
    ) -> Result<Match, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        let today = today();
        let on = parse_date("on", &input.on)?.unwrap_or(today);
        if on > today {
            return Err(ValidationError::new("on", "日期不能晚于今天").into());
        }
        let note = parse_text("note", "说明", &input.note, !input.delivered, 1000)?;
        let threshold = self.settings().approval_threshold;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let before =
                store::find_match(c, &scope, id)?.ok_or(ServiceError::NotFound("资源对接"))?;
            if !before.status.open() {
                return Err(ServiceError::Rule(format!(
                    "该对接已有结果（{}）",
                    before.status.label()
                )));
            }
            let version = version.unwrap_or(before.version);
            let resource = find_resource(c, &scope, before.resource_id)?;
            let need = &resource.fields.need;
            let mut outcome = Outcome {
                on,
                note: note.clone(),
                assistance_id: None,
                measure_id: None,
            };
            let status = if input.delivered {
                let h = households::find(c, &scope, before.household_id)?
                    .ok_or(ServiceError::NotFound("困难职工档案"))?;
                if !h.status.under_assistance() {
                    return Err(ServiceError::Rule("档案已不在帮扶中，不能登记发放".into()));
                }
                if on < before.created_at.date() {
                    return Err(ValidationError::new("on", "日期不能早于对接日期").into());
                }
                let assistance_kind = need.assistance_kind();
                let (school, stage) = if assistance_kind == kind::EDUCATION {
                    let school = parse_text("school", "学校", &input.school, true, 100)?;
                    if input.stage.trim().is_empty() {
                        return Err(ValidationError::new("stage", "助学须填写就学阶段").into());
                    }
                    (Some(school), Some(Stage::parse(&input.stage)?))
                } else {
                    (None, None)
                };
                if need.kind == ResourceKind::Job {
                    outcome.measure_id = complete_employment_measure(c, &a, &h, on)?;
                }
                let cash = if need.kind == ResourceKind::Cash {
                    Fen(before.quantity)
                } else {
                    Fen::ZERO
                };
                let (goods, goods_value) = if need.kind == ResourceKind::Goods {
                    (
                        format!("{} × {}", resource.fields.title, before.quantity),
                        Fen(resource.fields.unit_value.0.saturating_mul(before.quantity)),
                    )
                } else {
                    (String::new(), Fen::ZERO)
                };
                let pending = cash > threshold;
                let person = if before.person.is_empty() {
                    String::new()
                } else {
                    format!("，{}", before.person)
                };
                let record_note = if note.is_empty() {
                    format!(
                        "社会资源：{}（{}{person}）",
                        resource.provider_name, resource.fields.title
                    )
                } else {
                    format!(
                        "社会资源：{}（{}{person}）；{note}",
                        resource.provider_name, resource.fields.title
                    )
                };
                // The money sits in the fund of the resource's union: only
                // that union's subtree may pay it out (as with any fund).
                let union = match unions::find(c, &scope, resource.union_id)? {
                    Some(u) => u,
                    None if cash.0 > 0 => {
                        return Err(ServiceError::Rule(format!(
                            "该笔捐赠由{}接收，须由该工会登记发放",
                            resource.union_name
                        )))
                    }
                    None => unions::find(c, &scope, h.union_id)?
                        .ok_or(ServiceError::NotFound("工会"))?,
                };
                let record = records::insert(
                    c,
                    &NewAssistance {
                        household_id: h.id,
                        union_path: &h.union_path,
                        union_id: union.id,
                        kind: assistance_kind,
                        given_on: on,
                        cash,
                        goods: &goods,
                        goods_value,
                        persons: 1,
                        measure_id: outcome.measure_id,
                        source: (cash.0 > 0).then_some(Source::Donation),
                        school: school.as_deref(),
                        stage,
                        note: &record_note,
                        status: if pending {
                            AssistanceStatus::Pending
                        } else {
                            AssistanceStatus::Given
                        },
                        given_by: Some(a.user.id.0),
                        subsidy_id: None,
                        referral_id: None,
                        created_by: Some(a.user.id.0),
                    },
                    now(),
                )?;
                if cash.0 > 0 && !pending {
                    pay(
                        c,
                        record,
                        &union,
                        Source::Donation,
                        cash,
                        on,
                        &format!("社会捐助发放：{}（{}）", h.data.worker_name, h.file_no),
                        Some(a.user.id.0),
                    )?;
                }
                let rec =
                    records::find(c, &scope, record)?.ok_or(ServiceError::NotFound("帮扶记录"))?;
                Record::of(Action::RecordAssistance, "assistance", record, h.owner())
                    .after(crate::assistance::snapshot(&rec))
                    .write(c, Who::Actor(&a))?;
                outcome.assistance_id = Some(record);
                need.kind.delivered()
            } else {
                store::give_back(c, before.resource_id, before.quantity, now())?;
                MatchStatus::Declined
            };
            if !store::set_outcome(c, id, version, status, &outcome, now())? {
                return Err(ServiceError::stale("该对接刚刚已被他人处理，请刷新后再试"));
            }
            let after =
                store::find_match(c, &scope, id)?.ok_or(ServiceError::NotFound("资源对接"))?;
            let mut detail = snapshot(&after);
            detail["resource"] = resource_snapshot(&resource);
            Record::of(Action::RecordOutcome, "match", id, after.owner())
                .before(snapshot(&before))
                .after(detail)
                .write(c, Who::Actor(&a))?;
            Ok(after)
        })
        .await
    }

    pub async fn match_get(&self, actor: &Actor, id: MatchId) -> Result<Match, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| {
            store::find_match(c, &scope, id)?.ok_or(ServiceError::NotFound("资源对接"))
        })
        .await
    }

    pub async fn match_list(
        &self,
        actor: &Actor,
        filter: MatchFilter,
        page: PageRequest,
    ) -> Result<Page<Match>, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| Ok(store::list_matches(c, &scope, &filter, page)?))
            .await
    }
}
