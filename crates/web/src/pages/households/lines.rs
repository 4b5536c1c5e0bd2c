//! The lines (低收入标准) and identification parameters per region, and
//! re-identifying every household under the current ones.

use super::*;
use crate::view::{division_name, local_time};
use bangfu_domain::identification::Params;
use bangfu_domain::{Fen, Permission, ValidationError};
use bangfu_service::{LineInput, ServiceError};

pub struct LineView {
    pub(crate) code: String,
    pub(crate) region: String,
    pub(crate) month: String,
    pub(crate) dibao: String,
    pub(crate) low: String,
    pub(crate) updated_at: String,
}

#[derive(Template)]
#[template(path = "lines.html")]
pub(crate) struct LinesPage {
    pub(crate) chrome: Chrome,
    pub(crate) can_manage: bool,
    pub(crate) lines: Vec<LineView>,
    pub(crate) regions: Vec<(String, String)>,
    pub(crate) own_region: String,
    pub(crate) params: ParamsFormView,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
    pub(crate) form: LineForm,
}

#[derive(Default)]
pub(crate) struct ParamsFormView {
    pub(crate) division_code: String,
    pub(crate) window_months: u32,
    pub(crate) multiple_k: u32,
    pub(crate) baseline_cutoff: String,
    pub(crate) source: String,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct LineForm {
    #[serde(default)]
    pub(crate) division_code: String,
    #[serde(default)]
    pub(crate) effective_month: String,
    #[serde(default)]
    pub(crate) dibao_line: String,
    #[serde(default)]
    pub(crate) low_income_line: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct LinesQuery {
    pub(crate) notice: Option<String>,
    pub(crate) region: Option<String>,
}

pub(crate) async fn lines_view(
    state: &AppState,
    actor: &Actor,
    region: Option<String>,
    notice: Option<Notice>,
    error: Option<String>,
    form: LineForm,
    status: StatusCode,
) -> PageResult {
    let own = own_division(state, actor).await?;
    let lines = state.services.lines_list(actor).await?;
    let p = state.services.params_get(actor, region.clone()).await?;
    Ok(render_status(
        status,
        &LinesPage {
            chrome: Chrome::new(actor, "低保标准与识别参数", "lines"),
            can_manage: actor.can(Permission::ManageLines),
            lines: lines
                .iter()
                .rev()
                .map(|s| LineView {
                    code: s.line.division_code.clone(),
                    region: division_name(&s.line.division_code),
                    month: s.line.effective.to_string(),
                    dibao: yuan(s.line.dibao_line),
                    low: s.line.low_income_line.map(yuan).unwrap_or_else(|| {
                        format!("{}（1.5 倍）", yuan(Fen(s.line.dibao_line.0 * 3 / 2)))
                    }),
                    updated_at: local_time(&s.updated_at),
                })
                .collect(),
            regions: form_regions(&own),
            own_region: own,
            params: ParamsFormView {
                source: match &p.source {
                    Some(c) if *c == p.division_code => "本地区设置".into(),
                    Some(c) => format!("沿用{}的设置", division_name(c)),
                    None => "系统默认值".into(),
                },
                division_code: p.division_code,
                window_months: p.params.params.window_months,
                multiple_k: p.params.params.multiple_k,
                baseline_cutoff: p.params.baseline_cutoff.to_string(),
            },
            notice,
            error,
            form,
        },
    ))
}

pub(crate) async fn lines_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<LinesQuery>,
) -> PageResult {
    let notice = Notice::find(Notice::LINES, q.notice.as_deref());
    lines_view(
        &state,
        &actor,
        q.region,
        notice,
        None,
        LineForm::default(),
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn line_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<LineForm>,
) -> PageResult {
    let parsed = Fen::parse_yuan("dibao_line_fen", &f.dibao_line).and_then(|d| {
        Fen::parse_yuan_opt("low_income_line_fen", &f.low_income_line).map(|l| (d, l))
    });
    let result = match parsed {
        Ok((dibao, low)) => state
            .services
            .line_set(
                &actor,
                LineInput {
                    division_code: f.division_code.clone(),
                    effective_month: f.effective_month.clone(),
                    dibao_line: dibao,
                    low_income_line: low,
                },
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/lines?{}", Notice::LineSaved.query())).into_response())
        }
        Err(e) => lines_failed(&state, &actor, e, f).await,
    }
}

/// The lines page again after any of its forms was refused, with the message on top and
/// the line form as typed (or empty, when another form was sent).
async fn lines_failed(
    state: &AppState,
    actor: &Actor,
    e: ServiceError,
    form: LineForm,
) -> PageResult {
    let (status, msg, _) = form_failure(e)?;
    lines_view(state, actor, None, None, Some(msg), form, status).await
}

#[derive(Debug, Deserialize, Default)]
pub struct LineDeleteForm {
    #[serde(default)]
    pub(crate) division_code: String,
    #[serde(default)]
    pub(crate) effective_month: String,
}

pub(crate) async fn line_delete(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<LineDeleteForm>,
) -> PageResult {
    match state
        .services
        .line_delete(&actor, &f.division_code, &f.effective_month)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/lines?{}", Notice::LineDeleted.query())).into_response())
        }
        Err(e) => lines_failed(&state, &actor, e, LineForm::default()).await,
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ParamsForm {
    #[serde(default)]
    pub(crate) division_code: String,
    #[serde(default)]
    pub(crate) window_months: String,
    #[serde(default)]
    pub(crate) multiple_k: String,
    #[serde(default)]
    pub(crate) baseline_cutoff: String,
}

pub(crate) async fn params_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<ParamsForm>,
) -> PageResult {
    let parsed = (|| {
        let w =
            f.window_months.trim().parse::<u32>().map_err(|_| {
                ValidationError::new("window_months", "连续月数应为 1–36 之间的整数")
            })?;
        let k = f
            .multiple_k
            .trim()
            .parse::<u32>()
            .map_err(|_| ValidationError::new("multiple_k", "倍数应为 1–20 之间的整数"))?;
        let cutoff = chrono::NaiveDate::parse_from_str(f.baseline_cutoff.trim(), "%Y-%m-%d")
            .map_err(|_| ValidationError::new("baseline_cutoff", "存量截止日期应为 YYYY-MM-DD"))?;
        Ok::<_, ValidationError>((
            Params {
                window_months: w,
                multiple_k: k,
            },
            cutoff,
        ))
    })();
    let result = match parsed {
        Ok((p, cutoff)) => state
            .services
            .params_set(&actor, &f.division_code, p, cutoff)
            .await
            .map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/lines?{}&region={}",
            Notice::ParamsSaved.query(),
            f.division_code.trim()
        ))
        .into_response()),
        Err(e) => lines_failed(&state, &actor, e, LineForm::default()).await,
    }
}

