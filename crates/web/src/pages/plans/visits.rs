//! A household's home visits with their photos (/households/{id}/visits).

use super::*;
use axum::extract::Multipart;
use axum::http::{header, HeaderValue};
use bangfu_domain::assistance::VisitId;
use bangfu_domain::household::HouseholdId;
use bangfu_domain::{Permission, ValidationError};
use bangfu_service::visits::{Visit, VisitInput, MAX_PHOTOS};
use bangfu_service::{PageRequest, Upload};

pub struct VisitView {
    pub id: i64,
    pub visited_on: String,
    pub met: String,
    pub looked: String,
    pub asked: String,
    pub explained: String,
    pub findings: String,
    pub needs: String,
    pub by: String,
    pub photos: Vec<(i64, String)>,
}

impl From<&Visit> for VisitView {
    fn from(v: &Visit) -> Self {
        Self {
            id: v.id.0,
            visited_on: v.visited_on.to_string(),
            met: v.met.clone(),
            looked: v.looked.clone(),
            asked: v.asked.clone(),
            explained: v.explained.clone(),
            findings: v.findings.clone(),
            needs: v.needs.clone(),
            by: v.recorded_by_name.clone(),
            photos: v.photos.iter().map(|p| (p.id, p.name.clone())).collect(),
        }
    }
}

/// The visit form's text fields.
#[derive(Debug, Deserialize, Default, Clone)]
pub(crate) struct VisitForm {
    #[serde(default)]
    pub(crate) visited_on: String,
    #[serde(default)]
    pub(crate) met: String,
    #[serde(default)]
    pub(crate) looked: String,
    #[serde(default)]
    pub(crate) asked: String,
    #[serde(default)]
    pub(crate) explained: String,
    #[serde(default)]
    pub(crate) findings: String,
    #[serde(default)]
    pub(crate) needs: String,
}

#[derive(Template)]
#[template(path = "visits.html")]
pub(crate) struct VisitsPage {
    pub(crate) chrome: Chrome,
    pub(crate) household_id: i64,
    pub(crate) tab: &'static str,
    pub(crate) h: ItemView,
    pub(crate) visit_overdue: bool,
    pub(crate) visit_days: u32,
    pub(crate) visits: Vec<VisitView>,
    pub(crate) total: i64,
    pub(crate) pager: Pager,
    pub(crate) can_manage: bool,
    pub(crate) form: VisitForm,
    pub(crate) max_photos: usize,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct VisitsQuery {
    pub(crate) page: Option<i64>,
    #[serde(default)]
    pub(crate) notice: String,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn visits_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    page: Option<i64>,
    form: Option<VisitForm>,
    notice: Option<Notice>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let pairing = state.services.pairing_get(actor, HouseholdId(id)).await?;
    let list = state
        .services
        .visit_list(actor, HouseholdId(id), PageRequest::new(page, Some(20)))
        .await?;
    let days = state.services.settings().visit_interval_days;
    Ok(render_status(
        status,
        &VisitsPage {
            chrome: Chrome::new(
                actor,
                format!("{} · 入户走访", pairing.item.worker_name),
                "households",
            ),
            household_id: id,
            tab: "visits",
            visit_overdue: bangfu_domain::assistance::visit_overdue(
                pairing.item.visit_dates(),
                bangfu_service::today(),
                days,
            ),
            h: ItemView::from(&pairing.item),
            visit_days: days,
            visits: list.items.iter().map(VisitView::from).collect(),
            total: list.total,
            pager: pager(
                &format!("/households/{id}/visits"),
                &[],
                list.page,
                list.pages(),
            ),
            can_manage: actor.can(Permission::ManageAssistance),
            form: form.unwrap_or_else(|| VisitForm {
                visited_on: bangfu_service::today().to_string(),
                ..Default::default()
            }),
            max_photos: MAX_PHOTOS,
            notice,
            error,
        },
    ))
}

pub(crate) async fn visits_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<VisitsQuery>,
) -> PageResult {
    visits_view(
        &state,
        &actor,
        id,
        q.page,
        None,
        Notice::find(Notice::PLANS, Some(&q.notice)),
        None,
        StatusCode::OK,
    )
    .await
}

/// Reads the visit's multipart form: text fields, and the photos apart.
pub(crate) async fn read_visit_form(
    mut mp: Multipart,
) -> Result<(VisitForm, Vec<Upload>), ValidationError> {
    let mut f = VisitForm::default();
    let mut photos = Vec::new();
    let too_big = || ValidationError::new("photos", "提交的内容过大：每张照片不超过 5 MB");
    while let Some(field) = mp.next_field().await.map_err(|_| too_big())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photos" {
            let file_name = field.file_name().unwrap_or("照片").to_owned();
            let bytes = field.bytes().await.map_err(|_| too_big())?;
            if !bytes.is_empty() {
                photos.push(Upload {
                    name: file_name,
                    bytes: bytes.to_vec(),
                });
            }
            continue;
        }
        let text = field.text().await.map_err(|_| too_big())?;
        match name.as_str() {
            "visited_on" => f.visited_on = text,
            "met" => f.met = text,
            "looked" => f.looked = text,
            "asked" => f.asked = text,
            "explained" => f.explained = text,
            "findings" => f.findings = text,
            "needs" => f.needs = text,
            _ => {}
        }
    }
    Ok((f, photos))
}

pub(crate) async fn visit_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (f, photos) = match read_visit_form(mp).await {
        Ok(x) => x,
        Err(e) => return Err(PageError::BadRequest(e.message)),
    };
    let r = state
        .services
        .visit_record(
            &actor,
            HouseholdId(id),
            VisitInput {
                visited_on: f.visited_on.clone(),
                met: f.met.clone(),
                looked: f.looked.clone(),
                asked: f.asked.clone(),
                explained: f.explained.clone(),
                findings: f.findings.clone(),
                needs: f.needs.clone(),
                photos,
            },
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!(
            "/households/{id}/visits?{}",
            Notice::VisitSaved.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            visits_view(&state, &actor, id, None, Some(f), None, Some(msg), status).await
        }
    }
}

pub(crate) async fn photo_download(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, photo)): Path<(i64, i64)>,
) -> PageResult {
    let (info, bytes) = state
        .services
        .visit_photo(&actor, VisitId(id), photo)
        .await?;
    let mut res = (StatusCode::OK, bytes).into_response();
    let ct = if info.content_type == "image/png" {
        "image/png"
    } else {
        "image/jpeg"
    };
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(res)
}
