//! Campaigns (专项行动, docs/rules.md §8.2): a look-back (回头看), a full
//! re-check of every file on file, and every-household-cleared (户户清), a
//! per-household list of items all cleared by a deadline. The kinds, the
//! outcomes of a look-back task, the item list of a 户户清 campaign and the
//! rule on deadlines are here; who may start one and over which files is
//! the service's.

use crate::household::coded;
use crate::ValidationError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

coded!(
    /// What a campaign asks of each household.
    CampaignKind, "kind", "专项行动类别" {
        /// 回头看: re-check the file at a home visit; keep, correct or remove it.
        LookBack = "look_back", "回头看";
        /// 户户清: clear each item of the campaign's list.
        ClearAll = "clear_all", "户户清";
    }
);

coded!(
    /// How a task ended.
    Outcome, "outcome", "核查结果" {
        /// 保留: the file meets the standard as it is.
        Keep = "keep", "保留";
        /// 更正: the file was corrected (the changes are noted).
        Correct = "correct", "更正";
        /// 建议清退: a removal was proposed through the exits flow.
        Remove = "remove", "建议清退";
        /// 户户清: every item was cleared.
        Cleared = "cleared", "全部清零";
    }
);

coded!(
    /// A campaign runs until the union that started it closes it.
    CampaignStatus, "status", "专项行动状态" {
        Running = "running", "进行中";
        Closed = "closed", "已结束";
    }
);

impl Outcome {
    /// The outcomes an officer records on a look-back task.
    pub const LOOK_BACK: [Outcome; 3] = [Outcome::Keep, Outcome::Correct, Outcome::Remove];

    /// Parses an outcome typed for a look-back task (`cleared` is not one).
    pub fn parse_look_back(raw: &str) -> Result<Outcome, ValidationError> {
        match Outcome::parse(raw)? {
            Outcome::Cleared => Err(ValidationError::new(
                "outcome",
                "回头看的核查结果只能是：保留、更正、建议清退",
            )),
            o => Ok(o),
        }
    }
}

/// The six items of 户户清 when a campaign names none (Yunnan 2020).
pub const DEFAULT_ITEMS: [&str; 6] = [
    "底数清",
    "致困原因清",
    "帮扶措施清",
    "政策落实清",
    "收入状况清",
    "责任人清",
];

/// At most this many items, each at most [`MAX_ITEM_CHARS`] characters.
pub const MAX_ITEMS: usize = 20;
pub const MAX_ITEM_CHARS: usize = 30;
/// A title of at most this many characters.
pub const MAX_TITLE_CHARS: usize = 60;

/// The item list of a campaign: for 户户清, the items given (none given: the
/// six) — an empty list, a blank or a repeated item is refused; a look-back
/// has none (any given is refused).
pub fn parse_items(
    kind: CampaignKind,
    items: Option<&[String]>,
) -> Result<Vec<String>, ValidationError> {
    match (kind, items) {
        (CampaignKind::LookBack, None) => Ok(Vec::new()),
        (CampaignKind::LookBack, Some(_)) => Err(ValidationError::new(
            "items",
            "回头看没有清单项目：只有户户清需要列出项目",
        )),
        (CampaignKind::ClearAll, None) => {
            Ok(DEFAULT_ITEMS.iter().map(|s| (*s).to_owned()).collect())
        }
        (CampaignKind::ClearAll, Some(list)) => {
            if list.is_empty() {
                return Err(ValidationError::new("items", "户户清至少要有一个清单项目"));
            }
            if list.len() > MAX_ITEMS {
                return Err(ValidationError::new(
                    "items",
                    format!("清单项目最多 {MAX_ITEMS} 项"),
                ));
            }
            let mut out: Vec<String> = Vec::with_capacity(list.len());
            for (i, raw) in list.iter().enumerate() {
                let item = raw.trim();
                if item.is_empty() {
                    return Err(ValidationError::new(
                        "items",
                        format!("第 {} 个清单项目为空", i + 1),
                    ));
                }
                if item.chars().any(char::is_control) {
                    return Err(ValidationError::new(
                        "items",
                        format!("第 {} 个清单项目含有换行等控制字符", i + 1),
                    ));
                }
                if item.chars().count() > MAX_ITEM_CHARS {
                    return Err(ValidationError::new(
                        "items",
                        format!("清单项目“{item}”超过 {MAX_ITEM_CHARS} 个字"),
                    ));
                }
                if out.iter().any(|o| o == item) {
                    return Err(ValidationError::new(
                        "items",
                        format!("清单项目“{item}”重复"),
                    ));
                }
                out.push(item.to_owned());
            }
            Ok(out)
        }
    }
}

