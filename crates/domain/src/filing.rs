//! Filing levels (建档标准) and reporting up (上报) / return (退回), docs/rules.md §2.
//!
//! The national union system files at five levels; a report splits 全国级
//! from 地方级 (the four levels below it). A file above grassroots is reported
//! up to the union of its tier's level on the filing union's path, which
//! accepts it or returns it to the filing union for completion.

use crate::household::{coded, Tier};
use crate::{UnionLevel, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What reports call the four levels below national together.
pub const LOCAL_LABEL: &str = "地方级";

impl Tier {
    /// The four local levels, top down.
    pub const LOCAL: [Tier; 4] = [Tier::Province, Tier::City, Tier::County, Tier::Grassroots];

    pub fn is_national(self) -> bool {
        self == Tier::National
    }

    /// The union level whose standard the tier is, and to which the file
    /// is reported up.
    pub fn level(self) -> UnionLevel {
        match self {
            Tier::National => UnionLevel::National,
            Tier::Province => UnionLevel::Province,
            Tier::City => UnionLevel::City,
            Tier::County => UnionLevel::County,
            Tier::Grassroots => UnionLevel::Grassroots,
        }
    }

    /// Whether a file of this tier is reported up at all (a grassroots file
    /// stays with its union).
    pub fn reported(self) -> bool {
        self != Tier::Grassroots
    }

    /// The local tier of an old 地方级 file (and of 地方级 in an old
    /// workbook): the level of its filing union, capped below national (a
    /// national union's local file is 省级). `path_levels` are the levels of
    /// the filing union's path, root first, the union itself last; an
    /// industry union (产业工会) takes the level of the nearest union above it
    /// that is not one. The migration
    /// `2026-12-11-000020_filing_levels` applies the same rule in SQL.
    pub fn local_of(path_levels: &[UnionLevel]) -> Tier {
        let level = path_levels
            .iter()
            .rev()
            .copied()
            .find(|l| *l != UnionLevel::Industry);
        match level {
            Some(UnionLevel::City) => Tier::City,
            Some(UnionLevel::County) => Tier::County,
            Some(UnionLevel::Grassroots) => Tier::Grassroots,
            Some(UnionLevel::National | UnionLevel::Province | UnionLevel::Industry) | None => {
                Tier::Province
            }
        }
    }

    /// Parses a tier from an old workbook or form: the five levels, or
    /// 地方级 / `local`, which becomes `local_of(path_levels)`.
    pub fn parse_or_local(raw: &str, path_levels: &[UnionLevel]) -> Result<Tier, ValidationError> {
        Tier::parse_local_as(raw, Tier::local_of(path_levels))
    }

    /// [`Tier::parse_or_local`] with the local tier already known.
    pub fn parse_local_as(raw: &str, local: Tier) -> Result<Tier, ValidationError> {
        if TierFilter::is_local_word(raw) {
            Ok(local)
        } else {
            Tier::parse(raw)
        }
    }
}

/// The tier filter of a list: one level, or 地方级 (the four local levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierFilter {
    One(Tier),
    Local,
}

impl TierFilter {
    fn is_local_word(raw: &str) -> bool {
        matches!(raw.trim(), "local" | LOCAL_LABEL)
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if Self::is_local_word(raw) {
            Ok(TierFilter::Local)
        } else {
            Tier::parse(raw).map(TierFilter::One)
        }
    }

    /// The tiers it keeps.
    pub fn tiers(self) -> Vec<Tier> {
        match self {
            TierFilter::One(t) => vec![t],
            TierFilter::Local => Tier::LOCAL.to_vec(),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            TierFilter::One(t) => t.code(),
            TierFilter::Local => "local",
        }
    }

    /// The filter's choices, for a select: 全国级, 地方级, then each local level.
    pub fn options() -> Vec<(&'static str, &'static str)> {
        let mut o = vec![
            (Tier::National.code(), Tier::National.label()),
            ("local", "地方级（省级至基层）"),
        ];
        o.extend(Tier::LOCAL.iter().map(|t| (t.code(), t.label())));
        o
    }
}

