//! A verification batch's page: its counts, who sent it and, for those who
//! see households, the way to its findings.

use super::hub::{received, BatchView};
use crate::pages::prelude::*;
use bangfu_domain::Permission;

#[derive(Template)]
#[template(path = "verification_batch.html")]
struct BatchPage {
    chrome: Chrome,
    notice: Option<String>,
    b: BatchView,
    findings_href: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct BatchQuery {
    notice: Option<String>,
}

pub async fn batch_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<BatchQuery>,
) -> PageResult {
    let batch = state.services.verification_batch_get(&actor, id).await?;
    let notice = Notice::find(Notice::BATCH, q.notice.as_deref()).map(|_| received(&batch).text());
    Ok(render(&BatchPage {
        chrome: Chrome::new(&actor, format!("核对数据批次 #{id}"), "verification"),
        notice,
        findings_href: actor
            .can(Permission::ReadHouseholds)
            .then(|| format!("/verification/findings?batch={id}")),
        b: BatchView::from(&batch),
    }))
}
