//! A household's assistance page: recording help given, with its approval.

use super::*;
use bangfu_domain::assistance::{AssistanceStatus, Catalogue, PlanStatus, SubsidyPeriod};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::Fen;
use bangfu_service::assistance::AssistanceInput;
use bangfu_service::plans::Measure;
use bangfu_service::subsidies::SubsidyFilter;
use bangfu_service::{today, PageRequest, ServiceError};
use std::collections::HashMap;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) given_on: String,
    #[serde(default)]
    pub(crate) cash: String,
    #[serde(default)]
    pub(crate) goods: String,
    #[serde(default)]
    pub(crate) goods_value: String,
    #[serde(default)]
    pub(crate) persons: String,
    #[serde(default)]
    pub(crate) measure_id: String,
    /// The paying union (发放工会).
    #[serde(default)]
    pub(crate) union_id: String,
    #[serde(default)]
    pub(crate) source: String,
    #[serde(default)]
    pub(crate) school: String,
    #[serde(default)]
    pub(crate) stage: String,
    #[serde(default)]
    pub(crate) note: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubsidyForm {
    #[serde(default)]
    pub(crate) household_id: i64,
    #[serde(default)]
    pub(crate) amount: String,
    #[serde(default)]
    pub(crate) period: String,
    #[serde(default)]
    pub(crate) start_month: String,
    #[serde(default)]
    pub(crate) end_month: String,
    #[serde(default)]
    pub(crate) source: String,
}

#[derive(Template)]
#[template(path = "assistance_household.html")]
pub(crate) struct HouseholdPage {
    pub(crate) chrome: Chrome,
    pub(crate) household_id: i64,
    pub(crate) tab: &'static str,
    pub(crate) name: String,
    pub(crate) file_no: String,
    pub(crate) closed: bool,
    pub(crate) totals: TotalsView,
    pub(crate) by_kind: Vec<TotalsView>,
    pub(crate) records: Vec<RecordView>,
    pub(crate) subsidies: Vec<SubsidyView>,
    pub(crate) may_record: bool,
    pub(crate) may_subsidy: bool,
    pub(crate) threshold: String,
    pub(crate) form: RecordForm,
    pub(crate) kinds: Opts,
    /// The household's measures a record may serve (id, label).
    pub(crate) measures: Opts,
    /// The unions that may pay (id, name).
    pub(crate) paying_unions: Opts,
    pub(crate) sources: Opts,
    pub(crate) stages: Opts,
    pub(crate) periods: Opts,
    pub(crate) this_month: String,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
    pub(crate) field: &'static str,
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQ {
    #[serde(default)]
    pub(crate) notice: String,
}

pub(crate) fn totals_view(label: &str, t: &bangfu_service::assistance::Totals) -> TotalsView {
    TotalsView {
        label: label.to_owned(),
        cash: t.cash.yuan_grouped(),
        goods_value: t.goods_value.yuan_grouped(),
        household_times: t.household_times,
        person_times: t.person_times,
    }
}

pub(crate) async fn household_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    tab: TabState<RecordForm>,
) -> PageResult {
    let h = state
        .services
        .assistance_of_household(actor, HouseholdId(id))
        .await?;
    let kinds_all = catalogue(state, actor, Catalogue::AssistanceKind, true).await?;
    let kinds = catalogue(state, actor, Catalogue::AssistanceKind, false).await?;
    let subsidies = state
        .services
        .subsidy_list(
            actor,
            None,
            SubsidyFilter {
                household_id: Some(HouseholdId(id)),
                ..Default::default()
            },
            PageRequest::new(Some(1), Some(50)),
        )
        .await?;
    let closed = !h.household.status.under_assistance();
    Ok(render_status(
        tab.status,
        &HouseholdPage {
            chrome: Chrome::new(
                actor,
                format!("{} · 帮扶记录", h.household.data.worker_name),
                "households",
            ),
            household_id: id,
            tab: "assistance",
            name: h.household.data.worker_name.clone(),
            file_no: h.household.file_no.clone(),
            closed,
            totals: totals_view("合计", &h.totals),
            by_kind: h
                .by_kind
                .iter()
                .map(|k| totals_view(&k.label, &k.totals))
                .collect(),
            records: h
                .records
                .iter()
                .map(|a| RecordView::of(a, &kinds_all))
                .collect(),
            subsidies: subsidies.items.iter().map(SubsidyView::from).collect(),
            may_record: h.may_record,
            may_subsidy: h.may_record,
            threshold: state.services.settings().approval_threshold.yuan_grouped(),
            form: tab.form.unwrap_or_else(|| RecordForm {
                given_on: today().to_string(),
                persons: "1".into(),
                union_id: h.default_union_id.0.to_string(),
                ..Default::default()
            }),
            kinds,
            measures: h
                .measures
                .iter()
                .map(|m| (m.id.0.to_string(), measure_label(m, &h.track_labels)))
                .collect(),
            paying_unions: h
                .paying_unions
                .iter()
                .map(|u| (u.id.0.to_string(), u.name.clone()))
                .collect(),
            sources: sources(),
            stages: stages(),
            periods: [SubsidyPeriod::Monthly, SubsidyPeriod::Quarterly]
                .iter()
                .map(|p| (p.code().to_owned(), p.label().to_owned()))
                .collect(),
            this_month: today().format("%Y-%m").to_string(),
            notice: tab.notice,
            error: tab.error,
            field: tab.field,
        },
    ))
}

