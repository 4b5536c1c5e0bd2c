//! The shapes of pairing, plans, measures, visits and the dictionary in the API.

use crate::api::ApiResult;
use crate::view::api_time;
use crate::AppState;
use bangfu_domain::assistance::Catalogue;
use bangfu_service::dictionary::DictionaryEntry;
use bangfu_service::plans::{Measure, MeasureInput, PairingView, Plan, PlanView, WorkItem};
use bangfu_service::visits::Visit;
use bangfu_service::Actor;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// A household as the pairing lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkItemDto {
    pub household_id: i64,
    pub file_no: String,
    pub worker_name: String,
    /// The filing union.
    pub union_id: i64,
    pub union_name: String,
    /// on_file or closed
    pub status: String,
    pub pairing_union_id: Option<i64>,
    pub pairing_union_name: Option<String>,
    pub responsible_id: Option<i64>,
    pub responsible_name: Option<String>,
    /// YYYY-MM-DD
    pub filed_on: String,
    /// YYYY-MM-DD, the day the current pairing began.
    pub paired_on: Option<String>,
    /// YYYY-MM-DD. A visit is due once the visit interval has passed since
    /// the latest of `filed_on`, `paired_on` and this.
    pub last_visit_on: Option<String>,
}

impl From<&WorkItem> for WorkItemDto {
    fn from(w: &WorkItem) -> Self {
        Self {
            household_id: w.household_id.0,
            file_no: w.file_no.clone(),
            worker_name: w.worker_name.clone(),
            union_id: w.union_id.0,
            union_name: w.union_name.clone(),
            status: w.status.code().into(),
            pairing_union_id: w.pairing_union_id.map(|u| u.0),
            pairing_union_name: w.pairing_union_name.clone(),
            responsible_id: w.responsible_id.map(|u| u.0),
            responsible_name: w.responsible_name.clone(),
            filed_on: w.filed_on.to_string(),
            paired_on: w.paired_on.map(|d| d.to_string()),
            last_visit_on: w.last_visit_on.map(|d| d.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PairingRecordDto {
    pub union_id: i64,
    pub union_name: String,
    pub responsible_id: i64,
    pub responsible_name: String,
    pub from_at: String,
    /// Absent while current.
    pub until_at: Option<String>,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PairingDto {
    pub current: WorkItemDto,
    /// Newest first.
    pub history: Vec<PairingRecordDto>,
}

impl From<&PairingView> for PairingDto {
    fn from(v: &PairingView) -> Self {
        Self {
            current: WorkItemDto::from(&v.item),
            history: v
                .history
                .iter()
                .map(|p| PairingRecordDto {
                    union_id: p.union_id.0,
                    union_name: p.union_name.clone(),
                    responsible_id: p.responsible_id.0,
                    responsible_name: p.responsible_name.clone(),
                    from_at: api_time(&p.from_at),
                    until_at: p.until_at.as_ref().map(api_time),
                    note: p.note.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    /// The pairing unit: a union in the caller's scope.
    pub union_id: i64,
    /// The responsible person: an active officer (帮扶干部) in scope.
    pub responsible_id: i64,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDto {
    pub id: i64,
    pub household_id: i64,
    pub year: i32,
    /// exit (脱困 by target_on) or relief (解困)
    pub goal: String,
    pub goal_label: String,
    pub target_on: Option<String>,
    pub summary: String,
    /// draft, submitted (for approval: `POST /api/v1/plans/{id}/submit`) or
    /// approved (`POST /api/v1/plans/{id}/approve`, submitted plans only)
    pub status: String,
    pub status_label: String,
    pub submitted_by_name: Option<String>,
    pub submitted_at: Option<String>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<String>,
    /// Send back to change the plan.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Plan> for PlanDto {
    fn from(p: &Plan) -> Self {
        Self {
            id: p.id.0,
            household_id: p.household_id.0,
            year: p.year,
            goal: p.goal.code().into(),
            goal_label: p.goal.label().into(),
            target_on: p.target_on.map(|d| d.to_string()),
            summary: p.summary.clone(),
            status: p.status.code().into(),
            status_label: p.status.label().into(),
            submitted_by_name: p.submitted_by_name.clone(),
            submitted_at: p.submitted_at.as_ref().map(api_time),
            approved_by_name: p.approved_by_name.clone(),
            approved_at: p.approved_at.as_ref().map(api_time),
            version: p.version,
            created_at: api_time(&p.created_at),
            updated_at: api_time(&p.updated_at),
        }
    }
}

/// Code → label of the dictionary, deactivated entries included.
pub(crate) type Labels = HashMap<(Catalogue, String), String>;

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureDto {
    pub id: i64,
    pub plan_id: i64,
    pub household_id: i64,
    /// A `track` code of the dictionary (四个一批).
    pub track: String,
    pub track_label: String,
    /// A `programme` code (十大行动计划).
    pub programme: Option<String>,
    pub programme_label: Option<String>,
    /// A `guarantee_line` code (六条保障线).
    pub guarantee_line: Option<String>,
    pub guarantee_line_label: Option<String>,
    pub content: String,
    pub due_on: String,
    pub responsible_id: Option<i64>,
    pub responsible_name: Option<String>,
    /// planned, in_progress, done, cancelled
    pub status: String,
    pub status_label: String,
    pub done_on: Option<String>,
    /// Open and past its due date.
    pub overdue: bool,
    pub plan_year: i32,
    /// The plan's status: an approved plan's measures are approved measures.
    pub plan_status: String,
    /// Send back to change the measure.
    pub version: i64,
}

pub(crate) fn measure_dto(m: &Measure, labels: &Labels, today: chrono::NaiveDate) -> MeasureDto {
    let label = |k: Catalogue, c: &str| {
        labels
            .get(&(k, c.to_owned()))
            .cloned()
            .unwrap_or_else(|| c.to_owned())
    };
    MeasureDto {
        id: m.id.0,
        plan_id: m.plan_id.0,
        household_id: m.household_id.0,
        track: m.track.clone(),
        track_label: label(Catalogue::Track, &m.track),
        programme: m.programme.clone(),
        programme_label: m
            .programme
            .as_deref()
            .map(|c| label(Catalogue::Programme, c)),
        guarantee_line: m.guarantee_line.clone(),
        guarantee_line_label: m
            .guarantee_line
            .as_deref()
            .map(|c| label(Catalogue::GuaranteeLine, c)),
        content: m.content.clone(),
        due_on: m.due_on.to_string(),
        responsible_id: m.responsible_id.map(|u| u.0),
        responsible_name: m.responsible_name.clone(),
        status: m.status.code().into(),
        status_label: m.status.label().into(),
        done_on: m.done_on.map(|d| d.to_string()),
        overdue: m.status.overdue(m.due_on, today),
        plan_year: m.plan_year,
        plan_status: m.plan_status.code().into(),
        version: m.version,
    }
}

pub(crate) async fn labels(state: &AppState, actor: &Actor) -> ApiResult<Labels> {
    Ok(state
        .services
        .dictionary_list(actor, None, false)
        .await?
        .into_iter()
        .map(|e| ((e.kind, e.code), e.label))
        .collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDetailDto {
    pub household_id: i64,
    pub year: i32,
    /// Absent when the household has no plan for the year yet.
    pub plan: Option<PlanDto>,
    /// By due date.
    pub measures: Vec<MeasureDto>,
    /// Years with a plan, newest first.
    pub years: Vec<i32>,
}

impl From<&PlanView> for PlanDetailDto {
    fn from(v: &PlanView) -> Self {
        let today = bangfu_service::today();
        Self {
            household_id: v.item.household_id.0,
            year: v.year,
            plan: v.plan.as_ref().map(PlanDto::from),
            measures: v
                .measures
                .iter()
                .map(|m| measure_dto(m, &v.labels, today))
                .collect(),
            years: v.years.iter().map(|(y, _)| *y).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// exit or relief
    pub goal: String,
    /// YYYY-MM-DD, required for exit: between 1 January of the year and the end of the year after next.
    #[serde(default)]
    pub target_on: Option<String>,
    /// The household's situation and the plan of help.
    pub summary: String,
    /// The version read; required to change an existing plan. Changing an
    /// approved plan returns it to draft.
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// The version read (optional).
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MeasureRequest {
    /// When given, must be the plan's household.
    #[serde(default)]
    pub household_id: Option<i64>,
    /// An active `track` code; required for a new measure.
    #[serde(default)]
    pub track: Option<String>,
    /// An active `programme` code, or "" for none.
    #[serde(default)]
    pub programme: Option<String>,
    /// An active `guarantee_line` code, or "" for none.
    #[serde(default)]
    pub guarantee_line: Option<String>,
    /// Required for a new measure.
    #[serde(default)]
    pub content: Option<String>,
    /// YYYY-MM-DD within the plan's year or the next; required for a new measure.
    #[serde(default)]
    pub due_on: Option<String>,
    /// A user in scope; the household's responsible person when absent.
    #[serde(default)]
    pub responsible_id: Option<i64>,
    /// planned (default), in_progress, done, cancelled
    #[serde(default)]
    pub status: Option<String>,
    /// Required to change a measure.
    #[serde(default)]
    pub version: Option<i64>,
}

impl MeasureRequest {
    pub(crate) fn input(self) -> MeasureInput {
        MeasureInput {
            household_id: self.household_id,
            track: self.track,
            programme: self.programme,
            guarantee_line: self.guarantee_line,
            content: self.content,
            due_on: self.due_on,
            responsible_id: self.responsible_id,
            status: self.status,
            version: self.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyHouseholdDto {
    pub household: WorkItemDto,
    /// Open measures (planned, in progress), by due date.
    pub open_measures: Vec<MeasureDto>,
    pub overdue_measures: usize,
    /// Never visited or not within the visit interval.
    pub visit_overdue: bool,
    /// The status of this year's plan; absent when there is none.
    pub plan_this_year: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoDto {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// GET it with the same credentials.
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitDto {
    pub id: i64,
    pub household_id: i64,
    pub visited_on: String,
    /// Who was met.
    pub met: String,
    /// 一看: housing and living conditions.
    pub looked: String,
    /// 二问: situation and needs.
    pub asked: String,
    /// 三讲: policies explained.
    pub explained: String,
    pub findings: String,
    /// New needs.
    pub needs: String,
    pub recorded_by: i64,
    pub recorded_by_name: String,
    pub created_at: String,
    pub photos: Vec<PhotoDto>,
}

impl From<&Visit> for VisitDto {
    fn from(v: &Visit) -> Self {
        Self {
            id: v.id.0,
            household_id: v.household_id.0,
            visited_on: v.visited_on.to_string(),
            met: v.met.clone(),
            looked: v.looked.clone(),
            asked: v.asked.clone(),
            explained: v.explained.clone(),
            findings: v.findings.clone(),
            needs: v.needs.clone(),
            recorded_by: v.recorded_by.0,
            recorded_by_name: v.recorded_by_name.clone(),
            created_at: api_time(&v.created_at),
            photos: v
                .photos
                .iter()
                .map(|p| PhotoDto {
                    id: p.id,
                    name: p.name.clone(),
                    content_type: p.content_type.clone(),
                    size: p.size,
                    url: format!("/api/v1/visits/{}/photos/{}", v.id.0, p.id),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitRequest {
    /// YYYY-MM-DD, not in the future, within the last year.
    pub visited_on: String,
    /// Who was met.
    pub met: String,
    /// 一看: housing and living conditions.
    pub looked: String,
    /// 二问: situation and needs.
    pub asked: String,
    /// 三讲: policies explained.
    pub explained: String,
    #[serde(default)]
    pub findings: String,
    /// New needs.
    #[serde(default)]
    pub needs: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DictionaryEntryDto {
    /// track, programme, assistance_kind, guarantee_line, department
    pub kind: String,
    pub code: String,
    pub label: String,
    pub position: i32,
    /// Inactive entries are no longer offered but old records keep them.
    pub active: bool,
}

impl From<&DictionaryEntry> for DictionaryEntryDto {
    fn from(e: &DictionaryEntry) -> Self {
        Self {
            kind: e.kind.code().into(),
            code: e.code.clone(),
            label: e.label.clone(),
            position: e.position,
            active: e.active,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DictionaryQuery {
    /// One catalogue: track, programme, assistance_kind, guarantee_line, department.
    pub kind: Option<String>,
    /// Include deactivated entries (default: only those forms offer).
    pub all: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntryRequest {
    pub label: String,
    /// At the end when absent.
    #[serde(default)]
    pub position: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(as = EditEntryRequest)]
pub struct EntryPatch {
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub position: Option<i32>,
    /// false deactivates (never deletes); true offers it again.
    #[serde(default)]
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct WorklistQuery {
    /// Only this union's subtree (in scope).
    pub union_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PhotoQuery {
    /// The photo's file name.
    pub name: Option<String>,
}
