//! What becomes of each generated household: decided from what is stored
//! of it, so the incomes the household generator records and the decisions
//! the exit generator writes tell one story without storing anything for
//! each other.

use crate::random::{days, Gen};
use bangfu_domain::identification::Category;
use bangfu_domain::leaving::{ExitKind, Pathway, RemovalReason};
use bangfu_domain::Month;
use chrono::NaiveDate;

/// Years of decisions the generator writes, ending today.
const DECISION_YEARS: i64 = 3;
/// A file is on file at least this long before it can be decided (six
/// months of incomes above the line, then the steps).
const MIN_DAYS_ON_FILE: i64 = 270;

/// What becomes of a generated household, decided from what is stored of it
/// (its worker's ID number, union, filing date, health and category) so
/// that [`crate::load_households_months`] shapes its incomes and [`crate::load_exits`]
/// records its decisions without either storing anything for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fate {
    pub decided: Option<Decided>,
    /// Stays on file and has been above the line for the last nine months.
    pub ready: bool,
}

/// An approved decision of the last three years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided {
    pub kind: ExitKind,
    pub pathway: Option<Pathway>,
    pub reason: Option<RemovalReason>,
    pub decided_on: NaiveDate,
    /// A later decision revoked it (the file is back on file from then).
    pub revoked_on: Option<NaiveDate>,
    pub relapse: Option<Relapse>,
}

/// 返困 after an exit: incomes below the line from `below_from`; flagged on
/// a day (a sudden event recorded by hand) and maybe reopened as a new file,
/// or not flagged yet (the monthly run will find it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relapse {
    pub below_from: Month,
    pub flagged_on: Option<NaiveDate>,
    pub reopened_on: Option<NaiveDate>,
    pub reason: &'static str,
}

impl Fate {
    /// Whether `month`'s income must be above the line (`Some(true)`), below
    /// it (`Some(false)`) or follow the household's usual level (`None`).
    pub fn above_line(&self, month: Month, last_month: Month) -> Option<bool> {
        match self.decided {
            Some(Decided {
                kind: ExitKind::OutOfHardship,
                revoked_on: None,
                decided_on,
                relapse,
                ..
            }) => {
                if relapse.is_some_and(|r| month >= r.below_from) {
                    Some(false)
                } else if month >= Month::of_date(decided_on).add_months(-8) {
                    Some(true)
                } else {
                    None
                }
            }
            None if self.ready && month >= last_month.add_months(-8) => Some(true),
            _ => None,
        }
    }
}

/// The fate of one household (deterministic). Proportions follow source 000
/// (most baseline households out within three years): of the files on file
/// long enough, up to 90 % of the baseline cohort and 80 % of the others
/// are decided within the three years, less in lagging unions (65–105 % of
/// that pace, by union) and pro rata for files filed within the period. Of
/// the decisions: reliefs for about half of the households with serious
/// illness or disability; otherwise exits (就业创业 most, then 社会救助 —
/// more for 低保户 —, 医疗救助, 落实待遇, 其他) and about one in eight
/// removals (re-check, moving away, death). A few exits and
/// re-check removals are later revoked (3 %); about 7 % of exits relapse after
/// an event (most reopened as a new file), and some exits of the last
/// year fall below the line for the latest six months without a flag yet.
/// Of the files left on file, about 5 % are ready to exit (more in the
/// lagging unions).
pub fn fate(
    worker_id_number: &str,
    union_id: i64,
    filed_on: NaiveDate,
    poor_health: bool,
    category: Category,
    today: NaiveDate,
) -> Fate {
    let mut r = Gen::of(worker_id_number, 0x5EED_0FF4_7E00);
    let mut u = Gen::of(&union_id.to_string(), 0x1A66);
    let pace = 65 + u.below(41);
    let baseline = filed_on <= bangfu_domain::household::default_baseline_cutoff();
    let period_start = today - chrono::Duration::days(365 * DECISION_YEARS);
    let start = (filed_on + chrono::Duration::days(MIN_DAYS_ON_FILE)).max(period_start);
    let end = today - chrono::Duration::days(7);
    let share = if baseline { 90 } else { 80 } * pace;
    // Pro rata for files that could be decided only part of the period.
    let open_days = u64::try_from((end - start).num_days().max(0)).unwrap_or(0);
    let full_days = u64::try_from((end - period_start).num_days().max(1)).unwrap_or(1);
    let chance = share * open_days / full_days; // in 1/10 000
    let decided = r.below(10_000) < chance && open_days > 0;
    let ready_roll = r.below(100);
    if !decided {
        return Fate {
            decided: None,
            // Lagging unions have more files ready and not yet decided:
            // 1–9 % by union, about 5 % overall.
            ready: ready_roll < 1 + (105 - pace) / 5,
        };
    }
    let decided_on = start + days(r.below(open_days));
    let kind = if poor_health && r.chance(50) {
        ExitKind::Relieved
    } else if r.chance(13) {
        ExitKind::Removed
    } else {
        ExitKind::OutOfHardship
    };
    let social = if category == Category::Dibao { 45 } else { 18 };
    let medical = if poor_health { 30 } else { 12 };
    let pathway = (kind == ExitKind::OutOfHardship)
        .then(|| {
            r.weighted(&[
                (Pathway::Employment, 40),
                (Pathway::SocialAssistance, social),
                (Pathway::Medical, medical),
                (Pathway::Entitlements, 12),
                (Pathway::Other, 12),
            ])
        })
        .flatten();
    let reason = (kind == ExitKind::Removed)
        .then(|| {
            r.weighted(&[
                (RemovalReason::Recheck, 50),
                (RemovalReason::Moved, 30),
                (RemovalReason::Death, 20),
            ])
        })
        .flatten();
    let revocable = kind == ExitKind::OutOfHardship || reason == Some(RemovalReason::Recheck);
    let revoked_on = (revocable && r.chance(3))
        .then(|| decided_on + days(20 + r.below(100)))
        .filter(|d| *d < today);
    let follow_until = add_months(decided_on, bangfu_domain::leaving::DEFAULT_FOLLOW_MONTHS);
    let last_month = Month::of_date(today).pred();
    let mut relapse = None;
    if kind == ExitKind::OutOfHardship && revoked_on.is_none() {
        let roll = r.below(100);
        let flag = decided_on + days(40 + r.below(280));
        if roll < 7 && flag < today && flag < follow_until {
            let reopen = flag + days(7 + r.below(35));
            let reopened_on = (reopen < today && !r.chance(20)).then_some(reopen);
            // Below the line from the month before the event (at least one
            // recorded month below), never in the month of the exit itself.
            relapse = Some(Relapse {
                below_from: Month::of_date(flag)
                    .pred()
                    .max(Month::of_date(decided_on).succ()),
                flagged_on: Some(flag),
                reopened_on,
                reason: RELAPSE_REASONS
                    [usize::try_from(r.below(RELAPSE_REASONS.len() as u64)).unwrap_or(0)],
            });
        } else if roll < 32
            && follow_until > today
            && Month::of_date(decided_on) <= last_month.add_months(-6)
        {
            // Falling back without anyone noticing yet: the latest six
            // months below the line, within the follow-up.
            relapse = Some(Relapse {
                below_from: last_month.add_months(-5),
                flagged_on: None,
                reopened_on: None,
                reason: "",
            });
        }
    }
    Fate {
        decided: Some(Decided {
            kind,
            pathway,
            reason,
            decided_on,
            revoked_on,
            relapse,
        }),
        ready: false,
    }
}

