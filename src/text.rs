//! Text helpers shared by every message the user reads: one line of bounded length, an
//! error's chain of causes on that line, a message's markup taken off for a terminal, and a
//! rough human duration.

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

/// `text` without its WhatsApp/Telegram bold markup (`*Oura sync success*` → `Oura sync
/// success`): the summary as a terminal shows it. Only pairs on one line count, each star
/// touching its word (`*bold*`), so a lone `*` or `2 * 3` stays as it is.
pub fn without_markup(text: &str) -> String {
    text.split('\n').map(line_without_bold).collect::<Vec<_>>().join("\n")
}

/// One line of [`without_markup`].
fn line_without_bold(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let opens = |i: usize| chars.get(i + 1).is_some_and(|c| !c.is_whitespace() && *c != '*');
    let closes = |i: usize| i > 0 && !chars[i - 1].is_whitespace();
    let mut drop = vec![false; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '*'
            && opens(i)
            && let Some(j) = (i + 2..chars.len()).find(|&j| chars[j] == '*' && closes(j))
        {
            drop[i] = true;
            drop[j] = true;
            i = j + 1;
            continue;
        }
        i += 1;
    }
    chars.iter().zip(drop).filter(|(_, d)| !d).map(|(c, _)| c).collect()
}

/// A rough, human duration between two instants ("3 h", "2 d").
pub fn age(from: jiff::Timestamp, to: jiff::Timestamp) -> String {
    let secs = from.duration_until(to).as_secs().max(0);
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        7200..=172_799 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
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

    /// The summary's bold markup goes at a terminal; a lone or spaced star, type names with
    /// underscores and the backticks around a command stay.
    #[test]
    fn without_markup_takes_off_bold_pairs_only() {
        assert_eq!(
            without_markup(
                "✅ *Oura sync success* 2026-11-17 → 2026-11-23 (1.4 s)\ndaily_sleep: 7"
            ),
            "✅ Oura sync success 2026-11-17 → 2026-11-23 (1.4 s)\ndaily_sleep: 7"
        );
        assert_eq!(
            without_markup("🔑 *Login needed:* run `oura-sync auth`"),
            "🔑 Login needed: run `oura-sync auth`"
        );
        assert_eq!(
            without_markup("⚡ *Energy: Low*: Readiness 77."),
            "⚡ Energy: Low: Readiness 77."
        );
        assert_eq!(without_markup("2 * 3 and a *lone star"), "2 * 3 and a *lone star");
        assert_eq!(without_markup("*a*\n*b"), "a\n*b");
    }

    /// Durations read as a person would say them, in the largest unit that keeps them exact
    /// enough.
    #[test]
    fn ages_read_naturally() {
        let t = |s| jiff::Timestamp::from_second(s).unwrap();
        assert_eq!(age(t(0), t(30)), "30 s");
        assert_eq!(age(t(0), t(600)), "10 min");
        assert_eq!(age(t(0), t(3 * 3600)), "3 h");
        assert_eq!(age(t(0), t(5 * 86_400)), "5 d");
    }
}
