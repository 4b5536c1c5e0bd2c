//! The limits of the public calculators: the self-check page (/check) and
//! the stateless identification and leaving evaluations of the API, which
//! anyone may call without a file. One set, so the page and the API accept
//! the same households.

use crate::ValidationError;

/// The largest household the calculators evaluate.
pub const MAX_HOUSEHOLD_SIZE: u32 = 50;

/// The most months one evaluation may carry (fifty years): enough for any
/// history, small enough that an anonymous request stays cheap.
pub const MAX_MONTHS: usize = 600;

/// The months the self-check page asks for: the default identification window.
pub const CHECK_MONTHS: i32 = 6;

/// A household size the calculators accept: 1 to [`MAX_HOUSEHOLD_SIZE`] people.
pub fn household_size(raw: i64) -> Option<u32> {
    u32::try_from(raw)
        .ok()
        .filter(|s| (1..=MAX_HOUSEHOLD_SIZE).contains(s))
}

/// Refuses more than [`MAX_MONTHS`] months, naming `field`.
pub fn check_month_count(field: &'static str, count: usize) -> Result<(), ValidationError> {
    if count > MAX_MONTHS {
        return Err(ValidationError::new(
            field,
            format!("月份不能超过 {MAX_MONTHS} 个"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn household_sizes_from_one_to_the_limit() {
        for (raw, expected) in [
            (-1, None),
            (0, None),
            (1, Some(1)),
            (50, Some(50)),
            (51, None),
            (i64::MAX, None),
        ] {
            assert_eq!(household_size(raw), expected, "{raw}");
        }
    }

    #[test]
    fn month_counts_up_to_the_limit() {
        assert!(check_month_count("months", MAX_MONTHS).is_ok());
        let e = check_month_count("months", MAX_MONTHS + 1).unwrap_err();
        assert_eq!(e.field, "months");
        assert_eq!(e.message, "月份不能超过 600 个");
    }
}