pub(crate) async fn household_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQ>,
) -> PageResult {
    household_view(&state, &actor, id, TabState::shown(notice(&q.notice))).await
}

/// How a measure is named in the record form: plan year, track, content
/// (shortened) and whether its plan still awaits approval.
pub(crate) fn measure_label(m: &Measure, tracks: &HashMap<String, String>) -> String {
    const MAX: usize = 30;
    let content = m.content.trim();
    let short: String = if content.chars().count() > MAX {
        let mut s: String = content.chars().take(MAX).collect();
        s.push('…');
        s
    } else {
        content.to_owned()
    };
    let track = tracks
        .get(&m.track)
        .map_or(m.track.as_str(), String::as_str);
    let pending = if m.plan_status == PlanStatus::Approved {
        ""
    } else {
        "（计划未审定）"
    };
    format!("{}年 · {track} · {short}{pending}", m.plan_year)
}

pub(crate) fn id_of(
    field: &'static str,
    raw: &str,
    message: &str,
) -> Result<Option<i64>, ServiceError> {
    match raw.trim() {
        "" => Ok(None),
        s => s.parse().map(Some).map_err(|_| {
            ServiceError::Invalid(bangfu_domain::ValidationError::new(field, message))
        }),
    }
}

pub(crate) fn yuan_or_zero(field: &'static str, raw: &str) -> Result<Fen, ServiceError> {
    Ok(Fen::parse_yuan_opt(field, raw)?.unwrap_or(Fen::ZERO))
}

pub(crate) fn input_of(f: &RecordForm) -> Result<AssistanceInput, ServiceError> {
    Ok(AssistanceInput {
        union_id: id_of("union_id", &f.union_id, "请选择发放工会")?,
        kind: f.kind.clone(),
        given_on: f.given_on.clone(),
        cash: yuan_or_zero("cash", &f.cash)?,
        goods: f.goods.clone(),
        goods_value: yuan_or_zero("goods_value", &f.goods_value)?,
        persons: match f.persons.trim() {
            "" => 1,
            s => s.parse().map_err(|_| {
                ServiceError::Invalid(bangfu_domain::ValidationError::new(
                    "persons",
                    "受益人数应为整数",
                ))
            })?,
        },
        measure_id: id_of("measure_id", &f.measure_id, "请从列表中选择帮扶措施")?,
        source: f.source.clone(),
        school: f.school.clone(),
        stage: f.stage.clone(),
        note: f.note.clone(),
    })
}

pub(crate) async fn household_record(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<RecordForm>,
) -> PageResult {
    let result = match input_of(&form) {
        Ok(input) => {
            state
                .services
                .assistance_record(&actor, HouseholdId(id), input)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => {
            let done = if a.status == AssistanceStatus::Pending {
                Notice::AssistancePending
            } else {
                Notice::AssistanceRecorded
            };
            Ok(
                Redirect::to(&format!("/households/{id}/assistance?{}", done.query()))
                    .into_response(),
            )
        }
        Err(e) => household_view(&state, &actor, id, TabState::failed(Some(form), e, "")?).await,
    }
}
