//! The edit form of a scheme: its title and items, while nothing has been
//! scored or entered under it.

use crate::pages::prelude::*;
use bangfu_domain::assessment::{parse_lines, to_lines};
use bangfu_service::ServiceError;

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct EditForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    items: String,
}

#[derive(Template)]
#[template(path = "assessment_edit.html")]
struct EditPage {
    chrome: Chrome,
    id: i64,
    heading: String,
    form: EditForm,
    error: Option<String>,
}

/// Every refusal of a form in one line (the items' problems are listed
/// together, each naming its item).
pub(super) fn all_messages(e: &ServiceError) -> Option<String> {
    match e {
        ServiceError::InvalidAll(r) => Some(
            r.list()
                .iter()
                .map(|x| x.message.as_str())
                .collect::<Vec<_>>()
                .join("；"),
        ),
        _ => None,
    }
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let r = state.services.assessment_report(&actor, id).await?;
    if !r.can_manage {
        return Err(ServiceError::Forbidden.into());
    }
    let s = &r.scheme;
    let items: Vec<_> = s.items.iter().map(|i| i.item.clone()).collect();
    Ok(render(&EditPage {
        chrome: Chrome::new(&actor, "修改考核方案", "assessments"),
        id,
        heading: format!("{} 年 · {}", s.year, s.union_name),
        form: EditForm {
            version: s.version.to_string(),
            title: s.title.clone(),
            items: to_lines(&items),
        },
        error: (!r.editable).then(|| "该方案已计算或录入评分，指标不能再修改。".to_owned()),
    }))
}

pub(super) async fn save(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> PageResult {
    let version: i64 = form.version.trim().parse().unwrap_or(-1);
    let result = match parse_lines(&form.items) {
        Ok(items) => {
            state
                .services
                .assessment_update(&actor, id, version, &form.title, &items)
                .await
        }
        Err(r) => Err(ServiceError::from(r)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/assessments/{id}?{}",
            Notice::AssessmentUpdated.query()
        ))
        .into_response()),
        Err(e) => {
            let all = all_messages(&e);
            let (status, msg, _) = form_failure(e)?;
            let r = state.services.assessment_report(&actor, id).await?;
            Ok(render_status(
                status,
                &EditPage {
                    chrome: Chrome::new(&actor, "修改考核方案", "assessments"),
                    id,
                    heading: format!("{} 年 · {}", r.scheme.year, r.scheme.union_name),
                    form,
                    error: Some(all.unwrap_or(msg)),
                },
            ))
        }
    }
}
