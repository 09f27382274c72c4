//! Text helpers shared by every message the user reads: one line of bounded length, and an
//! error's chain of causes on that line.

/// `text` on one line (newlines and runs of white space folded) of at most `max` characters;
/// a longer text is cut and ends in `…`.
pub fn one_line(text: &str, max: usize) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() <= max {
        folded
    } else {
        let cut: String = folded.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The sources of `err`, outermost first (not `err` itself): the one walk of a cause chain.
pub fn causes<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(err.source(), |cause| cause.source())
}

/// `err` and its sources, joined with `: `; a source whose text its parent already quotes is
/// left out, so wrappers that repeat their cause do not print it twice.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    for cause in causes(err) {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_folds_and_cuts() {
        assert_eq!(one_line("a\n\tb   c", 10), "a b c");
        assert_eq!(one_line("abcdefghij", 5), "abcd…");
        assert_eq!(one_line("a\n  b\tc ", usize::MAX), "a b c");
    }

    #[derive(Debug)]
    struct Wrap(&'static str, Option<Box<Wrap>>);
    impl std::fmt::Display for Wrap {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Wrap {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|w| w as _)
        }
    }

    #[test]
    fn chains_skip_causes_the_parent_already_quotes() {
        let err = Wrap(
            "send failed: refused",
            Some(Box::new(Wrap("refused", Some(Box::new(Wrap("os error 111", None)))))),
        );
        assert_eq!(error_chain(&err), "send failed: refused: os error 111");
        assert_eq!(causes(&err).last().unwrap().to_string(), "os error 111");
        assert_eq!(causes(&Wrap("alone", None)).count(), 0);
    }
}
