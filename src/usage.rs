//! What each command's `--help` ends with and what its man page says beyond the options: a
//! few examples and the meaning of each exit code (CONTRACT §6). One table, so the help text
//! and the man pages cannot disagree.

/// The examples and exit codes of one command.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// The subcommand's name (`""` for `oura-sync` itself).
    pub command: &'static str,
    /// `(command line, what it does)`.
    pub examples: &'static [(&'static str, &'static str)],
    /// `(code, meaning)`, in ascending order.
    pub exit_codes: &'static [(u8, &'static str)],
}

const USAGE_ERROR: (u8, &str) =
    (2, "a usage or configuration error (the line says which); nothing was written");
const LOGIN_NEEDED: (u8, &str) = (3, "a new login is needed: run `oura-sync auth`");
const PRINTED: &[(u8, &str)] = &[
    (0, "printed (a reader that closes the pipe early, such as `head`, is fine too)"),
    (1, "the output could not be written"),
    USAGE_ERROR,
];

/// Every command's usage, `oura-sync` itself first.
pub const USAGES: &[Usage] = &[
    Usage {
        command: "",
        examples: &[
            ("oura-sync auth", "log in once (needs OURA_CLIENT_ID and OURA_CLIENT_SECRET)"),
            ("oura-sync sync", "the last 7 days of every type into ./oura-lake"),
            ("oura-sync sync --sandbox", "Oura's sandbox, no account needed"),
            ("oura-sync status", "the last runs and the last day of each type"),
            ("oura-sync doctor", "check every setting, the login and the destination"),
        ],
        exit_codes: &[
            (0, "every type ok, empty or skipped"),
            (1, "a type failed (the others were written)"),
            USAGE_ERROR,
            LOGIN_NEEDED,
        ],
    },
    Usage {
        command: "auth",
        examples: &[
            ("oura-sync auth", "open the browser, log in, write .oura-tokens.json"),
            ("oura-sync auth --no-browser", "on a server: open the printed URL elsewhere"),
        ],
        exit_codes: &[
            (0, "logged in; the tokens file is written"),
            (1, "the login failed (Oura refused it, the network, or the wait ran out)"),
            (
                2,
                "a usage or configuration error, such as a missing OURA_CLIENT_ID or OURA_CLIENT_SECRET",
            ),
        ],
    },
    Usage {
        command: "refresh",
        examples: &[("oura-sync refresh", "refresh the access token now")],
        exit_codes: &[
            (0, "refreshed (or another oura-sync had just refreshed it)"),
            (1, "Oura or the network failed; the login is unchanged"),
            USAGE_ERROR,
            LOGIN_NEEDED,
        ],
    },
    Usage {
        command: "sync",
        examples: &[
            ("oura-sync sync", "the last OURA_DAYS (7) days ending today"),
            ("oura-sync sync 2026-11-30", "the 7 days ending on 30 November"),
            (
                "oura-sync sync --from 2024-01-01",
                "a backfill up to today (resumes where it stopped)",
            ),
            ("oura-sync sync --types heartrate,daily_sleep --days 2", "two types, two days"),
            ("oura-sync sync --dest s3://my-lake/oura --json", "into S3, the run report as JSON"),
        ],
        exit_codes: &[
            (0, "every type ok, empty or skipped (a failed notification alone still exits 0)"),
            (1, "a type failed (the others were written), or the run could not be recorded"),
            USAGE_ERROR,
            LOGIN_NEEDED,
        ],
    },
    Usage {
        command: "status",
        examples: &[
            ("oura-sync status", "the last runs and, per type, the last day synced"),
            ("oura-sync status --dest s3://my-lake/oura --json", "an S3 lake, as JSON"),
        ],
        exit_codes: &[
            (0, "the status was printed"),
            (1, "the lake or its ledger could not be read"),
            USAGE_ERROR,
        ],
    },
    Usage {
        command: "silver",
        examples: &[
            ("oura-sync silver", "rebuild every month of the silver tables from bronze"),
            ("oura-sync silver --from 2026-01-01 --types daily_sleep", "one type, from January"),
        ],
        exit_codes: &[
            (0, "every month asked for was written"),
            (1, "a month could not be built or written (the others were)"),
            USAGE_ERROR,
        ],
    },
    Usage {
        command: "migrate",
        examples: &[
            ("oura-sync migrate --timezone Asia/Tokyo", "file the lake's days in another zone"),
            ("oura-sync migrate --layout bio-lakehouse", "lay the lake's objects out anew"),
        ],
        exit_codes: &[
            (0, "every object is re-filed and the lake records the new value"),
            (1, "an object could not be read or written; run the same command again to finish"),
            USAGE_ERROR,
        ],
    },
    Usage {
        command: "repair",
        examples: &[(
            "oura-sync repair",
            "rebuild the ledger's day entries from the lake's objects",
        )],
        exit_codes: &[
            (0, "the ledger lists every object the lake holds"),
            (1, "an object could not be read, or the ledger not written"),
            USAGE_ERROR,
        ],
    },
    Usage {
        command: "dashboard",
        examples: &[
            ("oura-sync dashboard --open", "the last 90 days, opened in the browser"),
            ("oura-sync dashboard --days 365 --out year.html", "a year, into year.html"),
        ],
        exit_codes: &[
            (0, "the page was written"),
            (1, "the lake could not be read or the page not written"),
            USAGE_ERROR,
        ],
    },
    Usage {
        command: "mcp",
        examples: &[
            (
                "oura-sync mcp --env-file /home/me/oura/.env.oura",
                "serve the lake the sync fills to an assistant (it starts this itself)",
            ),
            ("oura-sync mcp --dest s3://my-lake/oura", "serve an S3 lake (its ledger table set)"),
        ],
        exit_codes: &[
            (0, "the client closed the session"),
            (1, "the session broke off (the client never initialised it, or the pipe failed)"),
            USAGE_ERROR,
        ],
    },
    Usage {
        command: "doctor",
        examples: &[
            ("oura-sync doctor", "check everything, without syncing"),
            ("oura-sync doctor --dest s3://my-lake/oura", "another lake (as status takes it)"),
            ("oura-sync doctor --send-test", "also send a test message on every channel"),
        ],
        exit_codes: &[
            (0, "every check passed"),
            (1, "a check failed (the line says what to do)"),
            (2, "a setting is invalid"),
        ],
    },
    Usage {
        command: "athena",
        examples: &[
            ("oura-sync athena", "the statements for OURA_DESTINATION's lake and its silver"),
            (
                "oura-sync athena --dest s3://my-lake/oura --database health",
                "another lake, its tables in the databases health and health_silver",
            ),
        ],
        exit_codes: PRINTED,
    },
    Usage {
        command: "tokens",
        examples: &[
            (
                "oura-sync tokens move --to secretsmanager://oura-sync/login",
                "move the login from the tokens file into a Secrets Manager secret",
            ),
            (
                "oura-sync tokens move --to dynamodb://oura-sync-ledger",
                "move it into an item of a DynamoDB table instead",
            ),
        ],
        exit_codes: &[
            (0, "moved (or it was there already); the source holds no usable token"),
            (1, "a store could not be read or written; the login is where it was, or in both"),
            (2, "a usage error, or another login is already at --to (use --force)"),
            LOGIN_NEEDED,
        ],
    },
    Usage {
        command: "serve",
        examples: &[
            ("oura-sync serve", "receive webhooks on 127.0.0.1:8787, behind a reverse proxy"),
            (
                "oura-sync serve --listen 0.0.0.0:8787 --dest /srv/oura-lake",
                "listen on every interface, into another lake",
            ),
        ],
        exit_codes: &[
            (0, "stopped by SIGTERM or Ctrl-C; what was not applied is recorded as pending"),
            (1, "the address cannot be listened on, or the server failed"),
            USAGE_ERROR,
        ],
    },
    Usage {
        command: "webhooks",
        examples: &[
            (
                "oura-sync webhooks subscribe --url https://oura.example.org/hook",
                "subscribe every synced type to the receiver at that URL (only what is missing)",
            ),
            ("oura-sync webhooks list", "the subscriptions with their expiry, and what is missing"),
            ("oura-sync webhooks renew --within-days 14", "renew those expiring within 14 days"),
            ("oura-sync webhooks delete --url https://oura.example.org/hook", "unsubscribe a URL"),
        ],
        exit_codes: &[
            (0, "done: every subscription asked for exists, was made, renewed or deleted"),
            (1, "a subscription failed (each line says why), or the ledger could not record them"),
            (
                2,
                "a usage or configuration error, such as a missing OURA_WEBHOOK_TOKEN, \
                 OURA_CLIENT_ID or OURA_CLIENT_SECRET, or credentials Oura refuses",
            ),
        ],
    },
    Usage {
        command: "completions",
        examples: &[(
            "oura-sync completions bash > ~/.local/share/bash-completion/completions/oura-sync",
            "install bash completion",
        )],
        exit_codes: PRINTED,
    },
    Usage {
        command: "man",
        examples: &[
            ("oura-sync man | man -l -", "read the man page"),
            ("oura-sync man --dir ~/.local/share/man/man1", "install a page per command"),
        ],
        exit_codes: PRINTED,
    },
];

