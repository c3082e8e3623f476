//! `smsgate --help` and each subcommand's: the commands, options and
//! environment variables they document, and `--version`.

use crate::harness::{run, smsgate, tempdir};

#[test]
fn help_lists_the_commands_and_options() {
    let dir = tempdir();
    let d = dir.path();
    let help = run(smsgate(d, &["--help"])).success().stdout();
    for word in [
        "serve",
        "messages",
        "events",
        "quarantine",
        "--config",
        "SMSGATE_CONFIG",
        "--help",
        "--version",
    ] {
        assert!(help.contains(word), "`smsgate --help` mentions {word}:\n{help}");
    }

    let help = run(smsgate(d, &["serve", "--help"])).success().stdout();
    for word in [
        "--listen",
        "--api-listen",
        "--database",
        "--body-limit",
        "--body-timeout",
        "--public-url",
        "--config",
        "SMSGATE_LISTEN",
        "SMSGATE_DATABASE",
        "127.0.0.1:8080",
        "sqlite:smsgate.db",
        "1048576",
    ] {
        assert!(help.contains(word), "`smsgate serve --help` mentions {word}:\n{help}");
    }

    let help = run(smsgate(d, &["messages", "show", "--help"])).success().stdout();
    for word in [
        "<PROVIDER>",
        "<MESSAGE_ID>",
        "--json",
        "--server",
        "--database",
        "SMSGATE_API_TOKEN",
    ] {
        assert!(
            help.contains(word),
            "`smsgate messages show --help` mentions {word}:\n{help}"
        );
    }

    let help = run(smsgate(d, &["events", "tail", "--help"])).success().stdout();
    for word in ["--follow", "--json", "--after", "--poll-ms", "--server", "--database"] {
        assert!(
            help.contains(word),
            "`smsgate events tail --help` mentions {word}:\n{help}"
        );
    }

    let help = run(smsgate(d, &["quarantine", "--help"])).success().stdout();
    for word in ["list", "replay"] {
        assert!(
            help.contains(word),
            "`smsgate quarantine --help` mentions {word}:\n{help}"
        );
    }
    let help = run(smsgate(d, &["quarantine", "replay", "--help"])).success().stdout();
    for word in ["--dry-run", "--database", "SMSGATE_DATABASE"] {
        assert!(
            help.contains(word),
            "`smsgate quarantine replay --help` mentions {word}:\n{help}"
        );
    }

    let version = run(smsgate(d, &["--version"])).success().stdout();
    assert_eq!(version, format!("smsgate {}\n", env!("CARGO_PKG_VERSION")));
}
