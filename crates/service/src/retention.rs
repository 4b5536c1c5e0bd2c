//! Retention: the monthly run anonymises the personal data of files that
//! left the programme more than `Settings::retention_years` ago
//! (storage/src/retention.rs says what changes and what stays).

use crate::audit::{Record, Who};
use crate::{ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::UnionPath;
use bangfu_storage::{retention, Scope};
use chrono::{Months, NaiveDate};
use serde_json::json;

/// Files anonymised per transaction.
const BATCH: i64 = 200;

/// The last day a file may have left the programme and be anonymised on
/// `today`, keeping `years`; `None` when kept forever (0).
pub fn left_by(today: NaiveDate, years: u32) -> Option<NaiveDate> {
    (years > 0)
        .then(|| today.checked_sub_months(Months::new(years.saturating_mul(12))))
        .flatten()
}

impl Services {
    /// Anonymises every file in `scope` due on `today`, each in the audit
    /// log as the run's act; returns how many.
    pub(crate) async fn anonymise_due(
        &self,
        scope: &Scope,
        today: NaiveDate,
    ) -> Result<i64, ServiceError> {
        let years = self.settings.retention_years;
        let Some(cutoff) = left_by(today, years) else {
            return Ok(0);
        };
        let mut done = 0;
        let mut after = 0;
        loop {
            let s = scope.clone();
            let batch = self
                .write(move |c| {
                    let due = retention::due(c, &s, cutoff, today, after, BATCH)?;
                    let mut n = 0;
                    for d in &due {
                        if retention::anonymise(c, d.id, today)? {
                            let path = UnionPath::from_stored(d.union_path.clone());
                            Record::of(
                                Action::AnonymiseHousehold,
                                "household",
                                d.id,
                                (d.union_id, &path),
                            )
                            .after(json!({
                                "anonymised_on": today,
                                "retention_years": years,
                                "left_by": cutoff,
                            }))
                            .write(c, Who::Operator)?;
                            n += 1;
                        }
                    }
                    Ok((due.last().map(|d| d.id), n))
                })
                .await?;
            done += batch.1;
            match batch.0 {
                Some(last) => after = last,
                None => return Ok(done),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_whole_years_back_and_zero_keeps_forever() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(left_by(d("2026-12-07"), 5), Some(d("2021-12-07")));
        assert_eq!(left_by(d("2024-02-29"), 1), Some(d("2023-02-28")));
        assert_eq!(left_by(d("2026-12-07"), 0), None);
    }
}
