//! The list of schemes and the form that defines one.

use super::LEVELS;
use crate::pages::prelude::*;
use crate::pages::union_options;
use crate::view::local_time;
use bangfu_domain::assessment::{parse_lines, to_lines, yunnan_items};
use bangfu_domain::Permission;
use bangfu_service::assessments::{this_year, Scheme, SchemeInput};
use bangfu_service::ServiceError;

#[derive(Debug, Deserialize, Default)]
pub(super) struct ListQ {
    #[serde(default)]
    year: String,
}

pub struct Row {
    id: i64,
    year: i32,
    title: String,
    union_name: String,
    level: &'static str,
    scored: String,
}

impl From<&Scheme> for Row {
    fn from(s: &Scheme) -> Self {
        Self {
            id: s.id,
            year: s.year,
            title: s.title.clone(),
            union_name: s.union_name.clone(),
            level: s.level.label(),
            scored: s.scored_at.as_ref().map(local_time).unwrap_or_default(),
        }
    }
}

/// The form as typed (sent back on a refusal).
#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct CreateForm {
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    title: String,
    /// One item a line: 领域 | 指标 | 分值 | 类型.
    #[serde(default)]
    items: String,
}

#[derive(Template)]
#[template(path = "assessments.html")]
struct ListPage {
    chrome: Chrome,
    year: String,
    rows: Vec<Row>,
    may_manage: bool,
    unions: Vec<(i64, String)>,
    levels: Vec<(&'static str, &'static str)>,
    sources: Vec<(&'static str, &'static str, bool)>,
    form: CreateForm,
    error: Option<String>,
}

async fn render_list(
    state: &AppState,
    actor: &Actor,
    q: &ListQ,
    form: Option<CreateForm>,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let year = match q.year.trim() {
        "" => None,
        y => Some(y.parse::<i32>().map_err(|_| {
            ServiceError::from(bangfu_domain::ValidationError::new(
                "year",
                "年度应为四位数字",
            ))
        })?),
    };
    let list = state.services.assessment_list(actor, year).await?;
    let may_manage = actor.can(Permission::ManageAssessments);
    let unions = if may_manage {
        union_options(state, actor).await?
    } else {
        Vec::new()
    };
    let form = form.unwrap_or_else(|| CreateForm {
        union_id: actor.user.union_id.0.to_string(),
        level: String::new(),
        year: this_year().to_string(),
        title: format!("{} 年困难职工解困脱困工作考核", this_year()),
        items: to_lines(&yunnan_items()),
    });
    let (code, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    Ok(render_status(
        code,
        &ListPage {
            chrome: Chrome::new(actor, "考核评价", "assessments"),
            year: q.year.trim().to_owned(),
            rows: list.iter().map(Row::from).collect(),
            may_manage,
            unions,
            levels: LEVELS.to_vec(),
            sources: bangfu_domain::assessment::Source::ALL
                .iter()
                .map(|s| (s.label(), s.explain(), s.computed()))
                .collect(),
            form,
            error: message,
        },
    ))
}

pub(super) async fn list_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    render_list(&state, &actor, &q, None, None).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<CreateForm>,
) -> PageResult {
    let result = match parse_lines(&form.items) {
        Ok(items) => {
            let year = form.year.trim().parse::<i32>().unwrap_or(0);
            state
                .services
                .assessment_create(
                    &actor,
                    SchemeInput {
                        union_id: form.union_id.trim().parse().ok(),
                        level: form.level.clone(),
                        year,
                        title: form.title.clone(),
                        items,
                    },
                )
                .await
        }
        Err(r) => Err(ServiceError::from(r)),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!(
            "/assessments/{}?{}",
            r.scheme.id,
            Notice::AssessmentCreated.query()
        ))
        .into_response()),
        Err(e) => {
            let all = super::edit::all_messages(&e);
            let (status, msg, _) = form_failure(e)?;
            let msg = all.unwrap_or(msg);
            render_list(
                &state,
                &actor,
                &ListQ::default(),
                Some(form),
                Some((status, msg)),
            )
            .await
        }
    }
}