/// The union a file of `tier` is reported up to: on the filing union's
/// path (`path`, root first, the filing union last, each with its level),
/// the nearest union whose level is the tier's. `Err` with a message when
/// the file is not reported (基层) or the path has no union of that level.
pub fn report_target<T: Copy>(tier: Tier, path: &[(T, UnionLevel)]) -> Result<T, ValidationError> {
    if !tier.reported() {
        return Err(ValidationError::new(
            "tier",
            "基层档案由建档工会自行管理，无需上报",
        ));
    }
    path.iter()
        .rev()
        .find(|(_, l)| *l == tier.level())
        .map(|(t, _)| *t)
        .ok_or_else(|| {
            ValidationError::new(
                "tier",
                format!(
                    "建档工会的上级中没有{}，无法上报{}档案，请核对档案级别",
                    tier.level().label(),
                    tier.label()
                ),
            )
        })
}

coded!(
    /// Where a file stands in reporting up (上报).
    ReportState, "report_state", "上报状态" {
        /// 未上报: not reported yet (a grassroots file always).
        None = "none", "未上报";
        /// 待接收: reported, waiting for the receiving union.
        Reported = "reported", "已上报待接收";
        /// 已接收: accepted by the union of its level.
        Accepted = "accepted", "已接收";
        /// 已退回: returned to the filing union for completion, with a reason.
        Returned = "returned", "已退回";
    }
);

/// What is done to a file in reporting up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAct {
    /// 上报, by the filing union.
    Report,
    /// 接收, by the receiving union.
    Accept,
    /// 退回, by the receiving union, with a reason.
    Return,
}

impl ReportAct {
    pub fn label(self) -> &'static str {
        match self {
            ReportAct::Report => "上报",
            ReportAct::Accept => "接收",
            ReportAct::Return => "退回",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ReportAct::Report => "report_up",
            ReportAct::Accept => "accept_report",
            ReportAct::Return => "return_down",
        }
    }
}

impl ReportState {
    /// The state after `act`, or why the act is not allowed now: a file
    /// not reported or returned may be reported; only a reported file may
    /// be accepted or returned.
    pub fn after(self, act: ReportAct) -> Result<ReportState, String> {
        use ReportAct::*;
        use ReportState as S;
        match (self, act) {
            (S::None | S::Returned, Report) => Ok(S::Reported),
            (S::Reported, Accept) => Ok(S::Accepted),
            (S::Reported, Return) => Ok(S::Returned),
            (s, a) => Err(format!("档案{}，不能{}", s.label(), a.label())),
        }
    }
}

/// A return's reason: required, at most 500 characters.
pub fn return_reason(raw: &str) -> Result<String, ValidationError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ValidationError::new(
            "reason",
            "请填写退回原因（需补充完善的内容）",
        ));
    }
    if s.chars().count() > 500 {
        return Err(ValidationError::new("reason", "退回原因不超过 500 字"));
    }
    Ok(s.to_owned())
}

