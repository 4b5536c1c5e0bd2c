//! Assessment (考核评价, docs/rules.md §8.3, Yunnan 002; 003 §四(一)): a
//! union scores the unions of one level beneath it for a year against a
//! scheme of areas and items whose weights add up to [`TOTAL_POINTS`].
//!
//! An item is either computed from Bangfu's own records (a share: what was
//! done over what was due, see [`Source`]) or entered by hand with its
//! evidence (a third-party evaluation needs its document). Points are kept
//! in hundredths (`centi`) so that a share of a weight is exact in integers;
//! totals and ranks are computed from them, never from floats.

use crate::household::coded;
use crate::{Refusals, UnionLevel, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;

coded!(
    /// Where an item's score comes from. The first nine are computed, each
    /// as a share of a union's subtree (numerator over denominator).
    Source, "source", "指标类型" {
        /// Files on file with an approved plan for the year.
        PlanShare = "plan_share", "年度帮扶计划覆盖率";
        /// Files on file with a pairing (一帮一).
        Paired = "paired", "结对帮扶覆盖率";
        /// Files on file not due a visit (visited within the interval).
        Visited = "visited", "按期走访率";
        /// Exits and reliefs of the year over the year's target.
        TargetProgress = "target_progress", "年度目标任务完成率";
        /// Measures due in the year that were done by their due date.
        MeasuresOnTime = "measures_on_time", "帮扶措施按期落实率";
        /// Fund-audit findings of the year that were resolved.
        AuditResolved = "audit_resolved", "资金审计问题整改率";
        /// Tasks of the campaigns due in the year that were done.
        CampaignCompletion = "campaign_completion", "专项行动任务完成率";
        /// Applications decided in the year within the time limit.
        ApplicationTurnaround = "application_turnaround", "申请按时办结率";
        /// Verification findings of the year that were handled.
        FindingsHandled = "findings_handled", "核对疑点处置率";
        /// Entered by hand, with a note of the evidence.
        Manual = "manual", "人工评分";
        /// 第三方评估: entered by hand with the evaluation's document.
        ThirdParty = "third_party", "第三方评估";
    }
);

impl Source {
    /// Computed from the records (not entered by hand).
    pub fn computed(self) -> bool {
        !matches!(self, Source::Manual | Source::ThirdParty)
    }

    /// An entered score must come with a document.
    pub fn needs_document(self) -> bool {
        self == Source::ThirdParty
    }

    /// How the share is counted, as the report explains it.
    pub fn explain(self) -> &'static str {
        match self {
            Source::PlanShare => "在档档案中，有本年度已审定帮扶计划的份数 ÷ 在档档案数",
            Source::Paired => "在档档案中，已结对帮扶的份数 ÷ 在档档案数",
            Source::Visited => "在档档案中，未超过走访周期的份数 ÷ 在档档案数",
            Source::TargetProgress => "本年度脱困、解困（存量库）户数 ÷ 年度目标任务数",
            Source::MeasuresOnTime => "本年度到期的帮扶措施中，按期完成的项数 ÷ 到期项数",
            Source::AuditResolved => "本年度发现的资金审计问题中，已整改的个数 ÷ 发现个数",
            Source::CampaignCompletion => {
                "本年度截止的回头看、户户清任务中，已完成的户数 ÷ 任务户数"
            }
            Source::ApplicationTurnaround => "本年度办结的建档申请中，按时办结的件数 ÷ 办结件数",
            Source::FindingsHandled => "本年度产生的部门核对疑点中，已处置的个数 ÷ 疑点个数",
            Source::Manual => "考核单位依据佐证材料人工评分",
            Source::ThirdParty => "依据第三方评估报告评分（须附报告）",
        }
    }
}

/// Every scheme's weights add up to this many points.
pub const TOTAL_POINTS: u32 = 100;
/// At most this many items in a scheme.
pub const MAX_ITEMS: usize = 100;
/// An area or item name of at most this many characters.
pub const MAX_NAME_CHARS: usize = 40;
/// A title of at most this many characters.
pub const MAX_TITLE_CHARS: usize = 60;
/// An application is on time when decided within this many days of its
/// submission: review, the 5-working-day notice and approval fit in it.
pub const TURNAROUND_DAYS: i64 = 30;

