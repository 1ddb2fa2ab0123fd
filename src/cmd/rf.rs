//! `convstep rf`: the receptive field of every layer of a stack, as a table or JSON, no
//! terminal needed. Thin over [`crate::conv::receptive_fields`].

use std::fmt::Write as _;

use anyhow::{Result, bail};
use clap::Args;
use unicode_width::UnicodeWidthStr;

use crate::conv::{BUILTIN_NETS, FieldRow, LayerSpec, builtin_net, receptive_fields};
use crate::i18n::Lang;
use crate::input::parse_layers;
use crate::tr;

#[derive(Debug, Clone, Args)]
pub struct RfArgs {
    /// The stack: items separated by `;`, each `conv K [sS] [pP] [dD] [fF]`,
    /// `pool K [sS]` or `relu` (see docs/stack.md).
    #[arg(
        long,
        value_name = "SPEC",
        required_unless_present = "net",
        conflicts_with = "net"
    )]
    pub layers: Option<String>,
    /// A built-in network instead of --layers: alexnet (torchvision's features) or vgg16.
    #[arg(long, value_name = "NAME")]
    pub net: Option<String>,
    /// The input's side N (an NxN input). Default: 224 with --net; needed with --layers.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = super::whole::<usize>("--input", 1, 1 << 20))]
    pub input: Option<usize>,
    /// Print a JSON list, one object per layer, instead of the table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &RfArgs) -> Result<()> {
    let (name, default_input, specs) = match (&args.net, &args.layers) {
        (Some(net), _) => {
            let name = net.trim().to_ascii_lowercase();
            let Some((input, specs)) = builtin_net(&name) else {
                bail!(
                    "unknown network '{net}' (known: {})",
                    BUILTIN_NETS.join(", ")
                );
            };
            (name, Some(input), specs)
        }
        (None, Some(text)) => (String::new(), None, parse_layers(text)?),
        (None, None) => bail!("give --layers SPEC or --net NAME"),
    };
    let Some(input) = args.input.or(default_input) else {
        bail!("--input N is needed with --layers: the side of the NxN input");
    };
    let rows = receptive_fields(&specs, (input, input))?;
    let text = if args.json {
        json(&rows)
    } else {
        table(&name, input, &rows, Lang::chosen())
    };
    print!("{text}");
    Ok(())
}

/// The table: a title line, then one row per layer with kind, kernel, stride, pad,
/// dilation, output size, rf, jump and start, columns right-aligned.
pub fn table(name: &str, input: usize, rows: &[FieldRow], lang: Lang) -> String {
    let mut out = String::new();
    let title = if name.is_empty() {
        tr!(lang, "rf.title", input = format!("{input}x{input}"))
    } else {
        tr!(
            lang,
            "rf.title_net",
            net = name,
            input = format!("{input}x{input}")
        )
    };
    let _ = writeln!(out, "{title}");
    let head = [
        "#",
        tr!(lang, "rf.layer"),
        tr!(lang, "rf.kernel"),
        tr!(lang, "rf.stride"),
        tr!(lang, "rf.pad"),
        tr!(lang, "rf.dilation"),
        tr!(lang, "rf.out"),
        "rf",
        tr!(lang, "rf.jump"),
        tr!(lang, "rf.start"),
    ];
    let mut cells: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
    for (k, r) in rows.iter().enumerate() {
        cells.push(vec![
            (k + 1).to_string(),
            r.spec.to_string(),
            r.kernel.to_string(),
            r.stride.to_string(),
            r.pad.to_string(),
            r.dilation.to_string(),
            format!("{}x{}", r.out.0, r.out.1),
            r.rf.to_string(),
            r.jump.to_string(),
            r.start.to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|c| cells.iter().map(|row| row[c].width()).max().unwrap_or(0))
        .collect();
    for row in &cells {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let gap = " ".repeat(widths[c] - cell.width());
            // The layer's item reads left to right; numbers line up on the right.
            if c == 1 {
                let _ = write!(line, "  {cell}{gap}");
            } else {
                let _ = write!(line, "{}{gap}{cell}", if c == 0 { "" } else { "  " });
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// One JSON object per layer: index, layer, kind, kernel, stride, pad, dilation,
/// filters (null where the SPEC leaves it to the input), out (the NxN output's side),
/// rf, jump, start.
pub fn json(rows: &[FieldRow]) -> String {
    let mut out = String::from("[\n");
    for (k, r) in rows.iter().enumerate() {
        let filters = match r.spec {
            LayerSpec::Conv(c) => c.filters.map_or("null".into(), |f| f.to_string()),
            _ => "null".into(),
        };
        let _ = write!(
            out,
            "  {{\"index\": {}, \"layer\": \"{}\", \"kind\": \"{}\", \"kernel\": {}, \"stride\": {}, \"pad\": {}, \"dilation\": {}, \"filters\": {filters}, \"out\": {}, \"rf\": {}, \"jump\": {}, \"start\": {}}}",
            k + 1,
            r.spec,
            r.spec.kind(),
            r.kernel,
            r.stride,
            r.pad,
            r.dilation,
            r.out.0,
            r.rf,
            r.jump,
            r.start
        );
        out.push_str(if k + 1 < rows.len() { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lines_up_in_both_languages() {
        let specs = parse_layers("conv 3 p1 f4; relu; conv 3 s2 p1; pool 2").unwrap();
        let rows = receptive_fields(&specs, (32, 32)).unwrap();
        let en = table("", 32, &rows, Lang::En);
        assert_eq!(
            en,
            "\
stack on a 32x32 input
#  layer         kernel  stride  pad  dilation    out  rf  jump  start
1  conv 3 p1 f4       3       1    1         1  32x32   3     1     -1
2  relu               1       1    0         1  32x32   3     1     -1
3  conv 3 s2 p1       3       2    1         1  16x16   5     2     -2
4  pool 2             2       2    0         1    8x8   7     4     -2
"
        );
        let zh = table("", 32, &rows, Lang::Zh);
        let widths: Vec<usize> = zh.lines().skip(1).map(UnicodeWidthStr::width).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{zh}");
    }

    #[test]
    fn json_has_one_object_per_layer() {
        let specs = parse_layers("conv 3 d2 f8; pool 3 s2").unwrap();
        let rows = receptive_fields(&specs, (9, 9)).unwrap();
        assert_eq!(
            json(&rows),
            "[
  {\"index\": 1, \"layer\": \"conv 3 d2 f8\", \"kind\": \"conv\", \"kernel\": 3, \"stride\": 1, \"pad\": 0, \"dilation\": 2, \"filters\": 8, \"out\": 5, \"rf\": 5, \"jump\": 1, \"start\": 0},
  {\"index\": 2, \"layer\": \"pool 3 s2\", \"kind\": \"pool\", \"kernel\": 3, \"stride\": 2, \"pad\": 0, \"dilation\": 1, \"filters\": null, \"out\": 2, \"rf\": 7, \"jump\": 2, \"start\": 0}
]
"
        );
    }
}
