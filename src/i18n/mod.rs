//! Everything convstep says, in every language it speaks: one table per language
//! (`en.toml`, `zh.toml`, embedded and parsed once), looked up by key with [`tr!`].
//! A third language is one more table and one more [`Lang`] variant; the tests below
//! fail when a table lacks a key another has, when a template's `{names}` differ
//! between languages, when a key is used but missing, or when a key is never used.
//!
//! A leaf: it knows nothing of the stepper, the tour or the exports.

mod errors;
mod lang;

use std::collections::HashMap;
use std::fmt::{Display, Write as _};
use std::sync::OnceLock;

pub use lang::{Lang, Localized};

/// The tables' sources, in [`Lang`]'s order.
const SOURCES: [(Lang, &str); 2] = [
    (Lang::En, include_str!("en.toml")),
    (Lang::Zh, include_str!("zh.toml")),
];

type Table = HashMap<String, String>;

/// A table's TOML as flat keys: `[status] step = "..."` is `status.step`.
fn parse(source: &str) -> Result<Table, String> {
    let value: toml::Table = toml::from_str(source).map_err(|e| e.to_string())?;
    let mut out = Table::new();
    flatten("", &value, &mut out)?;
    Ok(out)
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Table) -> Result<(), String> {
    for (name, value) in table {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out)?,
            _ => return Err(format!("{key}: not a string")),
        }
    }
    Ok(())
}

fn tables() -> &'static [Table; 2] {
    static TABLES: OnceLock<[Table; 2]> = OnceLock::new();
    // The tables are part of the binary and checked by the tests; a table that failed
    // to parse would show keys, never crash.
    TABLES.get_or_init(|| SOURCES.map(|(_, source)| parse(source).unwrap_or_default()))
}

static CHOSEN: OnceLock<Lang> = OnceLock::new();

impl Lang {
    /// Sets the language of this run (the binary does, once, from `--lang` or else
    /// the locale); later calls change nothing.
    pub fn choose(lang: Lang) {
        let _ = CHOSEN.set(lang);
    }

    /// The language chosen for this run; English where none was (the library's users
    /// and the tests, whose screens must not depend on the locale they run in).
    pub fn chosen() -> Lang {
        CHOSEN.get().copied().unwrap_or_default()
    }

    fn table(self) -> &'static Table {
        let k = SOURCES.iter().position(|(l, _)| *l == self).unwrap_or(0);
        &tables()[k]
    }

    /// The text of `key` in this language (the key itself if no table has it, which
    /// the tests rule out).
    pub fn t(self, key: &'static str) -> &'static str {
        match self.table().get(key) {
            Some(s) => s,
            None => Lang::En.table().get(key).map_or(key, String::as_str),
        }
    }

    /// The template of `key` with each `{name}` replaced by the value of `name` in
    /// `args` (a name not given is left as written).
    pub fn fmt(self, key: &'static str, args: &[(&str, &dyn Display)]) -> String {
        fill(self.t(key), args)
    }
}

fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name = after.find('}').map(|close| &after[..close]);
        match name.and_then(|name| args.iter().find(|(n, _)| *n == name)) {
            Some((name, value)) => {
                let _ = write!(out, "{value}");
                rest = &after[name.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `tr!(lang, "key")` is the key's text; `tr!(lang, "key", name = value, ...)` fills
/// the template's `{name}`s with the values' `Display`.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $key:literal) => {
        $lang.t($key)
    };
    ($lang:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $lang.fmt(
            $key,
            &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),+],
        )
    };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// The `{names}` of a template.
    fn names(template: &str) -> BTreeSet<&str> {
        template
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .collect()
    }

    fn all() -> Vec<(Lang, Table)> {
        SOURCES
            .iter()
            .map(|(lang, source)| {
                let table = parse(source).unwrap_or_else(|e| panic!("{lang:?}: {e}"));
                (*lang, table)
            })
            .collect()
    }

    #[test]
    fn every_language_has_every_key_with_the_same_names() {
        let all = all();
        let (_, en) = &all[0];
        for (lang, table) in &all[1..] {
            for key in en.keys() {
                assert!(table.contains_key(key), "{lang:?} lacks {key}");
            }
            for (key, text) in table {
                let Some(english) = en.get(key) else {
                    panic!("{lang:?} has {key}, which English does not");
                };
                assert_eq!(
                    names(text),
                    names(english),
                    "{lang:?} {key}: the {{names}} differ"
                );
                assert!(!text.trim().is_empty(), "{lang:?} {key} is empty");
            }
        }
    }

    /// Every string literal of the sources under `dir` (but this module's).
    fn literals(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("i18n") {
                    literals(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                let mut parts = source.split('"');
                parts.next();
                while let (Some(inside), Some(_)) = (parts.next(), parts.next()) {
                    out.push((inside.to_string(), path.display().to_string()));
                }
            }
        }
    }

    #[test]
    fn every_key_is_used_and_every_key_used_exists() {
        let (_, en) = &all()[0];
        let sections: BTreeSet<&str> = en.keys().filter_map(|k| k.split('.').next()).collect();
        let mut found = Vec::new();
        literals(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        // A literal `section.name` of a table's section is a key.
        let is_key = |s: &str| {
            s.split_once('.').is_some_and(|(section, name)| {
                sections.contains(section)
                    && !name.is_empty()
                    && s.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                    })
            })
        };
        let used: BTreeSet<&str> = found
            .iter()
            .map(|(s, _)| s.as_str())
            .filter(|s| is_key(s))
            .collect();
        for (key, file) in &found {
            if is_key(key) {
                assert!(
                    en.contains_key(key),
                    "{file} uses {key}, which no table has"
                );
            }
        }
        // The `err` templates are matched against English errors (see errors.rs),
        // not looked up by key: their own test says each one in every language.
        for key in en.keys().filter(|k| !k.starts_with("err.")) {
            assert!(
                used.contains(key.as_str()),
                "{key} is in the tables but never used"
            );
        }
    }

    #[test]
    fn templates_fill_their_names_and_keep_the_rest() {
        let n = 3;
        assert_eq!(
            fill("step {n}/{total}", &[("n", &n), ("total", &9)]),
            "step 3/9"
        );
        assert_eq!(fill("{a} {b", &[("a", &"x")]), "x {b");
        assert_eq!(fill("{unknown}", &[]), "{unknown}");
        assert_eq!(Lang::Zh.t("no.such.key"), "no.such.key");
    }
}
