//! Temporary relief files (临时救助档案, docs/rules.md §2.2).
//!
//! A worker helped once after a sudden event (a fire, an accident, a sudden
//! illness) without meeting any filing standard gets a short record instead
//! of a full file: who, what happened, what was given. It is counted apart
//! from the files on record, can be converted (转正) into a full file when the
//! standard is met, and closes by itself after a period (a setting), or
//! earlier by hand with a reason.

use crate::household::{coded, parse_text, HardshipCause};
use crate::{Fen, ValidationError};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The number of a temporary relief file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TemporaryFileId(pub i64);

impl fmt::Display for TemporaryFileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

coded!(
    /// Where a temporary relief file stands. `Open` is what is stored until
    /// someone acts; whether an open file has run out is [`state_on`]'s
    /// question, so nothing has to run at midnight to close it.
    TemporaryStatus, "status", "临时救助档案状态" {
        /// 有效: within its period.
        Open = "open", "有效";
        /// 已转正: converted into a full file.
        Converted = "converted", "已转正";
        /// 已关闭: closed by hand, or its period ran out.
        Closed = "closed", "已关闭";
    }
);

/// The status a reader sees on `today`: an open file whose period ended
/// before `today` is closed (its last day is `closes_on`).
pub fn state_on(
    stored: TemporaryStatus,
    closes_on: NaiveDate,
    today: NaiveDate,
) -> TemporaryStatus {
    match stored {
        TemporaryStatus::Open if closes_on < today => TemporaryStatus::Closed,
        s => s,
    }
}

/// The last day a file opened on `opened_on` stays open, `days` later.
pub fn closes_on(opened_on: NaiveDate, days: u32) -> NaiveDate {
    opened_on
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// The causes a sudden event can be: the hardship causes that strike at once.
pub const SUDDEN_CAUSES: &[HardshipCause] = &[
    HardshipCause::Illness,
    HardshipCause::Accident,
    HardshipCause::Disaster,
    HardshipCause::Disability,
    HardshipCause::Unemployment,
    HardshipCause::Other,
];

/// What happened and what was given, as parsed at the edge (the worker's
/// identity is parsed with the household's own rules by the service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relief {
    pub cause: HardshipCause,
    pub event: String,
    pub event_on: NaiveDate,
    pub given_on: NaiveDate,
    pub cash: Fen,
    pub goods: String,
    pub goods_value: Fen,
    pub persons: i32,
}

