//! The language everything is said in: `--lang en|zh`, by default from the locale.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// The language the locale asks for: the first set of LC_ALL, LC_MESSAGES and LANG
    /// (POSIX's order) starting with `zh` gives Chinese; anything else English.
    pub fn from_env() -> Lang {
        Lang::from_locale(|name| std::env::var(name).ok())
    }

    /// The language `--lang` names in `args` (`--lang zh` or `--lang=zh`), if it is
    /// one: for errors found before the arguments are parsed.
    pub fn from_args<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Option<Lang> {
        let args: Vec<&str> = args.iter().filter_map(|a| a.as_ref().to_str()).collect();
        let value = args.iter().enumerate().rev().find_map(|(k, a)| match *a {
            "--lang" => args.get(k + 1).copied(),
            _ => a.strip_prefix("--lang="),
        })?;
        Lang::from_str(value, true).ok()
    }

    /// As [`Lang::from_env`], reading variables through `get` (for tests).
    pub fn from_locale(get: impl Fn(&str) -> Option<String>) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| get(name))
            .find(|value| !value.is_empty());
        match locale {
            Some(value) if value.to_ascii_lowercase().starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }

    /// The words of `text` in this language.
    pub fn pick<'a, T: Localized + ?Sized>(&self, text: &'a T) -> &'a str {
        text.in_lang(*self)
    }
}

/// Text that carries its own words in every language (a walkthrough's narration).
pub trait Localized {
    fn in_lang(&self, lang: Lang) -> &str;
}

impl<T: Localized + ?Sized> Localized for &T {
    fn in_lang(&self, lang: Lang) -> &str {
        (**self).in_lang(lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang_of(vars: &[(&str, &str)]) -> Lang {
        Lang::from_locale(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn lang_is_found_among_arguments_before_parsing() {
        assert_eq!(
            Lang::from_args(&["convstep", "--lang", "zh", "x.png"]),
            Some(Lang::Zh)
        );
        assert_eq!(
            Lang::from_args(&["convstep", "shot", "--lang=en"]),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_args(&["convstep", "--lang", "fr"]), None);
        assert_eq!(Lang::from_args(&["convstep", "--lang"]), None);
        assert_eq!(Lang::from_args::<&str>(&[]), None);
    }

    #[test]
    fn the_locale_chooses_the_language() {
        assert_eq!(lang_of(&[]), Lang::En);
        assert_eq!(lang_of(&[("LANG", "zh_CN.UTF-8")]), Lang::Zh);
        assert_eq!(lang_of(&[("LANG", "en_US.UTF-8")]), Lang::En);
        // LC_ALL wins over LANG, LC_MESSAGES over LANG; empty values are skipped.
        assert_eq!(lang_of(&[("LC_ALL", "C"), ("LANG", "zh_TW")]), Lang::En);
        assert_eq!(
            lang_of(&[("LC_MESSAGES", "zh_TW"), ("LANG", "en")]),
            Lang::Zh
        );
        assert_eq!(lang_of(&[("LC_ALL", ""), ("LANG", "zh_CN")]), Lang::Zh);
    }
}
