//! Errors in the user's language. convstep's errors are written in English where they
//! arise (the maths, the input readers, the argument checks); the `[err]` templates of
//! each table name the ones a student meets (a file not found, not an image, a shape
//! that does not fit, impossible parameters). An English message that matches an
//! English template is said with the other language's template, its `{values}` carried
//! over (and themselves said again where they are a known message, as an I/O reason
//! is); any other message stays as it is.

use super::Lang;

/// The pieces of a template: the literal text around its `{names}`, and the names.
fn pieces(template: &str) -> (Vec<&str>, Vec<&str>) {
    let mut literals = Vec::new();
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        literals.push(&rest[..open]);
        names.push(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    literals.push(rest);
    (literals, names)
}

/// The values of `template`'s names in `message`, if it matches: each name takes the
/// shortest text up to the next literal, the last one all up to the final literal.
fn capture<'m>(template: &str, message: &'m str) -> Option<Vec<(String, &'m str)>> {
    let (literals, names) = pieces(template);
    let mut rest = message.strip_prefix(literals[0])?;
    let mut values = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let next = literals[k + 1];
        let last = k + 1 == names.len();
        let end = if last {
            rest.strip_suffix(next)?.len()
        } else if next.is_empty() {
            return None;
        } else {
            rest.find(next)?
        };
        if end == 0 {
            return None;
        }
        values.push((name.to_string(), &rest[..end]));
        rest = &rest[end + next.len()..];
    }
    (names.is_empty() && rest.is_empty() || !names.is_empty()).then_some(values)
}

impl Lang {
    /// `message` (one English error, without its causes) in this language.
    pub fn error(self, message: &str) -> String {
        self.error_at(message, 0)
    }

    fn error_at(self, message: &str, depth: usize) -> String {
        if self == Lang::En || depth > 2 {
            return message.to_string();
        }
        let english = Lang::En.table();
        let mut templates: Vec<(&String, &String)> = english
            .iter()
            .filter(|(key, _)| key.starts_with("err."))
            .collect();
        // The most literal text first, so that a specific template wins over a general one.
        templates.sort_by_key(|(key, t)| {
            let (literals, _) = pieces(t);
            (
                std::cmp::Reverse(literals.iter().map(|l| l.len()).sum::<usize>()),
                (*key).clone(),
            )
        });
        for (key, template) in templates {
            if let Some(values) = capture(template, message) {
                let said: Vec<(String, String)> = values
                    .into_iter()
                    .map(|(name, value)| (name, self.error_at(value, depth + 1)))
                    .collect();
                let args: Vec<(&str, &dyn std::fmt::Display)> = said
                    .iter()
                    .map(|(name, value)| (name.as_str(), value as &dyn std::fmt::Display))
                    .collect();
                let theirs = self
                    .table()
                    .get(key.as_str())
                    .map_or(template.as_str(), String::as_str);
                return super::fill(theirs, &args);
            }
        }
        message.to_string()
    }

    /// An error and its causes, outermost first, as the one line after
    /// `convstep: error: `.
    pub fn error_line<S: AsRef<str>>(self, causes: &[S]) -> String {
        let said: Vec<String> = causes.iter().map(|c| self.error(c.as_ref())).collect();
        said.join(if self == Lang::En { ": " } else { "：" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_captures_its_values() {
        let got = capture(
            "'{name}': cannot read it: {reason}",
            "'a: b.png': cannot read it: gone",
        );
        assert_eq!(
            got,
            Some(vec![("name".into(), "a: b.png"), ("reason".into(), "gone")])
        );
        assert_eq!(capture("no {x} here", "no value there"), None);
        assert_eq!(capture("exact", "exact"), Some(vec![]));
        assert_eq!(capture("exact", "exact!"), None);
    }

    #[test]
    fn every_error_template_is_said_in_every_language() {
        let english = Lang::En.table();
        for (key, template) in english.iter().filter(|(k, _)| k.starts_with("err.")) {
            let (_, names) = pieces(template);
            let values: Vec<String> = (0..names.len()).map(|k| format!("V{k}")).collect();
            let args: Vec<(&str, &dyn std::fmt::Display)> = names
                .iter()
                .zip(&values)
                .map(|(n, v)| (*n, v as &dyn std::fmt::Display))
                .collect();
            let message = super::super::fill(template, &args);
            assert_eq!(Lang::En.error(&message), message);
            let zh = Lang::Zh.error(&message);
            let want = super::super::fill(Lang::Zh.table()[key].as_str(), &args);
            assert_eq!(zh, want, "{key}: {message}");
        }
    }

    #[test]
    fn an_io_reason_inside_a_message_is_said_too() {
        let line = Lang::Zh.error_line(&["'cat.png': cannot read it: No such file or directory"]);
        assert_eq!(line, "无法读取 'cat.png'：没有这个文件或目录");
        let line = Lang::Zh.error_line(&["'notes.txt'", "not an image format convstep can read"]);
        assert_eq!(line, "'notes.txt'：不是 convstep 能读取的图像格式");
        assert_eq!(Lang::Zh.error("something else"), "something else");
    }
}
