//! The notification itself: the summary text and the run report it was made from, and the
//! two template variables that approved-template channels (Meta, Twilio) get instead of text.
//!
//! Meta refuses a template parameter holding a newline, a tab or more than four spaces in a
//! row (400 "Param text cannot have new-line/tab characters or more than 4 consecutive
//! spaces"); Twilio's content variables end up in the same Meta template. So the summary is
//! flattened: lines joined with ` · `, every run of white space folded to one space.

use crate::report::RunReport;

/// What a finished run tells each channel.
#[derive(Clone, Copy, Debug)]
pub struct Notification<'a> {
    /// The human summary, exactly as printed on stdout ([`RunReport::summary`]).
    pub text: &'a str,
    /// The run report, for channels that post structured data (the webhook).
    pub report: &'a RunReport,
}

impl Notification<'_> {
    /// The template variables of this notification: see [`template_params`].
    pub fn template_params(&self) -> [String; 2] {
        template_params(self.text)
    }
}

/// The template variables for a summary: `{{1}}` the status line, `{{2}}` the rest of the
/// summary on one line (`-` when there is no rest, as Meta refuses an empty parameter).
pub fn template_params(text: &str) -> [String; 2] {
    let mut lines = text.lines();
    let head = flatten(lines.next().unwrap_or_default());
    let rest = flatten(&lines.collect::<Vec<_>>().join("\n"));
    let dash = |s: String| if s.is_empty() { "-".to_string() } else { s };
    [dash(head), dash(rest)]
}

/// `text` with lines joined by ` · ` and every run of white space (newline, tab, spaces)
/// folded to one space: a valid Meta template parameter.
pub fn flatten(text: &str) -> String {
    text.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flatten_leaves_no_newline_tab_or_space_run() {
        let flat = flatten("✅ *Oura sync*\tok\n\ndaily_sleep:      7\r\nheartrate: 2016  ");
        assert_eq!(flat, "✅ *Oura sync* ok · daily_sleep: 7 · heartrate: 2016");
        assert!(!flat.contains("  ") && !flat.contains('\n') && !flat.contains('\t'));
    }

    #[test]
    fn template_params_split_the_status_line_from_the_rest() {
        let [head, rest] =
            template_params("⚠️ *Oura sync partial*\n❌ sleep: HTTP 500\ndaily_sleep: 7");
        assert_eq!(head, "⚠️ *Oura sync partial*");
        assert_eq!(rest, "❌ sleep: HTTP 500 · daily_sleep: 7");
        assert_eq!(template_params("✅ ok"), ["✅ ok".to_string(), "-".to_string()]);
    }
}
