//! The public application form (一键申报): one form that keeps everything
//! typed. The union is chosen inside it (htmx lists the matches as the name
//! is typed; without JavaScript the 查找 button sends the form back with
//! them), members are added and removed in place (or by sending the form
//! back), every refusal is shown at once beside its field, and the chosen
//! documents are held across a refused submission.

use super::apply_form::{
    add_member, field_errors, member_rows, members_typed, remove_member, Action, ApplyForm,
    ApplyMonth, FieldError, MemberRow, MAX_MEMBERS,
};
use crate::auth::{public_form_token, ClientOrigin, MaybeActor};
use crate::pages::households::{HouseholdForm, Options};
use crate::pages::prelude::*;
use axum::extract::Multipart;
use axum::http::HeaderMap;
use axum_extra::extract::cookie::CookieJar;
use bangfu_domain::application::{application_no, ApplicationId};
use bangfu_domain::household::{
    EmployerKind, Employment, HardshipCause, Health, LabourCapacity, Relation, Schooling,
};
use bangfu_domain::{Refusals, ValidationError};
use bangfu_service::{ApplicationInput, Held, HeldInfo, Upload, HELD_FOR_HOURS};

/// The union part of the form: the one chosen, and the matches of the name
/// typed in its search field.
#[derive(Debug, Clone, Default)]
pub struct UnionChoice {
    q: String,
    chosen: Option<(i64, String)>,
    /// Matches besides the chosen one.
    matches: Vec<(i64, String)>,
    /// A name long enough to search for was typed.
    searched: bool,
}

async fn union_choice(state: &AppState, union_id: &str, q: &str) -> Result<UnionChoice, PageError> {
    let chosen = match union_id.trim().parse::<i64>() {
        Ok(id) => state
            .services
            .public_unions_by_id(id)
            .await?
            .map(|name| (id, name)),
        Err(_) => None,
    };
    let searched = q.trim().chars().count() >= 2;
    let matches = state
        .services
        .public_unions(q)
        .await?
        .into_iter()
        .filter(|(id, _)| chosen.as_ref().is_none_or(|c| c.0 != *id))
        .collect();
    Ok(UnionChoice {
        q: q.trim().to_owned(),
        chosen,
        matches,
        searched,
    })
}

/// A held document as the form lists it.
pub struct HeldView {
    id: i64,
    name: String,
    size: String,
}

impl From<&HeldInfo> for HeldView {
    fn from(h: &HeldInfo) -> Self {
        Self {
            id: h.id,
            name: h.name.clone(),
            size: format!("{:.1} KB", (h.size as f64 / 1024.0).max(0.1)),
        }
    }
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    /// The CSRF token the form carries (the session's, or the pre-login cookie's).
    csrf: String,
    signed_in: bool,
    f: HouseholdForm,
    unions: UnionChoice,
    months: Vec<ApplyMonth>,
    members: Vec<MemberRow>,
    max_members: usize,
    held: Vec<HeldView>,
    held_hours: i64,
    errors: Vec<FieldError>,
    /// Whether the consent box is ticked, the version and the text beside it.
    consented: bool,
    consent_version: &'static str,
    consent_text: &'static str,
    employer_kinds: Options,
    employments: Options,
    capacities: Options,
    healths: Options,
    causes: Options,
    relations: Options,
    schoolings: Options,
}

impl ApplyPage {
    fn has_cause(&self, code: &&str) -> bool {
        self.f.causes.iter().any(|c| c == code)
    }

    /// The refusals of `field` (members: those about no single row).
    fn errs(&self, field: &str) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|e| e.field == field && e.member.is_none())
            .map(|e| e.message.as_str())
            .collect()
    }

    fn bad(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }
}

/// The union results of the form, for htmx to swap as a name is typed.
#[derive(Template)]
#[template(path = "apply_unions_partial.html")]
struct UnionsPartial {
    unions: UnionChoice,
}

/// One empty member row, for htmx to add in place.
#[derive(Template)]
#[template(path = "apply_member_partial.html")]
struct MemberPartial {
    m: MemberRow,
    employments: Options,
    healths: Options,
    relations: Options,
    schoolings: Options,
}

