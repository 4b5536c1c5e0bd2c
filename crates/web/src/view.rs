//! Presentation helpers shared by pages and API: times in Beijing time,
//! labels for codes.

use chrono::{FixedOffset, NaiveDateTime};

/// Times are stored in UTC and shown in China Standard Time (UTC+8).
pub fn local_time(t: &NaiveDateTime) -> String {
    let offset = FixedOffset::east_opt(8 * 3600).map(|o| t.and_utc().with_timezone(&o));
    match offset {
        Some(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => t.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

/// RFC 3339 in UTC for the API.
pub fn api_time(t: &NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn division_name(code: &str) -> String {
    bangfu_domain::division::DivisionCode::parse(code)
        .map(|d| d.name())
        .unwrap_or_else(|_| code.to_owned())
}
