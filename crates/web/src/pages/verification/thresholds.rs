//! The asset thresholds of verification by region (核对资产标准): the list
//! for anyone who reads findings, and the form for administrators.

use crate::pages::prelude::*;
use crate::view::local_time;
use bangfu_domain::verification::Thresholds;
use bangfu_domain::{Fen, Permission};
use bangfu_service::verification::{ThresholdsInput, ThresholdsView};
use bangfu_service::ServiceError;

pub struct Row {
    code: String,
    region: String,
    vehicle: String,
    properties: i64,
    area: i64,
    updated: String,
}

impl From<&ThresholdsView> for Row {
    fn from(t: &ThresholdsView) -> Self {
        Self {
            code: if t.division_code.is_empty() {
                "000000".into()
            } else {
                t.division_code.clone()
            },
            region: t.division_name.clone(),
            vehicle: t.thresholds.vehicle_value.yuan_grouped(),
            properties: t.thresholds.properties,
            area: t.thresholds.floor_area_per_person,
            updated: local_time(&t.updated_at),
        }
    }
}

#[derive(Template)]
#[template(path = "verification_thresholds.html")]
struct ThresholdsPage {
    chrome: Chrome,
    notice: Option<String>,
    error: Option<String>,
    field: &'static str,
    rows: Vec<Row>,
    defaults: Row,
    can_edit: bool,
    form: ThresholdsForm,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct ThresholdsForm {
    #[serde(default)]
    division_code: String,
    #[serde(default)]
    vehicle_yuan: String,
    #[serde(default)]
    properties: String,
    #[serde(default)]
    floor_area_per_person: String,
    notice: Option<String>,
}

async fn view(
    state: &AppState,
    actor: &Actor,
    form: ThresholdsForm,
    notice: Option<String>,
    failure: Option<(StatusCode, String, &'static str)>,
) -> PageResult {
    let list = state.services.verification_thresholds(actor).await?;
    let d = Thresholds::default();
    let (status, error, field) = match failure {
        Some((s, m, f)) => (s, Some(m), f),
        None => (StatusCode::OK, None, ""),
    };
    Ok(render_status(
        status,
        &ThresholdsPage {
            chrome: Chrome::new(actor, "核对资产标准", "verification"),
            notice,
            error,
            field,
            rows: list.iter().map(Row::from).collect(),
            defaults: Row {
                code: "—".into(),
                region: "未设置时".into(),
                vehicle: d.vehicle_value.yuan_grouped(),
                properties: d.properties,
                area: d.floor_area_per_person,
                updated: String::new(),
            },
            can_edit: actor.can(Permission::ManageVerification),
            form,
        },
    ))
}

pub async fn thresholds_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ThresholdsForm>,
) -> PageResult {
    let notice = Notice::find(Notice::THRESHOLDS, q.notice.as_deref()).map(Notice::text);
    view(&state, &actor, ThresholdsForm::default(), notice, None).await
}

/// A whole number typed in a form, or the field's refusal.
fn whole(field: &'static str, label: &str, raw: &str) -> Result<i64, ServiceError> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| bangfu_domain::ValidationError::new(field, format!("{label}应为整数")).into())
}

pub async fn thresholds_save(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<ThresholdsForm>,
) -> PageResult {
    let result = async {
        let input = ThresholdsInput {
            division_code: form.division_code.clone(),
            vehicle_value_fen: Fen::parse_yuan("vehicle_value_fen", &form.vehicle_yuan)?.0,
            properties: whole("properties", "房产套数标准", &form.properties)?,
            floor_area_per_person: whole(
                "floor_area_per_person",
                "人均建筑面积标准",
                &form.floor_area_per_person,
            )?,
        };
        state
            .services
            .verification_thresholds_set(&actor, input)
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/verification/thresholds?{}",
            Notice::ThresholdsSaved.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, field) = crate::pages::form_failure(e)?;
            view(
                &state,
                &actor,
                form,
                None,
                Some((status, msg, field.unwrap_or(""))),
            )
            .await
        }
    }
}
