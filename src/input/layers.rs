//! The SPEC of a stack (`--layers`, a tour scene's `layers`): items separated by `;`,
//!
//! - `conv K [sS] [pP] [dD] [fF]`: a KxK convolution, stride S (default 1), zero padding
//!   P (default 0), dilation D (default 1), F filters (default: as many as its input has
//!   channels);
//! - `pool K [sS]`: KxK max pooling, stride S (default K), no padding;
//! - `relu`.
//!
//! Pure parsing into [`LayerSpec`]s: whether the layers fit the input is the stack's
//! check ([`crate::conv::Net::new`], [`crate::conv::receptive_fields`]). An error names
//! the item by its place (1-based) and its text.

use thiserror::Error;

use crate::conv::{ConvParams, ConvSpec, LayerSpec, PoolParams};

/// The largest number a SPEC takes (K, S, P, D, F): far beyond any input convstep can
/// hold, small enough that no field arithmetic overflows.
pub const MAX_SPEC_NUMBER: usize = 100_000;

/// The three items of the grammar, as the errors quote them.
pub const USAGE: [&str; 3] = ["conv K [sS] [pP] [dD] [fF]", "pool K [sS]", "relu"];

/// A SPEC that does not parse: the item (1-based) and why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LayersError {
    #[error("--layers is empty: give layers separated by ';', e.g. \"conv 3 p1 f4; relu; pool 2\"")]
    Empty,
    #[error("--layers item {index} '{item}': {reason}")]
    Item {
        index: usize,
        item: String,
        reason: String,
    },
}

/// Parses a SPEC such as `"conv 3 p1 f4; relu; conv 3 s2 p1; pool 2"`. Kinds and
/// option letters are case-insensitive; a trailing `;` is allowed.
pub fn parse_layers(text: &str) -> Result<Vec<LayerSpec>, LayersError> {
    let mut items: Vec<&str> = text.split(';').collect();
    if items.len() > 1 && items.last().is_some_and(|s| s.trim().is_empty()) {
        items.pop();
    }
    if items.iter().all(|s| s.trim().is_empty()) {
        return Err(LayersError::Empty);
    }
    items
        .iter()
        .enumerate()
        .map(|(k, item)| {
            parse_item(item).map_err(|reason| LayersError::Item {
                index: k + 1,
                item: item.trim().to_string(),
                reason,
            })
        })
        .collect()
}

/// One item, or why it is wrong (the reason alone: the caller names the item).
fn parse_item(item: &str) -> Result<LayerSpec, String> {
    let lower = item.to_ascii_lowercase();
    let mut words = lower.split_whitespace();
    let Some(kind) = words.next() else {
        return Err("the item is empty (two ';' in a row?)".into());
    };
    let rest: Vec<&str> = words.collect();
    match kind {
        "conv" => {
            let (kernel, opts) = kernel_and_options(&rest, USAGE[0], "sdpf")?;
            let get = |c: char, default: usize| opts.get(c).unwrap_or(default);
            Ok(LayerSpec::Conv(ConvSpec {
                kernel,
                params: ConvParams {
                    stride: get('s', 1),
                    pad: get('p', 0),
                    dilation: get('d', 1),
                },
                filters: opts.get('f'),
            }))
        }
        "pool" => {
            let (kernel, opts) = kernel_and_options(&rest, USAGE[1], "s")?;
            Ok(LayerSpec::Pool(PoolParams {
                kernel,
                stride: opts.get('s').unwrap_or(kernel),
            }))
        }
        "relu" => match rest.first() {
            None => Ok(LayerSpec::Relu),
            Some(word) => Err(format!("relu takes no options (got '{word}')")),
        },
        _ => Err(format!(
            "unknown layer '{kind}' (known: {})",
            USAGE.join(", ")
        )),
    }
}

/// The options given, by letter.
#[derive(Default)]
struct Options(Vec<(char, usize)>);

impl Options {
    fn get(&self, letter: char) -> Option<usize> {
        self.0.iter().find(|(c, _)| *c == letter).map(|(_, v)| *v)
    }
}

