//! The 部门核对 page in one read: the dataset catalogue, the caller's
//! batches and, for an administrator, the matching key (none until one is
//! made).

use super::intake::{own_only, require_batches};
use super::keys::{view, KeyView};
use crate::{Actor, ServiceError, Services};
use bangfu_domain::Permission;
use bangfu_storage::verification::{self as store, Batch, BatchFilter, StoredDataset};
use bangfu_storage::{Page, PageRequest};

/// What the hub shows.
#[derive(Debug, Clone)]
pub struct Hub {
    /// The catalogue in order: every dataset for an administrator (who
    /// edits it), the active ones for anyone else.
    pub datasets: Vec<StoredDataset>,
    /// Newest first; a department's user sees only the batches they sent.
    pub batches: Page<Batch>,
    /// The current key and the retired ones, for an administrator; `None`
    /// for anyone else, and for an administrator before a key exists.
    pub key: Option<KeyView>,
    /// Whether the caller manages the key.
    pub manages_key: bool,
}

impl Services {
    /// The batches the caller may see and, for an administrator, the key.
    pub async fn verification_hub(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Hub, ServiceError> {
        require_batches(actor)?;
        let filter = BatchFilter {
            created_by: own_only(actor),
            dataset: None,
        };
        let manages_key = actor.can(Permission::ManageVerification);
        let scope = actor.scope();
        self.read(move |c| {
            let datasets = store::list_datasets(c, !manages_key)?;
            let batches = store::list_batches(c, &scope, &filter, page)?;
            let key = if manages_key && store::current_key(c)?.is_some() {
                Some(view(c)?)
            } else {
                None
            };
            Ok(Hub {
                datasets,
                batches,
                key,
                manages_key,
            })
        })
        .await
    }
}