impl fmt::Display for TierFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use UnionLevel::*;

    #[test]
    fn five_tiers_parse_and_local_is_refused() {
        for (code, label) in [
            ("national", "全国级"),
            ("province", "省级"),
            ("city", "地市级"),
            ("county", "区县级"),
            ("grassroots", "基层"),
        ] {
            assert_eq!(Tier::parse(code).unwrap(), Tier::parse(label).unwrap());
        }
        let e = Tier::parse("local").unwrap_err();
        assert_eq!(e.field, "tier");
        for l in ["全国级", "省级", "地市级", "区县级", "基层"] {
            assert!(e.message.contains(l), "{}", e.message);
        }
        assert!(Tier::parse("地方级").is_err());
    }

    #[test]
    fn tier_and_union_level_map_both_ways() {
        for t in Tier::ALL {
            assert_eq!(
                Tier::local_of(&[t.level()]).level() == t.level(),
                t != &Tier::National
            );
        }
        assert!(Tier::National.is_national());
        assert!(Tier::LOCAL.iter().all(|t| !t.is_national()));
        assert_eq!(Tier::LOCAL.len() + 1, Tier::ALL.len());
    }

    #[test]
    fn the_migration_rule_caps_below_national_and_skips_industry_unions() {
        let cases: &[(&[UnionLevel], Tier)] = &[
            (&[National], Tier::Province),
            (&[National, Province], Tier::Province),
            (&[National, Province, City], Tier::City),
            (&[National, Province, City, County], Tier::County),
            (
                &[National, Province, City, County, Grassroots],
                Tier::Grassroots,
            ),
            (&[National, Province, Industry], Tier::Province),
            (&[National, Industry], Tier::Province),
            (&[National, Province, City, Industry, Industry], Tier::City),
            (
                &[National, Province, City, Industry, Grassroots],
                Tier::Grassroots,
            ),
            (&[], Tier::Province),
        ];
        for (path, want) in cases {
            assert_eq!(Tier::local_of(path), *want, "{path:?}");
        }
        assert_eq!(
            Tier::parse_or_local("地方级", &[National, Province, City]).unwrap(),
            Tier::City
        );
        assert_eq!(
            Tier::parse_or_local("local", &[National]).unwrap(),
            Tier::Province
        );
        assert_eq!(
            Tier::parse_or_local("区县级", &[National]).unwrap(),
            Tier::County
        );
        assert!(Tier::parse_or_local("乡级", &[National]).is_err());
    }

    #[test]
    fn the_filter_keeps_one_level_or_the_four_local_ones() {
        assert_eq!(
            TierFilter::parse("local").unwrap().tiers(),
            Tier::LOCAL.to_vec()
        );
        assert_eq!(TierFilter::parse("地方级").unwrap(), TierFilter::Local);
        assert_eq!(TierFilter::parse("city").unwrap().tiers(), vec![Tier::City]);
        assert!(TierFilter::parse("nowhere").is_err());
        assert_eq!(TierFilter::options().len(), 6);
    }

    #[test]
    fn a_file_is_reported_to_the_nearest_union_of_its_level() {
        let path = [
            (1, National),
            (2, Province),
            (3, City),
            (4, County),
            (5, Grassroots),
        ];
        assert_eq!(report_target(Tier::National, &path).unwrap(), 1);
        assert_eq!(report_target(Tier::Province, &path).unwrap(), 2);
        assert_eq!(report_target(Tier::City, &path).unwrap(), 3);
        assert_eq!(report_target(Tier::County, &path).unwrap(), 4);
        assert!(report_target(Tier::Grassroots, &path)
            .unwrap_err()
            .message
            .contains("无需上报"));
        // a grassroots union under a city's industry union: no county above it
        let path = [
            (1, National),
            (2, Province),
            (3, City),
            (6, Industry),
            (7, Grassroots),
        ];
        assert_eq!(report_target(Tier::City, &path).unwrap(), 3);
        let e = report_target(Tier::County, &path).unwrap_err();
        assert!(e.message.contains("县级工会"), "{}", e.message);
    }

    #[test]
    fn the_state_machine_allows_each_act_in_its_states_only() {
        use ReportAct::*;
        use ReportState as S;
        let table = [
            (S::None, Report, Some(S::Reported)),
            (S::None, Accept, None),
            (S::None, Return, None),
            (S::Reported, Report, None),
            (S::Reported, Accept, Some(S::Accepted)),
            (S::Reported, Return, Some(S::Returned)),
            (S::Accepted, Report, None),
            (S::Accepted, Accept, None),
            (S::Accepted, Return, None),
            (S::Returned, Report, Some(S::Reported)),
            (S::Returned, Accept, None),
            (S::Returned, Return, None),
        ];
        for (from, act, to) in table {
            assert_eq!(from.after(act).ok(), to, "{from:?} {act:?}");
        }
        assert!(S::Accepted.after(Report).unwrap_err().contains("已接收"));
    }

    #[test]
    fn a_return_needs_a_reason() {
        assert!(return_reason("  ").is_err());
        assert_eq!(return_reason(" 缺收入证明 ").unwrap(), "缺收入证明");
        assert!(return_reason(&"长".repeat(501)).is_err());
    }
}