/// K and the lettered options after it (each of `letters` at most once).
fn kernel_and_options(
    words: &[&str],
    usage: &str,
    letters: &str,
) -> Result<(usize, Options), String> {
    let Some((first, rest)) = words.split_first() else {
        return Err(format!("the kernel size K is missing: write {usage}"));
    };
    let kernel = number(first, "the kernel size K", 1).map_err(|e| {
        if first.starts_with(|c: char| c.is_ascii_alphabetic()) {
            format!("the kernel size K is missing before '{first}': write {usage}")
        } else {
            e
        }
    })?;
    let mut opts = Options::default();
    for word in rest {
        let letter = word.chars().next().unwrap_or(' ');
        if !letters.contains(letter) {
            return Err(format!("'{word}' is not an option here: write {usage}"));
        }
        if opts.get(letter).is_some() {
            return Err(format!("'{letter}' is given twice"));
        }
        let (what, min) = match letter {
            's' => ("the stride S", 1),
            'p' => ("the padding P", 0),
            'd' => ("the dilation D", 1),
            _ => ("the filter count F", 1),
        };
        let digits = &word[1..];
        if digits.is_empty() {
            return Err(format!(
                "a number is missing after '{letter}': write {usage}"
            ));
        }
        opts.0.push((letter, number(digits, what, min)?));
    }
    Ok((kernel, opts))
}

fn number(word: &str, what: &str, min: usize) -> Result<usize, String> {
    match word.parse::<usize>() {
        Ok(v) if (min..=MAX_SPEC_NUMBER).contains(&v) => Ok(v),
        _ => Err(format!(
            "{what} must be a whole number from {min} to {MAX_SPEC_NUMBER} (got '{word}')"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse_layers(text).unwrap_err().to_string()
    }

    #[test]
    fn the_issue_example_parses_with_its_defaults() {
        let specs = parse_layers("conv 3 p1 f4; relu; conv 3 s2 p1; pool 2").unwrap();
        assert_eq!(
            specs,
            vec![
                LayerSpec::conv(3, 1, 1, 1).filters(4),
                LayerSpec::Relu,
                LayerSpec::conv(3, 2, 1, 1),
                LayerSpec::pool(2, 2),
            ]
        );
        assert_eq!(
            crate::conv::spec_text(&specs),
            "conv 3 p1 f4; relu; conv 3 s2 p1; pool 2"
        );
    }

    #[test]
    fn options_come_in_any_order_and_any_case() {
        let specs = parse_layers(" CONV 5 f2 d2 S3 p0 ;pool 3 s1;").unwrap();
        assert_eq!(
            specs,
            vec![
                LayerSpec::conv(5, 3, 0, 2).filters(2),
                LayerSpec::pool(3, 1)
            ]
        );
    }

    #[test]
    fn errors_name_the_item_by_place_and_text() {
        assert_eq!(
            err("conv 3; max 2"),
            "--layers item 2 'max 2': unknown layer 'max' (known: conv K [sS] [pP] [dD] [fF], pool K [sS], relu)"
        );
        assert_eq!(
            err("relu; conv"),
            "--layers item 2 'conv': the kernel size K is missing: write conv K [sS] [pP] [dD] [fF]"
        );
        assert_eq!(
            err("conv s2"),
            "--layers item 1 'conv s2': the kernel size K is missing before 's2': write conv K [sS] [pP] [dD] [fF]"
        );
        assert_eq!(
            err("conv 3 s"),
            "--layers item 1 'conv 3 s': a number is missing after 's': write conv K [sS] [pP] [dD] [fF]"
        );
        assert_eq!(
            err("pool 2 p1"),
            "--layers item 1 'pool 2 p1': 'p1' is not an option here: write pool K [sS]"
        );
        assert_eq!(
            err("conv 3 s0"),
            "--layers item 1 'conv 3 s0': the stride S must be a whole number from 1 to 100000 (got '0')"
        );
        assert_eq!(
            err("conv 3 s2 s1"),
            "--layers item 1 'conv 3 s2 s1': 's' is given twice"
        );
        assert_eq!(
            err("relu x"),
            "--layers item 1 'relu x': relu takes no options (got 'x')"
        );
        assert_eq!(
            err("relu;; relu"),
            "--layers item 2 '': the item is empty (two ';' in a row?)"
        );
        assert!(err(" ; ").starts_with("--layers is empty"));
        assert!(err("conv 0").contains("from 1 to"));
        assert!(err("conv -1").contains("(got '-1')"));
        assert!(err("conv 3 p-1").contains("the padding P"));
    }
}
