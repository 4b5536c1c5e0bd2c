//! 部门核对 (cross-department verification) and its warnings (动态监测预警).
//!
//! A department sends a dataset (`intake`); each row is matched — by ID
//! number or by a keyed hash of it (`keys`) — against the worker and every
//! member of every file of the tree that is on file, relieved or exited and
//! still followed, wherever the person is filed (the sender sees counts
//! only). A match that disagrees with the file becomes a
//! finding on the household (the rule is the domain's
//! [`bangfu_domain::verification::check`]) and a warning on its responsible
//! person's to-do list; the finding is resolved by its subtree's officers
//! (`findings`). Rows that match nobody leave only a count; no ID number of
//! a batch is stored.

mod datasets;
mod export;
mod findings;
mod hub;
mod intake;
mod job;
mod keys;
mod rows;
mod thresholds;

pub use datasets::{DatasetChanges, NewDataset};
pub use export::{HashExport, HashRow};
pub use findings::{ChildCount, FindingQuery, FindingsOverview, ResolveInput};
pub use hub::Hub;
pub use intake::{BatchInput, BatchQuery, BACKGROUND_ABOVE, MAX_ROWS};
pub use job::{BatchJob, Started, JOB_KIND, PHASE_MATCHING, PHASE_QUEUED, PHASE_WRITING};
pub use keys::{id_digest, id_hash, key_bytes, KeyView};
pub use rows::Rows;
pub use thresholds::{ThresholdsInput, ThresholdsView};

pub use crate::jobs::{JobState, JobStatus};
pub use bangfu_domain::verification::DatasetEntry;
pub use bangfu_storage::verification::{Batch, DatasetCount, Finding, StoredDataset};