impl Relief {
    /// Checks the event and the help as typed. `today` bounds the dates:
    /// neither the event nor the help lies in the future, and help comes
    /// after the event.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        cause: &str,
        event: &str,
        event_on: NaiveDate,
        given_on: NaiveDate,
        cash: Fen,
        goods: &str,
        goods_value: Fen,
        persons: i32,
        today: NaiveDate,
    ) -> Result<Relief, ValidationError> {
        let cause =
            HardshipCause::parse(cause).map_err(|e| ValidationError::new("cause", e.message))?;
        if !SUDDEN_CAUSES.contains(&cause) {
            return Err(ValidationError::new(
                "cause",
                format!("临时救助针对突发事件，致困原因“{}”不适用", cause.label()),
            ));
        }
        let event = parse_text("event", "突发事件经过", event, true, 500)?;
        if event.chars().count() < 4 {
            return Err(ValidationError::new(
                "event",
                "请写明发生了什么（至少 4 个字）",
            ));
        }
        if event_on > today {
            return Err(ValidationError::new("event_on", "事件日期不能晚于今天"));
        }
        if given_on > today {
            return Err(ValidationError::new("given_on", "救助日期不能晚于今天"));
        }
        if given_on < event_on {
            return Err(ValidationError::new("given_on", "救助日期不能早于事件日期"));
        }
        for (field, v) in [("cash", cash), ("goods_value", goods_value)] {
            if v.0 < 0 {
                return Err(ValidationError::new(field, "金额不能为负数"));
            }
            if v > Fen::MAX_PARSED {
                return Err(ValidationError::new(field, "金额过大，请核对"));
            }
        }
        let goods = parse_text("goods", "实物", goods, false, 200)?;
        if goods_value.0 > 0 && goods.is_empty() {
            return Err(ValidationError::new(
                "goods",
                "填写了实物折价，请写明实物内容",
            ));
        }
        if cash.0 == 0 && goods_value.0 == 0 {
            return Err(ValidationError::new(
                "cash",
                "请填写救助金额或实物折价：临时救助档案记录一次实际给予的帮助",
            ));
        }
        if !(1..=20).contains(&persons) {
            return Err(ValidationError::new("persons", "受助人数应为 1–20 人"));
        }
        Ok(Relief {
            cause,
            event,
            event_on,
            given_on,
            cash,
            goods,
            goods_value,
            persons,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_open_file_closes_after_its_last_day() {
        let last = closes_on(d("2026-01-01"), 180);
        assert_eq!(last, d("2026-06-30"));
        for (today, want) in [
            ("2026-06-29", TemporaryStatus::Open),
            ("2026-06-30", TemporaryStatus::Open),
            ("2026-07-01", TemporaryStatus::Closed),
        ] {
            assert_eq!(
                state_on(TemporaryStatus::Open, last, d(today)),
                want,
                "{today}"
            );
        }
        // Converted and closed files stay what they are.
        for s in [TemporaryStatus::Converted, TemporaryStatus::Closed] {
            assert_eq!(state_on(s, last, d("2030-01-01")), s);
            assert_eq!(state_on(s, last, d("2026-01-02")), s);
        }
    }

    #[test]
    fn relief_as_typed() {
        let today = d("2026-12-06");
        let ok = |cause: &str,
                  event: &str,
                  ev: &str,
                  given: &str,
                  cash: i64,
                  goods: &str,
                  gv: i64,
                  persons: i32| {
            Relief::parse(
                cause,
                event,
                d(ev),
                d(given),
                Fen(cash),
                goods,
                Fen(gv),
                persons,
                today,
            )
        };
        assert!(ok(
            "accident",
            "家中失火，房屋受损",
            "2026-12-01",
            "2026-12-02",
            200_000,
            "",
            0,
            3
        )
        .is_ok());
        assert!(ok(
            "disaster",
            "洪水冲毁住房",
            "2026-12-01",
            "2026-12-01",
            0,
            "棉被两床",
            30_000,
            2
        )
        .is_ok());
        for (cause, event, ev, given, cash, goods, gv, persons, field) in [
            (
                "low_wage",
                "工资太低了",
                "2026-12-01",
                "2026-12-02",
                100,
                "",
                0,
                1,
                "cause",
            ),
            (
                "schooling",
                "孩子上学了",
                "2026-12-01",
                "2026-12-02",
                100,
                "",
                0,
                1,
                "cause",
            ),
            (
                "nothing",
                "家中失火了",
                "2026-12-01",
                "2026-12-02",
                100,
                "",
                0,
                1,
                "cause",
            ),
            (
                "accident",
                "",
                "2026-12-01",
                "2026-12-02",
                100,
                "",
                0,
                1,
                "event",
            ),
            (
                "accident",
                "失火",
                "2026-12-01",
                "2026-12-02",
                100,
                "",
                0,
                1,
                "event",
            ),
            (
                "accident",
                "家中失火了",
                "2026-12-07",
                "2026-12-07",
                100,
                "",
                0,
                1,
                "event_on",
            ),
            (
                "accident",
                "家中失火了",
                "2026-12-01",
                "2026-12-07",
                100,
                "",
                0,
                1,
                "given_on",
            ),
            (
                "accident",
                "家中失火了",
                "2026-12-03",
                "2026-12-02",
                100,
                "",
                0,
                1,
                "given_on",
            ),
            (
                "accident",
                "家中失火了",
                "2026-12-01",
                "2026-12-02",
                -1,
                "",
                0,
                1,
                "cash",
            ),
            (
                "accident",
                "家中失火了",
                "2026-12-01",
                "2026-12-02",
                0,
                "",
                0,
                1,
                "cash",
            ),
            (
                "accident",
                "家中失火了",
                "2026-12-01",
                "2026-12-02",
                0,
                "",
                500,
                1,
                "goods",
            ),
            (
                "accident",
                "家中失火了",
                "2026-12-01",
                "2026-12-02",
                100,
                "",
                0,
                0,
                "persons",
            ),
            (
                "accident",
                "家中失火了",
                "2026-12-01",
                "2026-12-02",
                100,
                "",
                0,
                21,
                "persons",
            ),
        ] {
            let e = ok(cause, event, ev, given, cash, goods, gv, persons).unwrap_err();
            assert_eq!(
                e.field, field,
                "{cause} {event} {ev} {given} {cash} {gv} {persons}: {e:?}"
            );
            assert!(!e.message.is_empty());
        }
    }
}