/// One item of a scheme as checked: its area, name, weight (whole points)
/// and source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub area: String,
    pub name: String,
    pub weight: u32,
    pub source: Source,
}

/// An item as typed: nothing checked yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawItem {
    pub area: String,
    pub name: String,
    pub weight: String,
    pub source: String,
}

fn name_of(
    field: &'static str,
    what: &str,
    raw: &str,
    at: &str,
) -> Result<String, ValidationError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ValidationError::new(field, format!("{at}{what}不能为空")));
    }
    if s.chars().count() > MAX_NAME_CHARS {
        return Err(ValidationError::new(
            field,
            format!("{at}{what}最多 {MAX_NAME_CHARS} 个字"),
        ));
    }
    Ok(s.to_owned())
}

/// A scheme's title: not blank, at most [`MAX_TITLE_CHARS`] characters.
pub fn parse_title(raw: &str) -> Result<String, ValidationError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ValidationError::new("title", "请填写考核方案名称"));
    }
    if s.chars().count() > MAX_TITLE_CHARS {
        return Err(ValidationError::new(
            "title",
            format!("考核方案名称最多 {MAX_TITLE_CHARS} 个字"),
        ));
    }
    Ok(s.to_owned())
}

/// The level a scheme assesses: a level that has unions above it
/// (province, city, county or grassroots).
pub fn parse_level(raw: &str) -> Result<UnionLevel, ValidationError> {
    let level = UnionLevel::parse(raw.trim())
        .map_err(|_| ValidationError::new("level", format!("被考核层级“{}”无效", raw.trim())))?;
    match level {
        UnionLevel::Province | UnionLevel::City | UnionLevel::County | UnionLevel::Grassroots => {
            Ok(level)
        }
        _ => Err(ValidationError::new(
            "level",
            "被考核层级只能是省级、市级、县级或基层工会",
        )),
    }
}

/// The items of a scheme: at least one, at most [`MAX_ITEMS`], each with
/// an area, a name, a whole weight of 1–100 points and a known source, no
/// item named twice in one area, and weights adding up to
/// [`TOTAL_POINTS`]. Every refusal names the item (第 n 项).
pub fn check_items(raw: &[RawItem]) -> Result<Vec<Item>, Refusals> {
    let mut r = Refusals::new();
    if raw.is_empty() {
        r.push(ValidationError::new("items", "考核方案至少要有一项指标"));
        return r.check().map(|_| Vec::new());
    }
    if raw.len() > MAX_ITEMS {
        r.push(ValidationError::new(
            "items",
            format!("考核指标最多 {MAX_ITEMS} 项，现有 {} 项", raw.len()),
        ));
        return r.check().map(|_| Vec::new());
    }
    let mut items = Vec::with_capacity(raw.len());
    let mut seen = std::collections::HashSet::new();
    for (i, it) in raw.iter().enumerate() {
        let at = format!("第 {} 项：", i + 1);
        let area = r.take(name_of("items", "考核领域", &it.area, &at));
        let name = r.take(name_of("items", "指标名称", &it.name, &at));
        let weight = r.take(parse_weight(&it.weight, &at));
        let source = r.take(
            Source::parse(&it.source)
                .map_err(|e| ValidationError::new("items", format!("{at}{}", e.message))),
        );
        if let (Some(area), Some(name), Some(weight), Some(source)) = (area, name, weight, source) {
            if !seen.insert((area.clone(), name.clone())) {
                r.push(ValidationError::new(
                    "items",
                    format!("{at}“{area} / {name}”重复"),
                ));
            }
            items.push(Item {
                area,
                name,
                weight,
                source,
            });
        }
    }
    if r.is_empty() {
        let sum: u32 = items.iter().map(|i| i.weight).sum();
        if sum != TOTAL_POINTS {
            r.push(ValidationError::new(
                "items",
                format!("各项分值合计应为 {TOTAL_POINTS} 分，现为 {sum} 分"),
            ));
        }
    }
    r.check().map(|_| items)
}

