//! Proposing an exit, a relief or a removal: the officer's confirmation form.

use super::*;
use bangfu_domain::household::HouseholdId;
use bangfu_domain::leaving::{exit_no, ExitKind, Pathway, RemovalReason};
use bangfu_service::exits::ExitInput;

#[derive(Debug, Clone, Deserialize, Default)]
pub struct NewQ {
    pub(crate) household: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) revokes: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ProposeForm {
    #[serde(default)]
    pub(crate) household: String,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) pathway: String,
    #[serde(default)]
    pub(crate) reason: String,
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) evidence: String,
    pub(crate) causes_removed: Option<String>,
    #[serde(default)]
    pub(crate) revokes: String,
}

/// What the form shows as typed.
pub struct FormValues {
    pub pathway: String,
    pub reason: String,
    pub note: String,
    pub evidence: String,
    pub causes_removed: bool,
}

pub struct RevokedView {
    pub id: i64,
    pub number: String,
    pub kind: &'static str,
    pub decided_on: String,
}

#[derive(Template)]
#[template(path = "exit_form.html")]
pub(crate) struct FormPage {
    pub(crate) chrome: Chrome,
    pub(crate) h: HouseholdHead,
    pub(crate) kind: &'static str,
    pub(crate) title: String,
    pub(crate) eval: EvalView,
    pub(crate) pathways: Opts,
    pub(crate) reasons: Opts,
    pub(crate) blockers: Vec<String>,
    pub(crate) open: Option<(i64, String)>,
    pub(crate) revokes: Option<RevokedView>,
    pub(crate) may_propose: bool,
    pub(crate) v: FormValues,
    pub(crate) error: Option<String>,
    pub(crate) error_field: String,
}

pub(crate) fn form_title(kind: ExitKind) -> &'static str {
    match kind {
        ExitKind::OutOfHardship => "提出脱困",
        ExitKind::Relieved => "提出解困",
        ExitKind::Removed => "提出退出",
        ExitKind::Revoke => "撤销退出决定",
    }
}

pub(crate) async fn form_view(
    state: &AppState,
    actor: &Actor,
    household: i64,
    kind: &str,
    revokes: Option<i64>,
    failed: Option<(&ProposeForm, String, Option<&'static str>)>,
    status: StatusCode,
) -> PageResult {
    let p = state
        .services
        .exit_preview(actor, HouseholdId(household), kind, revokes)
        .await?;
    let v = match failed.as_ref().map(|f| f.0) {
        Some(f) => FormValues {
            pathway: f.pathway.clone(),
            reason: f.reason.clone(),
            note: f.note.clone(),
            evidence: f.evidence.clone(),
            causes_removed: f.causes_removed.is_some(),
        },
        None => FormValues {
            pathway: p.suggested.map(|s| s.code().to_owned()).unwrap_or_default(),
            reason: String::new(),
            note: String::new(),
            evidence: String::new(),
            causes_removed: false,
        },
    };
    let (error, error_field) = match failed {
        Some((_, m, f)) => (Some(m), f.unwrap_or("").to_owned()),
        None => (None, String::new()),
    };
    Ok(render_status(
        status,
        &FormPage {
            chrome: Chrome::new(
                actor,
                format!("{} · {}", form_title(p.kind), p.household.data.worker_name),
                "exits",
            ),
            h: HouseholdHead::from(&p.household),
            kind: p.kind.code(),
            title: form_title(p.kind).to_owned(),
            eval: eval_view(&p.evaluation),
            pathways: options!(Pathway),
            reasons: options!(RemovalReason),
            blockers: p.blockers.clone(),
            open: p.open.as_ref().map(|o| (o.id.0, exit_no(o.id))),
            revokes: p.revokes.as_ref().map(|r| RevokedView {
                id: r.id.0,
                number: exit_no(r.id),
                kind: r.kind.label(),
                decided_on: r.decided_on.map(|d| d.to_string()).unwrap_or_default(),
            }),
            may_propose: p.may_propose && p.blockers.is_empty(),
            v,
            error,
            error_field,
        },
    ))
}

pub(crate) async fn new_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<NewQ>,
) -> PageResult {
    let household = id_param(q.household.as_deref())
        .ok_or_else(|| PageError::BadRequest("请从档案页或待脱困名单进入".into()))?;
    let kind = q.kind.clone().unwrap_or_else(|| "out".into());
    form_view(
        &state,
        &actor,
        household,
        &kind,
        id_param(q.revokes.as_deref()),
        None,
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn propose_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<ProposeForm>,
) -> PageResult {
    let household = id_param(Some(&f.household))
        .ok_or_else(|| PageError::BadRequest("请从档案页或待脱困名单进入".into()))?;
    let revokes = id_param(Some(&f.revokes));
    let input = ExitInput {
        kind: f.kind.clone(),
        pathway: f.pathway.clone(),
        reason: f.reason.clone(),
        note: f.note.clone(),
        evidence: f.evidence.clone(),
        causes_removed: f.causes_removed.is_some(),
        revokes_id: revokes,
    };
    match state
        .services
        .exit_propose(&actor, HouseholdId(household), input)
        .await
    {
        Ok(e) => Ok(Redirect::to(&format!(
            "/exits/{}?{}",
            e.id.0,
            Notice::ExitProposed.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            form_view(
                &state,
                &actor,
                household,
                &f.kind,
                revokes,
                Some((&f, msg, field)),
                status,
            )
            .await
        }
    }
}