/// What the form shows besides what was typed.
struct Shown {
    unions: UnionChoice,
    held: Vec<HeldInfo>,
    errors: Vec<ValidationError>,
}

fn apply_view(
    actor: Option<&Actor>,
    csrf: String,
    form: ApplyForm,
    shown: Shown,
    status: StatusCode,
) -> Response {
    let errors = field_errors(shown.errors);
    render_status(
        status,
        &ApplyPage {
            csrf,
            signed_in: actor.is_some(),
            members: member_rows(&form.f, &errors),
            max_members: MAX_MEMBERS,
            f: form.f,
            unions: shown.unions,
            months: form.grid.rows(),
            held: shown.held.iter().map(HeldView::from).collect(),
            held_hours: HELD_FOR_HOURS,
            consented: form.consent == bangfu_domain::application::CONSENT_VERSION,
            consent_version: bangfu_domain::application::CONSENT_VERSION,
            consent_text: bangfu_domain::application::CONSENT_TEXT,
            errors,
            employer_kinds: options!(EmployerKind),
            employments: options!(Employment),
            capacities: options!(LabourCapacity),
            healths: options!(Health),
            causes: options!(HardshipCause),
            relations: options!(Relation),
            schoolings: options!(Schooling),
        },
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct ApplyQuery {
    #[serde(default)]
    union_q: String,
    #[serde(default)]
    union_id: String,
}

pub(super) async fn apply_page(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    headers: HeaderMap,
    jar: CookieJar,
    Query(q): Query<ApplyQuery>,
) -> Result<Response, PageError> {
    let (jar, csrf) = public_form_token(jar, &state, &headers, actor.as_ref());
    let form = ApplyForm {
        f: HouseholdForm {
            health: "healthy".into(),
            labour_capacity: "full".into(),
            employment: "employed".into(),
            employer_kind: "private".into(),
            ..Default::default()
        },
        grid: Default::default(),
        union_id: q.union_id.clone(),
        union_q: q.union_q.clone(),
        action: Action::Submit,
        keep: Vec::new(),
        consent: String::new(),
    };
    let unions = union_choice(&state, &q.union_id, &q.union_q).await?;
    let shown = Shown {
        unions,
        held: Vec::new(),
        errors: Vec::new(),
    };
    let page = apply_view(actor.as_ref(), csrf, form, shown, StatusCode::OK);
    Ok((jar, page).into_response())
}

/// `GET /apply/unions?union_q=…&union_id=…`: the union results alone.
pub(super) async fn unions_partial(
    State(state): State<AppState>,
    Query(q): Query<ApplyQuery>,
) -> PageResult {
    let unions = union_choice(&state, &q.union_id, &q.union_q).await?;
    Ok(render(&UnionsPartial { unions }))
}

#[derive(Debug, Deserialize, Default)]
pub struct MemberQuery {
    /// The number of the new row (from 1).
    n: Option<usize>,
}

/// `GET /apply/member?n=…`: one empty member row.
pub(super) async fn member_partial(Query(q): Query<MemberQuery>) -> PageResult {
    let n = q.n.unwrap_or(1).clamp(1, MAX_MEMBERS);
    Ok(render(&MemberPartial {
        m: MemberRow::blank(n - 1),
        employments: options!(Employment),
        healths: options!(Health),
        relations: options!(Relation),
        schoolings: options!(Schooling),
    }))
}

/// Reads the multipart form: text fields as `(name, value)` pairs, files apart.
async fn read_multipart(
    mut mp: Multipart,
) -> Result<(Vec<(String, String)>, Vec<Upload>), ValidationError> {
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let too_big = || {
        ValidationError::new(
            "files",
            "提交的内容过大：每个材料不超过 5 MB，总共不超过 30 MB",
        )
    };
    while let Some(field) = mp.next_field().await.map_err(|_| too_big())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "files" {
            let file_name = field.file_name().unwrap_or("材料").to_owned();
            let bytes = field.bytes().await.map_err(|_| too_big())?;
            if !bytes.is_empty() {
                files.push(Upload {
                    name: file_name,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let text = field.text().await.map_err(|_| too_big())?;
            fields.push((name, text));
        }
    }
    Ok((fields, files))
}

pub(super) async fn apply_submit(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    ClientOrigin(origin): ClientOrigin,
    headers: HeaderMap,
    jar: CookieJar,
    mp: Multipart,
) -> Result<Response, PageError> {
    let (jar, csrf) = public_form_token(jar, &state, &headers, actor.as_ref());
    let (fields, files) = match read_multipart(mp).await {
        Ok(x) => x,
        Err(e) => return Err(PageError::BadRequest(e.message)),
    };
    let mut form = ApplyForm::from_fields(&fields);
    let held = Held {
        token: csrf.clone(),
        keep: form.keep.clone(),
    };
    let (status, errors) = match form.action {
        Action::Submit => {
            match submit(&state, actor.as_ref(), origin, &form, held.clone(), &files).await? {
                Ok(id) => {
                    let done = if actor.is_some() {
                        Redirect::to(&format!(
                            "/applications/{id}?{}",
                            Notice::ApplicationSubmitted.query()
                        ))
                        .into_response()
                    } else {
                        render(&ApplyDonePage {
                            number: application_no(ApplicationId(id)),
                            notice_days: state.services.settings().notice_days,
                        })
                    };
                    return Ok((jar, done).into_response());
                }
                Err(refused) => refused,
            }
        }
        Action::FindUnion => (StatusCode::OK, Refusals::new()),
        Action::AddMember => {
            add_member(&mut form.f);
            (StatusCode::OK, Refusals::new())
        }
        Action::RemoveMember(i) => {
            remove_member(&mut form.f, i);
            (StatusCode::OK, Refusals::new())
        }
    };
    // Back to the form: the documents chosen are held, so they need not be
    // chosen again.
    let (kept, refused) = state.services.uploads_hold(held, files).await?;
    let mut errors = errors;
    errors.extend(refused.into_vec());
    let unions = union_choice(&state, &form.union_id, &form.union_q).await?;
    let shown = Shown {
        unions,
        held: kept,
        errors: errors.into_vec(),
    };
    let status = if status == StatusCode::OK && !shown.errors.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    Ok((jar, apply_view(actor.as_ref(), csrf, form, shown, status)).into_response())
}

/// Submits the form, or answers every refusal at once with the status the
/// page is served with: the form's own (cells it could not read, too many
/// members) together with the service's.
async fn submit(
    state: &AppState,
    actor: Option<&Actor>,
    origin: bangfu_service::Origin,
    form: &ApplyForm,
    held: Held,
    files: &[Upload],
) -> Result<Result<i64, (StatusCode, Refusals)>, PageError> {
    let (household, mut refused) = form.f.input_all();
    let (incomes, cells) = form.grid.parse_all();
    refused.extend(cells.into_vec());
    if members_typed(&form.f) > MAX_MEMBERS {
        refused.push(ValidationError::new(
            "members",
            format!("家庭成员最多填写 {MAX_MEMBERS} 位"),
        ));
    }
    let input = ApplicationInput {
        union_id: form.union(),
        household,
        incomes,
        files: files.to_vec(),
        held,
        consent: Some(form.consent.clone()),
    };
    if !refused.is_empty() {
        let more = state.services.application_check(actor, input).await?;
        refused.extend(more);
        return Ok(Err((StatusCode::BAD_REQUEST, refused)));
    }
    match state
        .services
        .application_submit(actor, origin, input)
        .await
    {
        Ok(id) => Ok(Ok(id.0)),
        Err(e) => {
            let fields = e.refusals();
            let (status, message, _) = form_failure(e)?;
            let mut list = Refusals::new();
            if fields.is_empty() {
                // A rule of the programme, about no one field.
                list.push(ValidationError::new("form", message));
            } else {
                list.extend(fields);
            }
            Ok(Err((status, list)))
        }
    }
}

#[derive(Template)]
#[template(path = "apply_done.html")]
struct ApplyDonePage {
    number: String,
    /// Days on public notice (公示), as configured.
    notice_days: u32,
}
