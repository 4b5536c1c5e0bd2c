//! The clock: the instant stored on rows (UTC) and the programme's date
//! (China Standard Time), read in one place so every use case agrees.

use chrono::{NaiveDate, NaiveDateTime};

/// The instant stored on rows and audit entries (UTC).
pub(crate) fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Today's date where the programme runs.
pub fn today() -> NaiveDate {
    bangfu_domain::china_date(now())
}