/// The items as stored: one a line (an item has no control character).
pub fn encode_items(items: &[String]) -> String {
    items.join("\n")
}

/// The items stored by [`encode_items`].
pub fn decode_items(stored: &str) -> Vec<String> {
    stored
        .split('\n')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A campaign's title: required, at most [`MAX_TITLE_CHARS`] characters.
pub fn parse_title(raw: &str) -> Result<String, ValidationError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(ValidationError::new("title", "请填写专项行动名称"));
    }
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(ValidationError::new(
            "title",
            format!("名称最多 {MAX_TITLE_CHARS} 个字"),
        ));
    }
    Ok(t.to_owned())
}

/// The deadline typed (`YYYY-MM-DD`): today or later.
pub fn parse_deadline(raw: &str, today: NaiveDate) -> Result<NaiveDate, ValidationError> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        ValidationError::new("deadline", "截止日期格式应为 YYYY-MM-DD，例如 2026-12-31")
    })?;
    if d < today {
        return Err(ValidationError::new(
            "deadline",
            format!("截止日期 {d} 已过（今天是 {today}），请选择今天或以后的日期"),
        ));
    }
    Ok(d)
}

/// Whether an open task is overdue: its deadline has passed.
pub fn overdue(deadline: NaiveDate, today: NaiveDate, done: bool) -> bool {
    !done && today > deadline
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn items_default_to_the_six_and_refuse_empty_blank_and_repeated() {
        let six = parse_items(CampaignKind::ClearAll, None).unwrap_or_default();
        assert_eq!(six.len(), 6);
        assert_eq!(six[0], "底数清");
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert!(parse_items(CampaignKind::ClearAll, Some(&[])).is_err());
        assert!(parse_items(CampaignKind::ClearAll, Some(&s(&["底数清", " "]))).is_err());
        assert!(parse_items(CampaignKind::ClearAll, Some(&s(&["底数清", "底数清 "]))).is_err());
        assert_eq!(
            parse_items(CampaignKind::ClearAll, Some(&s(&[" 甲 ", "乙"]))).ok(),
            Some(s(&["甲", "乙"]))
        );
        assert_eq!(parse_items(CampaignKind::LookBack, None).ok(), Some(vec![]));
        assert!(parse_items(CampaignKind::LookBack, Some(&s(&["甲"]))).is_err());
    }

    #[test]
    fn a_deadline_is_today_or_later() {
        let today = d("2026-12-06");
        assert!(parse_deadline("2026-12-05", today).is_err());
        assert_eq!(parse_deadline("2026-12-06", today).ok(), Some(today));
        assert!(parse_deadline("12/31/2026", today).is_err());
        assert!(overdue(d("2026-12-05"), today, false));
        assert!(!overdue(d("2026-12-05"), today, true));
        assert!(!overdue(today, today, false));
    }

    #[test]
    fn a_look_back_outcome_is_keep_correct_or_remove() {
        assert_eq!(Outcome::parse_look_back("keep").ok(), Some(Outcome::Keep));
        assert_eq!(
            Outcome::parse_look_back("建议清退").ok(),
            Some(Outcome::Remove)
        );
        assert!(Outcome::parse_look_back("cleared").is_err());
        assert!(Outcome::parse_look_back("nope").is_err());
    }
}
