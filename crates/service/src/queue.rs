//! What waits for a reviewer (审核人) in their scope: plans submitted for
//! approval, cash above the threshold, applications and exit decisions at an
//! open step — counted for the home page, each with the list it opens.

use crate::{Actor, ServiceError, Services};
use bangfu_domain::application::AppStatus;
use bangfu_domain::assistance::AssistanceStatus;
use bangfu_domain::leaving::ExitStatus;
use bangfu_domain::Permission;
use bangfu_storage::applications::{self as apps, ApplicationFilter};
use bangfu_storage::assistance::{self as assistance, AssistanceFilter};
use bangfu_storage::exits::{self as exits, ExitFilter};
use bangfu_storage::plans::{self as plans, Worklist};
use bangfu_storage::PageRequest;

/// The counts of a reviewer's queue; a part the reader may not act on is `None`.
#[derive(Debug, Clone, Default)]
pub struct ReviewQueue {
    /// Households with a plan submitted for approval (审定).
    pub plans: Option<i64>,
    /// Assistance records whose cash waits for approval.
    pub cash: Option<i64>,
    /// Open applications by step: to review, to publish, on notice.
    pub applications: Option<Vec<(AppStatus, i64)>>,
    /// Open exit decisions by step: to review, reviewed, on notice.
    pub exits: Option<Vec<(ExitStatus, i64)>>,
}

impl ReviewQueue {
    /// Whether anything at all is counted (the reader reviews something).
    pub fn any(&self) -> bool {
        self.plans.is_some()
            || self.cash.is_some()
            || self.applications.is_some()
            || self.exits.is_some()
    }
}

impl Services {
    /// The reviewer's queue in the caller's scope, in one read. Someone who
    /// approves nothing gets an empty queue (`any()` false).
    pub async fn review_queue(&self, actor: &Actor) -> Result<ReviewQueue, ServiceError> {
        let assistance = actor.can(Permission::ApproveAssistance);
        let applications = actor.can(Permission::ApproveApplications);
        let decisions = actor.can(Permission::ApproveExits);
        if !(assistance || applications || decisions) {
            return Ok(ReviewQueue::default());
        }
        let scope = actor.scope();
        self.read(move |c| {
            let one = PageRequest::new(Some(1), Some(1));
            let mut q = ReviewQueue::default();
            if assistance {
                q.plans =
                    Some(plans::worklist(c, &scope, None, Worklist::PlanSubmitted, one)?.total);
                let pending = AssistanceFilter {
                    status: Some(AssistanceStatus::Pending),
                    ..Default::default()
                };
                q.cash = Some(assistance::list(c, &scope, &pending, one)?.total);
            }
            if applications {
                let mut by = Vec::new();
                for s in [AppStatus::Submitted, AppStatus::Reviewed, AppStatus::Notice] {
                    let f = ApplicationFilter {
                        status: Some(s),
                        ..Default::default()
                    };
                    by.push((s, apps::list(c, &scope, &f, one)?.total));
                }
                q.applications = Some(by);
            }
            if decisions {
                let mut by = Vec::new();
                for s in [
                    ExitStatus::Proposed,
                    ExitStatus::Reviewed,
                    ExitStatus::Notice,
                ] {
                    let f = ExitFilter {
                        status: Some(s),
                        ..Default::default()
                    };
                    by.push((s, exits::list(c, &scope, &f, one)?.total));
                }
                q.exits = Some(by);
            }
            Ok(q)
        })
        .await
    }
}
