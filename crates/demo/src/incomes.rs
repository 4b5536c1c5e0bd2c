//! The lines the demo identifies against and the months of incomes each
//! generated household records, shaped by what will become of it.

use crate::fate::Fate;
use crate::random::Gen;
use bangfu_domain::division;
use bangfu_domain::household::MonthlyIncome;
use bangfu_domain::lines::{Line, LineBook};
use bangfu_domain::{Fen, Month};

/// 低保标准 in fen per person per month for the demo: a province-wide value
/// from 2015 with raises in 2019 and 2023, and the demo cities' own lines
/// (illustrative figures of the right size, not official ones).
pub(crate) fn demo_lines() -> Vec<Line> {
    let mut out = Vec::new();
    let mut push = |code: &str, y: i32, fen: i64, low: Option<i64>| {
        if let Some(m) = Month::new(y, 1) {
            out.push(Line {
                division_code: code.to_owned(),
                effective: m,
                dibao_line: Fen(fen),
                low_income_line: low.map(Fen),
            });
        }
    };
    for p in division::children(None) {
        push(&p.code, 2015, 60_000, None);
        push(&p.code, 2019, 75_000, None);
        push(&p.code, 2023, 90_000, None);
    }
    // 广州、深圳、佛山、梧州 set their own.
    for (code, a, b, c) in [
        ("440100", 84_000, 108_000, 123_000),
        ("440300", 90_000, 116_000, 138_000),
        ("440600", 80_000, 100_000, 115_000),
        ("450400", 55_000, 72_000, 86_000),
    ] {
        push(code, 2015, a, None);
        push(code, 2019, b, Some(b * 3 / 2));
        push(code, 2023, c, Some(c * 3 / 2));
    }
    out
}

/// A household's usual level: its per-capita income and its rigid spending
/// (medical, schooling), in percent of the local 低保 line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Level {
    pub income_pct: u64,
    pub rigid_pct: u64,
}

/// The `recorded` months ending `last_month` of a household of `size` in
/// `region`, around its usual level and shaped by its `destiny`: above the
/// line where its exit needs it, below from a relapse, and otherwise a lean
/// month in every four, so no six months in a row above the line.
#[allow(clippy::too_many_arguments)]
pub(crate) fn months(
    r: &mut Gen,
    lines: &LineBook,
    region: &str,
    size: i64,
    level: Level,
    destiny: &Fate,
    last_month: Month,
    recorded: i32,
) -> Vec<MonthlyIncome> {
    let phase = i32::try_from(r.below(4)).unwrap_or(0);
    let mut incomes = Vec::with_capacity(usize::try_from(recorded).unwrap_or(12));
    for back in (0..recorded).rev() {
        let month = last_month.add_months(-back);
        let line = lines
            .line_for(region, month)
            .map(|l| l.dibao_line.0)
            .unwrap_or(80_000);
        let wobble = 95 + r.below_i64(11);
        let base = i64::try_from(level.income_pct).unwrap_or(100);
        let pct = match destiny.above_line(month, last_month) {
            // 108 % × 95 % > 100 %: above the line whatever the wobble.
            Some(true) => base.max(108 + r.below_i64(30)),
            // 95 % × 105 % < 100 %: below it.
            Some(false) => 60 + r.below_i64(36),
            // A lean month in every four (work lost, a bill).
            None if base >= 100
                && (month.year() * 12 + i32::try_from(month.month()).unwrap_or(0) + phase) % 4
                    == 0 =>
            {
                80 + r.below_i64(15)
            }
            None => base,
        };
        let per_capita = line * pct / 100 * wobble / 100;
        let total = per_capita * size;
        let rigid = line * size * i64::try_from(level.rigid_pct).unwrap_or(0) / 100;
        incomes.push(MonthlyIncome {
            month,
            wages: Fen(total * 7 / 10),
            business: Fen::ZERO,
            property: Fen::ZERO,
            transfer: Fen(total - total * 7 / 10),
            medical: Fen(rigid * 6 / 10),
            schooling: Fen(rigid - rigid * 6 / 10),
            emergency: Fen::ZERO,
        });
    }
    incomes
}
