//! `convstep bench --quick`: the benchmark runs end to end, its table names every
//! workload and its JSON holds one object per workload with the documented fields.

use assert_cmd::Command;

fn convstep() -> Command {
    Command::cargo_bin("convstep").expect("the convstep binary")
}

/// A JSON value of the flat objects `bench --json` prints: a string, a number or null.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Number(f64),
    Null,
}

/// Parses one flat JSON object (string keys; string, number or null values).
fn parse_object(line: &str) -> Vec<(String, Value)> {
    let body = line
        .trim()
        .trim_end_matches(',')
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or_else(|| panic!("not an object: {line}"));
    let mut chars = body.chars().peekable();
    let mut fields = Vec::new();
    let read_string = |chars: &mut std::iter::Peekable<std::str::Chars>| {
        assert_eq!(chars.next(), Some('"'), "a string in {line}");
        let mut text = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => return text,
                '\\' => text.push(chars.next().expect("an escaped character")),
                c => text.push(c),
            }
        }
        panic!("an unterminated string in {line}");
    };
    while chars.peek().is_some() {
        let key = read_string(&mut chars);
        assert_eq!(chars.next(), Some(':'), "a colon after {key}");
        let value = if chars.peek() == Some(&'"') {
            Value::Text(read_string(&mut chars))
        } else {
            let raw: String = std::iter::from_fn(|| chars.next_if(|&c| c != ',')).collect();
            if raw == "null" {
                Value::Null
            } else {
                Value::Number(raw.parse().unwrap_or_else(|_| panic!("{key}: {raw}")))
            }
        };
        fields.push((key, value));
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    fields
}

#[test]
fn bench_quick_prints_a_table_of_every_workload() {
    let out = convstep().args(["bench", "--quick"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for workload in [
        "engine",
        "stepper step",
        "cs231n loops",
        "frame 200x60",
        "parameter change",
        "export",
    ] {
        assert!(text.contains(workload), "no {workload} row in:\n{text}");
    }
    assert!(
        text.contains("fwd ms 1t"),
        "no single-thread column:\n{text}"
    );
}

#[test]
fn bench_quick_json_has_one_object_per_workload() {
    let out = convstep()
        .args([
            "bench",
            "--quick",
            "--json",
            "--size",
            "12x10",
            "--filters",
            "3",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"["));
    assert_eq!(lines.last(), Some(&"]"));
    let objects: Vec<_> = lines[1..lines.len() - 1]
        .iter()
        .map(|l| parse_object(l))
        .collect();
    assert!(objects.len() >= 5, "{text}");
    for fields in &objects {
        let get = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no {key} in {fields:?}"))
        };
        assert!(matches!(get("size"), Value::Text(_)));
        assert!(matches!(get("filters"), Value::Number(_)));
        assert!(matches!(get("kernel_size"), Value::Number(_)));
        for key in ["forward_ms", "backward_ms"] {
            match get(key) {
                Value::Number(ms) => assert!(ms >= 0.0 && ms.is_finite(), "{key} {ms}"),
                other => panic!("{key} is {other:?}"),
            }
        }
    }
    let engine = &objects[0];
    assert!(engine.contains(&("workload".into(), Value::Text("engine".into()))));
    assert!(engine.contains(&("size".into(), Value::Text("12x10".into()))));
    assert!(engine.contains(&("filters".into(), Value::Number(3.0))));
    assert!(engine.contains(&("kernel_size".into(), Value::Number(3.0))));
}

#[test]
fn bench_refuses_a_bad_size_in_one_line() {
    let out = convstep()
        .args(["bench", "--quick", "--size", "12by10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("convstep: error: --size must be HxW"),
        "{err}"
    );
}

/// Issue 22: every number has a range, and a size past the layer limits is refused
/// before anything is allocated (the refusal names the array).
#[test]
fn bench_refuses_repeats_and_sizes_out_of_range_in_one_line() {
    for (args, start) in [
        (
            vec!["--repeat", "18446744073709551615", "--size", "1x1"],
            "convstep: error: --repeat must be in 1..=1000",
        ),
        (
            vec!["--repeat", "4294967296"],
            "convstep: error: --repeat must be in 1..=1000",
        ),
        (
            vec!["--repeat", "0"],
            "convstep: error: --repeat must be in 1..=1000 (got 0)",
        ),
        (
            vec!["--repeat", "1001"],
            "convstep: error: --repeat must be in 1..=1000",
        ),
        (
            vec!["--size", "8192x8192"],
            "convstep: error: --size 8192x8192: the layer is too large",
        ),
        (
            vec!["--size", "1024x1024", "--filters", "64"],
            "convstep: error: --size 1024x1024: the layer is too large",
        ),
    ] {
        let out = convstep().arg("bench").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with(start), "{args:?}: {err}");
    }
}