/// Why a followed household fell back, as an officer records it.
const RELAPSE_REASONS: [&str; 3] = [
    "突发重大疾病，医疗支出骤增，家庭人均收入低于当地低保标准",
    "家庭主要劳动力失业，家庭人均收入低于当地低保标准",
    "遭遇意外事故，家庭生活陷入困难",
];

pub(crate) fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(months))
        .unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::households::demo_id;

    /// Fates over many households and days: every date in order, whatever
    /// day the generator runs on.
    #[test]
    fn fates_keep_their_dates_in_order() {
        let mut counts = [0usize; 6];
        for today_offset in [0i64, 17, 45, 100, 200, 333] {
            let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default()
                + chrono::Duration::days(today_offset);
            let last_month = Month::of_date(today).pred();
            let filed_from = NaiveDate::from_ymd_opt(2014, 1, 1).unwrap_or_default();
            for i in 0..3_000i64 {
                let id = demo_id(
                    "440103",
                    NaiveDate::from_ymd_opt(1966, 1, 1).unwrap_or_default(),
                    12_000,
                    0,
                    i,
                )
                .unwrap_or_default();
                let filed_on = filed_from + chrono::Duration::days((i * 7919) % 4_700);
                let category = Category::ALL[usize::try_from(i % 3).unwrap_or(0)];
                let f = fate(&id, 10 + i % 40, filed_on, i % 4 == 0, category, today);
                let Some(d) = f.decided else {
                    counts[0] += usize::from(f.ready);
                    continue;
                };
                assert!(!f.ready);
                assert!(d.decided_on >= filed_on + chrono::Duration::days(MIN_DAYS_ON_FILE));
                assert!(
                    d.decided_on < today && d.decided_on >= today - chrono::Duration::days(3 * 365)
                );
                assert_eq!(d.pathway.is_some(), d.kind == ExitKind::OutOfHardship);
                assert_eq!(d.reason.is_some(), d.kind == ExitKind::Removed);
                if let Some(r) = d.revoked_on {
                    assert!(r > d.decided_on && r < today);
                    assert!(d.relapse.is_none());
                    counts[1] += 1;
                }
                if let Some(r) = d.relapse {
                    assert_eq!(d.kind, ExitKind::OutOfHardship);
                    assert!(r.below_from > Month::of_date(d.decided_on));
                    assert!(r.below_from <= last_month);
                    match r.flagged_on {
                        Some(flag) => {
                            assert!(flag > d.decided_on && flag < today);
                            assert!(flag < add_months(d.decided_on, 12));
                            counts[2] += 1;
                            if let Some(re) = r.reopened_on {
                                assert!(re > flag && re < today);
                                counts[3] += 1;
                            }
                        }
                        None => {
                            // Still followed, six months below the line.
                            assert!(add_months(d.decided_on, 12) > today);
                            assert_eq!(r.below_from, last_month.add_months(-5));
                            counts[4] += 1;
                        }
                    }
                }
                counts[5] += 1;
                // Above the line for the months before the exit.
                if d.kind == ExitKind::OutOfHardship && d.revoked_on.is_none() {
                    let m = Month::of_date(d.decided_on).pred();
                    assert_eq!(f.above_line(m, last_month), Some(true));
                }
            }
        }
        // Every kind of story occurs on every day the generator might run.
        assert!(counts.iter().all(|n| *n > 0), "{counts:?}");
    }
}
