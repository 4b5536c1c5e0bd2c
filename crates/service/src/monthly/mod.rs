//! The monthly run (月度评估): evaluates every household each month and
//! leaves to-do items for the responsible person; and the dashboards' counts.
//!
//! One household is judged by the programme's readiness rule
//! (`bangfu_domain::readiness`), a function of what is recorded about it
//! (its file, months, measures, assistance and subsidy), the lines and
//! today's date. The run claims the month in `monthly_runs` (whichever
//! process inserts first runs it), then walks the files of its scope in id
//! order a batch at a time: each batch is loaded in a few bulk queries,
//! judged, and written — readiness flags, relapses, new decisions, to-do
//! items and the job's progress — in one transaction.

mod assess;
mod dashboard;
mod run;
mod todos;

pub(crate) use assess::refresh_household;
pub use bangfu_domain::readiness::TodoKind;
pub use bangfu_storage::todos::{MyCounts, SubtreeCounts, Todo, RUN_KIND};
pub use dashboard::{is_manager, Dashboard, MonthCounts, UnionCounts};
pub use run::{RunResult, RunView, SCHEDULE_EVERY};
pub use todos::TodoQuery;
