//! 部门核对: the matching keys, the batches departments send (counts only),
//! the people a batch can match, the findings on households, and the asset
//! thresholds by region.
//!
//! Privacy is decided here as much as in the service: a batch row is never
//! stored — only what matched someone on file becomes a finding, with the
//! person named by the file (household, member), never by the number sent.

mod batches;
mod datasets;
mod findings;
mod keys;
mod people;

pub use batches::{find_batch, insert_batch, list_batches, Batch, BatchFilter, NewBatch};
pub use datasets::{
    catalogue, find_dataset, insert_dataset, list_datasets, next_dataset_position, update_dataset,
    StoredDataset,
};
pub use findings::{
    close_warnings_without_findings, counts_by_dataset, find_finding, finding_totals,
    insert_findings, list_findings, open_count_of_household, open_keys_of, reopen_warnings,
    resolve_finding, DatasetCount, Finding, FindingFilter, FindingTotals, NewFinding, Resolution,
    WARNING_KIND,
};
pub use keys::{
    all_thresholds, current_key, insert_key, key_by_id, list_keys, set_thresholds, Key,
    StoredThresholds,
};
pub use people::{
    count_files, files_of, match_plain, scan_people, Person, PersonFile, ScannedPerson,
};