fn parse_weight(raw: &str, at: &str) -> Result<u32, ValidationError> {
    let s = raw.trim();
    match s.parse::<u32>() {
        Ok(w) if (1..=TOTAL_POINTS).contains(&w) => Ok(w),
        _ => Err(ValidationError::new(
            "items",
            format!("{at}分值应为 1–{TOTAL_POINTS} 的整数，收到“{s}”"),
        )),
    }
}

/// Items typed one a line as `领域 | 指标 | 分值 | 类型` (a tab, `|` or
/// `｜` between fields, so rows pasted from Excel work); blank lines are
/// skipped, and a line with other than four fields is refused by number.
pub fn parse_lines(text: &str) -> Result<Vec<RawItem>, Refusals> {
    let mut r = Refusals::new();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(['\t', '|', '｜']).map(str::trim).collect();
        if fields.len() != 4 {
            r.push(ValidationError::new(
                "items",
                format!(
                    "第 {} 行应为“领域 | 指标 | 分值 | 类型”四栏，现为 {} 栏",
                    n + 1,
                    fields.len()
                ),
            ));
            continue;
        }
        out.push(RawItem {
            area: fields[0].to_owned(),
            name: fields[1].to_owned(),
            weight: fields[2].to_owned(),
            source: fields[3].to_owned(),
        });
    }
    r.check().map(|_| out)
}

