//! Value parsers whose errors say the option, the true range and the value given.

use crate::app::Step;
pub use crate::ui::text::shown;

/// A value parser for a whole number of type `T` in `lo..=hi`, whose error says the
/// option, the true range and the value given: `--pad must be >= 0 (got -1)`.
/// `hi` at `T`'s maximum means no upper bound beyond the type's.
pub fn whole<T>(
    name: &'static str,
    lo: u64,
    hi: u64,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: TryFrom<u64> + Send + Sync + Clone + 'static,
{
    move |text: &str| {
        let s = text.trim();
        let range = if hi == u64::MAX || T::try_from(hi.saturating_add(1)).is_err() {
            format!(">= {lo}")
        } else {
            format!("in {lo}..={hi}")
        };
        let digits = s.strip_prefix('+').unwrap_or(s);
        let (negative, digits) = match digits.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, digits),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{name} must be a whole number {range} (got '{}')",
                shown(text)
            ));
        }
        let zero = digits.bytes().all(|b| b == b'0');
        let parsed = if negative && !zero {
            None
        } else {
            digits.parse::<u64>().ok()
        };
        match parsed {
            Some(n) if (lo..=hi).contains(&n) => {
                T::try_from(n).map_err(|_| format!("{name} must be {range} (got {})", shown(text)))
            }
            Some(_) => Err(format!("{name} must be {range} (got {})", shown(s))),
            None if negative => Err(format!("{name} must be {range} (got {})", shown(s))),
            None if range.starts_with("in") => {
                Err(format!("{name} must be {range} (got {})", shown(s)))
            }
            None => Err(format!(
                "{name} must be {range} and at most {hi} (got {})",
                shown(s)
            )),
        }
    }
}

/// `--step`: a 1-based number, or `last` (as tour files accept).
pub fn parse_step(s: &str) -> Result<Step, String> {
    if s.trim().eq_ignore_ascii_case("last") {
        return Ok(Step::Last);
    }
    match s.trim().parse::<usize>() {
        Ok(usize::MAX) | Err(_) => Err(format!(
            "--step must be a whole number >= 1 or `last` (got '{}')",
            shown(s)
        )),
        Ok(n) => Ok(Step::At(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_say_the_true_range() {
        let pad = whole::<usize>("--pad", 0, usize::MAX as u64);
        assert_eq!(pad("3"), Ok(3));
        assert_eq!(pad("-0"), Ok(0));
        assert_eq!(pad("-1").unwrap_err(), "--pad must be >= 0 (got -1)");
        assert_eq!(
            pad("x").unwrap_err(),
            "--pad must be a whole number >= 0 (got 'x')"
        );
        let stride = whole::<usize>("--stride", 1, usize::MAX as u64);
        assert_eq!(
            stride("18446744073709551616").unwrap_err(),
            "--stride must be >= 1 and at most 18446744073709551615 (got 18446744073709551616)"
        );
        assert_eq!(stride("0").unwrap_err(), "--stride must be >= 1 (got 0)");
        let long = "9".repeat(309);
        let err = stride(&long).unwrap_err();
        assert!(err.len() < 120, "{err}");
        let cols = whole::<u16>("--cols", 1, 1000);
        assert_eq!(
            cols("65536").unwrap_err(),
            "--cols must be in 1..=1000 (got 65536)"
        );
        assert_eq!(cols("1000"), Ok(1000));
        let seed = whole::<u64>("--seed", 0, u64::MAX);
        assert_eq!(seed("-1").unwrap_err(), "--seed must be >= 0 (got -1)");
        assert_eq!(seed("18446744073709551615"), Ok(u64::MAX));
    }
}