pub(crate) async fn reidentify_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
) -> PageResult {
    match state.services.reidentify_start(&actor).await {
        Ok(id) => Ok(Redirect::to(&format!("/lines/reidentify/{id}")).into_response()),
        Err(e) => lines_failed(&state, &actor, e, LineForm::default()).await,
    }
}

/// A re-identification job as its page and its progress fragment show it.
pub(crate) struct ReidentifyCard {
    pub(crate) id: i64,
    pub(crate) status: &'static str,
    pub(crate) status_label: &'static str,
    pub(crate) phase: String,
    pub(crate) done: i64,
    pub(crate) total: i64,
    pub(crate) percent: i64,
    pub(crate) finished: bool,
    pub(crate) interrupted: bool,
    pub(crate) message: String,
    pub(crate) changed: i64,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

fn reidentify_card(v: &bangfu_service::reidentify::ReidentifyView) -> ReidentifyCard {
    let j = &v.job;
    ReidentifyCard {
        id: j.id,
        status: j.status.code(),
        status_label: j.status.label(),
        phase: j.phase.clone(),
        done: j.done,
        total: j.total,
        percent: j.percent(),
        finished: j.status.finished(),
        interrupted: j.interrupted,
        message: j.message.clone().unwrap_or_default(),
        changed: v.progress.changed,
        created_at: local_time(&j.created_at),
        updated_at: local_time(&j.updated_at),
    }
}

#[derive(Template)]
#[template(path = "reidentify_job.html")]
pub(crate) struct ReidentifyPage {
    pub(crate) chrome: Chrome,
    pub(crate) r: ReidentifyCard,
}

#[derive(Template)]
#[template(path = "reidentify_progress_partial.html")]
pub(crate) struct ReidentifyFragment {
    pub(crate) r: ReidentifyCard,
}

pub(crate) async fn reidentify_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let v = state.services.reidentify_get(&actor, id).await?;
    Ok(render(&ReidentifyPage {
        chrome: Chrome::new(&actor, format!("重新识别 #{id}"), "lines"),
        r: reidentify_card(&v),
    }))
}

pub(crate) async fn reidentify_fragment(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let v = state.services.reidentify_get(&actor, id).await?;
    Ok(render(&ReidentifyFragment {
        r: reidentify_card(&v),
    }))
}