/// The items as lines [`parse_lines`] reads back (types by their label).
pub fn to_lines(items: &[Item]) -> String {
    items
        .iter()
        .map(|i| {
            format!(
                "{} | {} | {} | {}",
                i.area,
                i.name,
                i.weight,
                i.source.label()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Full share, in basis points.
pub const FULL_BP: i64 = 10_000;

/// A computed item's count for one union: what was done over what was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ratio {
    pub numerator: i64,
    pub denominator: i64,
}

impl Ratio {
    /// The share in basis points, capped at full; nothing due counts as
    /// full (nothing was left undone), and a negative count as none.
    pub fn bp(self) -> i64 {
        if self.denominator <= 0 {
            return FULL_BP;
        }
        (self.numerator.max(0).saturating_mul(FULL_BP) / self.denominator).min(FULL_BP)
    }

    /// The points (hundredths) this share earns of a weight, rounded down.
    pub fn points(self, weight: u32) -> i64 {
        i64::from(weight) * self.bp() / 100
    }
}

/// Points typed by hand for an item of `weight` points: a number with at
/// most two decimals from 0 to the weight, kept in hundredths.
pub fn parse_points(raw: &str, weight: u32) -> Result<i64, ValidationError> {
    let s = raw.trim();
    let bad = || {
        ValidationError::new(
            "points",
            format!("得分应为 0–{weight} 之间的数，最多两位小数，收到“{s}”"),
        )
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() || frac.len() > 2 {
        return Err(bad());
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let f: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let centi = w
        .checked_mul(100)
        .and_then(|x| x.checked_add(f))
        .ok_or_else(bad)?;
    if centi > i64::from(weight) * 100 {
        return Err(bad());
    }
    Ok(centi)
}

/// Hundredths of a point as a person reads them: `87.25`, `4`, `3.5`.
pub fn format_points(centi: i64) -> String {
    let sign = if centi < 0 { "-" } else { "" };
    let a = centi.unsigned_abs();
    match a % 100 {
        0 => format!("{sign}{}", a / 100),
        f if f % 10 == 0 => format!("{sign}{}.{}", a / 100, f / 10),
        f => format!("{sign}{}.{f:02}", a / 100),
    }
}

/// Competition ranks (1, 2, 2, 4) of totals, highest first, in the order
/// given.
pub fn ranks(totals: &[i64]) -> Vec<usize> {
    totals
        .iter()
        .map(|t| 1 + totals.iter().filter(|o| *o > t).count())
        .collect()
}

/// Yunnan's quantitative assessment as an example scheme (002): 6 areas and
/// 25 items, 100 points, computed where Bangfu holds the records.
pub const YUNNAN_EXAMPLE: [(&str, &str, u32, Source); 25] = [
    ("组织领导", "领导机制健全、责任落实", 4, Source::Manual),
    ("组织领导", "纳入工会年度目标责任考核", 4, Source::Manual),
    ("组织领导", "工作经费保障到位", 4, Source::Manual),
    ("建档立卡", "档案信息完整准确", 4, Source::Manual),
    ("建档立卡", "年度帮扶计划覆盖率", 4, Source::PlanShare),
    (
        "建档立卡",
        "建档申请按时办结",
        4,
        Source::ApplicationTurnaround,
    ),
    (
        "建档立卡",
        "回头看、户户清任务完成",
        4,
        Source::CampaignCompletion,
    ),
    ("建档立卡", "动态管理及时", 4, Source::Manual),
    ("精准帮扶", "一帮一结对覆盖", 4, Source::Paired),
    ("精准帮扶", "入户走访按期", 4, Source::Visited),
    ("精准帮扶", "帮扶措施按期落实", 4, Source::MeasuresOnTime),
    ("精准帮扶", "部门核对疑点处置", 4, Source::FindingsHandled),
    ("精准帮扶", "社会力量参与帮扶", 4, Source::Manual),
    (
        "解困脱困成效",
        "年度目标任务完成",
        8,
        Source::TargetProgress,
    ),
    ("解困脱困成效", "脱困质量（无返困）", 4, Source::Manual),
    ("解困脱困成效", "困难职工满意度", 4, Source::ThirdParty),
    ("解困脱困成效", "第三方评估结果", 8, Source::ThirdParty),
    ("资金管理", "资金审计问题整改", 4, Source::AuditResolved),
    ("资金管理", "资金使用规范", 4, Source::Manual),
    ("资金管理", "资金发放公示", 3, Source::Manual),
    ("资金管理", "多渠道筹措资金", 3, Source::Manual),
    ("宣传与创新", "典型宣传", 3, Source::Manual),
    ("宣传与创新", "信息报送及时", 3, Source::Manual),
    ("宣传与创新", "工作创新", 2, Source::Manual),
    ("宣传与创新", "信息系统应用", 2, Source::Manual),
];

/// The example's items.
pub fn yunnan_items() -> Vec<Item> {
    YUNNAN_EXAMPLE
        .iter()
        .map(|(area, name, weight, source)| Item {
            area: (*area).to_owned(),
            name: (*name).to_owned(),
            weight: *weight,
            source: *source,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn raw(area: &str, name: &str, weight: &str, source: &str) -> RawItem {
        RawItem {
            area: area.into(),
            name: name.into(),
            weight: weight.into(),
            source: source.into(),
        }
    }

    #[test]
    fn the_yunnan_example_is_a_valid_scheme_of_6_areas_and_25_items() {
        let items = yunnan_items();
        let raw: Vec<RawItem> = items
            .iter()
            .map(|i| raw(&i.area, &i.name, &i.weight.to_string(), i.source.code()))
            .collect();
        assert_eq!(check_items(&raw), Ok(items.clone()));
        let areas: std::collections::BTreeSet<&str> =
            items.iter().map(|i| i.area.as_str()).collect();
        assert_eq!((areas.len(), items.len()), (6, 25));
        // Every computed source is used once.
        for s in Source::ALL.iter().filter(|s| s.computed()) {
            assert!(items.iter().any(|i| i.source == *s), "{s:?}");
        }
        // Lines round-trip.
        let back = parse_lines(&to_lines(&items)).map(|r| check_items(&r));
        assert_eq!(back, Ok(Ok(items)));
    }

    #[test]
    fn items_are_refused_with_the_item_named() {
        let table: [(Vec<RawItem>, &str); 7] = [
            (vec![], "至少要有一项"),
            (
                vec![raw("a", "b", "60", "manual"), raw("a", "c", "30", "paired")],
                "合计应为 100 分，现为 90 分",
            ),
            (
                vec![raw("a", "b", "0", "manual"), raw("a", "c", "100", "paired")],
                "第 1 项：分值应为",
            ),
            (vec![raw("a", "b", "4.5", "manual")], "第 1 项：分值应为"),
            (
                vec![raw("a", "b", "50", "manual"), raw("a", "b", "50", "paired")],
                "第 2 项：“a / b”重复",
            ),
            (
                vec![raw(" ", "b", "100", "manual")],
                "第 1 项：考核领域不能为空",
            ),
            (
                vec![raw("a", "b", "100", "magic")],
                "第 1 项：指标类型“magic”无效",
            ),
        ];
        for (items, want) in table {
            let err = check_items(&items).expect_err(want);
            assert!(
                err.list().iter().any(|e| e.message.contains(want)),
                "{want}: {err:?}"
            );
        }
        assert!(check_items(&[raw("a", "b", "100", "第三方评估")]).is_ok());
    }

    #[test]
    fn lines_take_tabs_and_bars_and_name_bad_lines() {
        let items =
            parse_lines("a\tb\t50\tmanual\n\n c | d | 50 | 结对帮扶覆盖率 ").expect("parsed");
        assert_eq!(items[1], raw("c", "d", "50", "结对帮扶覆盖率"));
        let err = parse_lines("a|b|50|manual\na|b").expect_err("two fields");
        assert!(err.list()[0].message.contains("第 2 行"));
    }

    #[test]
    fn shares_and_points() {
        let table = [
            // (numerator, denominator, weight, bp, centi-points)
            (0, 0, 4, 10_000, 400),
            (5, 6, 4, 8_333, 333),
            (7, 5, 8, 10_000, 800),
            (0, 9, 4, 0, 0),
            (-3, 9, 4, 0, 0),
            (1, 3, 3, 3_333, 99),
        ];
        for (n, d, w, bp, pts) in table {
            let r = Ratio {
                numerator: n,
                denominator: d,
            };
            assert_eq!((r.bp(), r.points(w)), (bp, pts), "{n}/{d} of {w}");
        }
    }

    #[test]
    fn typed_points() {
        assert_eq!(parse_points("3.5", 4), Ok(350));
        assert_eq!(parse_points("4", 4), Ok(400));
        assert_eq!(parse_points("0.25", 4), Ok(25));
        assert_eq!(parse_points(".5", 4), Ok(50));
        for bad in ["4.01", "-1", "abc", "", "1.234", "1e2", "."] {
            assert!(parse_points(bad, 4).is_err(), "{bad}");
        }
        assert_eq!(format_points(8725), "87.25");
        assert_eq!(format_points(350), "3.5");
        assert_eq!(format_points(400), "4");
        assert_eq!(format_points(5), "0.05");
    }

    #[test]
    fn ranks_share_places_on_ties() {
        assert_eq!(ranks(&[80, 95, 80, 60]), vec![2, 1, 2, 4]);
        assert_eq!(ranks(&[]), Vec::<usize>::new());
    }

    #[test]
    fn levels() {
        assert_eq!(parse_level("county"), Ok(UnionLevel::County));
        assert!(parse_level("national").is_err());
        assert!(parse_level("industry").is_err());
    }

    proptest! {
        #[test]
        fn points_never_exceed_the_weight(n in -10i64..10_000, d in 0i64..10_000, w in 1u32..=100) {
            let p = Ratio { numerator: n, denominator: d }.points(w);
            prop_assert!((0..=i64::from(w) * 100).contains(&p));
        }

        #[test]
        fn typed_points_read_back(centi in 0i64..=10_000) {
            prop_assert_eq!(parse_points(&format_points(centi), 100), Ok(centi));
        }

        #[test]
        fn a_higher_total_never_ranks_lower(totals in proptest::collection::vec(0i64..1000, 0..30)) {
            let r = ranks(&totals);
            for i in 0..totals.len() {
                for j in 0..totals.len() {
                    if totals[i] > totals[j] { prop_assert!(r[i] < r[j]); }
                    if totals[i] == totals[j] { prop_assert_eq!(r[i], r[j]); }
                }
            }
        }
    }
}