/// The usage of `command` (`""` for `oura-sync` itself); a command without a row gets the
/// general exit codes and no examples.
pub fn usage(command: &str) -> Usage {
    USAGES.iter().copied().find(|u| u.command == command).unwrap_or(Usage {
        command: "",
        examples: &[],
        exit_codes: USAGES[0].exit_codes,
    })
}

/// The text after a command's `--help`: its examples, then its exit codes.
pub fn after_help(command: &str) -> String {
    let usage = usage(command);
    let mut out = String::new();
    if !usage.examples.is_empty() {
        out.push_str("Examples:\n");
        for (line, what) in usage.examples {
            out.push_str(&format!("  {line}\n      {what}\n"));
        }
        out.push('\n');
    }
    out.push_str("Exit codes:\n");
    for (code, meaning) in usage.exit_codes {
        out.push_str(&format!("  {code}  {meaning}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every subcommand of the command line has its row, with examples that call it.
    #[test]
    fn every_command_has_examples_and_exit_codes() {
        use clap::CommandFactory;
        let cli = crate::cli::Cli::command();
        for sub in cli.get_subcommands() {
            let usage = USAGES.iter().find(|u| u.command == sub.get_name());
            let usage = usage.unwrap_or_else(|| panic!("no usage row for {}", sub.get_name()));
            assert!(!usage.examples.is_empty(), "{}", sub.get_name());
            let prefix = format!("oura-sync {}", sub.get_name());
            assert!(usage.examples.iter().all(|(line, _)| line.starts_with(&prefix)), "{prefix}");
            assert_eq!(usage.exit_codes[0].0, 0);
        }
    }

    /// The general exit codes are the contract's four.
    #[test]
    fn the_general_exit_codes_are_the_contracts() {
        let codes: Vec<u8> = usage("").exit_codes.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, [0, 1, 2, 3]);
        assert!(after_help("sync").contains("3  a new login is needed"));
    }
}
