//! Where each setting comes from: a flag over `SMSGATE_*` over the
//! `--config` file over the default; a source flag over the other source;
//! and bad input, which exits non-zero with a message saying what is wrong.

use std::process::Command;

use smsgate_test_support::serve::Served;

use crate::harness::{assert_acknowledged, parse_json, post, reader, run, seeded, serve, smsgate, sqlite, tempdir};
use crate::payloads::ONE_API_SENT;

/// Starts `command` (a `serve`), returns the database it says it stores in
/// and the printed callback URL of the SMS status route; stops it.
fn storing_in(command: Command) -> (String, String) {
    let server = Served::start(command);
    let database = server.banner[0]
        .strip_prefix("smsgate receiver, storing in ")
        .unwrap_or_else(|| panic!("{:#?}", server.banner))
        .to_string();
    let url = server.callback_url("/client-callback/sms-status").to_string();
    server.stop();
    (database, url)
}

#[test]
fn settings_come_from_flag_then_env_then_config_file_then_default() {
    let dir = tempdir();
    let d = dir.path();
    let config = d.join("smsgate.toml");
    let (file_db, env_db, flag_db) = (sqlite(d, "file.db"), sqlite(d, "env.db"), sqlite(d, "flag.db"));
    std::fs::write(
        &config,
        format!("listen = \"127.0.0.1:0\"\ndatabase = \"{file_db}\"\npublic-url = \"https://sms.example.com/\"\n"),
    )
    .unwrap();
    let config = config.to_str().unwrap();

    // The file alone.
    let (database, url) = storing_in(smsgate(d, &["serve", "--config", config]));
    assert_eq!(database, file_db);
    assert!(d.join("file.db").exists());
    assert!(
        url.starts_with("https://sms.example.com/client-callback/sms-status?token="),
        "public-url from the file, trailing slash trimmed: {url}"
    );
    // The file named by SMSGATE_CONFIG.
    let mut command = smsgate(d, &["serve"]);
    command.env("SMSGATE_CONFIG", config);
    assert_eq!(storing_in(command).0, file_db);
    // The environment over the file.
    let mut command = smsgate(d, &["serve", "--config", config]);
    command
        .env("SMSGATE_DATABASE", &env_db)
        .env("SMSGATE_PUBLIC_URL", "https://env.example.com");
    let (database, url) = storing_in(command);
    assert_eq!(database, env_db);
    assert!(url.starts_with("https://env.example.com/client-callback/"), "{url}");
    assert!(d.join("env.db").exists());
    // A flag over the environment.
    let mut command = smsgate(d, &["serve", "--config", config, "--database", &flag_db]);
    command.env("SMSGATE_DATABASE", &env_db);
    assert_eq!(storing_in(command).0, flag_db);
    assert!(d.join("flag.db").exists());
    // Defaults: sqlite:smsgate.db in the working directory, http://LISTEN.
    let (database, url) = storing_in(smsgate(d, &["serve", "--listen", "127.0.0.1:0"]));
    assert_eq!(database, "sqlite:smsgate.db");
    assert!(d.join("smsgate.db").exists());
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.starts_with("http://127.0.0.1:0/"),
        "{url}"
    );

    // The file's listen address is used (a bad one says so); env and flag win over it.
    let bad_listen = d.join("bad-listen.toml");
    std::fs::write(&bad_listen, format!("listen = \"nowhere\"\ndatabase = \"{file_db}\"\n")).unwrap();
    let bad_listen = bad_listen.to_str().unwrap();
    let stderr = run(smsgate(d, &["serve", "--config", bad_listen])).failure();
    assert!(stderr.contains("`nowhere`"), "{stderr}");
    let mut command = smsgate(d, &["serve", "--config", bad_listen]);
    command.env("SMSGATE_LISTEN", "127.0.0.1:0");
    assert_eq!(storing_in(command).0, file_db);
    let mut command = smsgate(d, &["serve", "--config", bad_listen, "--listen", "127.0.0.1:0"]);
    command.env("SMSGATE_LISTEN", "also nowhere");
    assert_eq!(storing_in(command).0, file_db);

    // The file's body limit is used; a flag overrides it.
    let limits = d.join("limits.toml");
    std::fs::write(&limits, format!("body-limit = 0\ndatabase = \"{file_db}\"\n")).unwrap();
    let limits = limits.to_str().unwrap();
    let stderr = run(smsgate(d, &["serve", "--listen", "127.0.0.1:0", "--config", limits])).failure();
    assert!(stderr.contains("--body-limit 0"), "{stderr}");
    let server = Served::start(smsgate(
        d,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            limits,
            "--body-limit",
            "100",
        ],
    ));
    let (status, _) = post(server.callback_url("/client-callback/one-api-status"), ONE_API_SENT);
    assert_eq!(status, 413, "ONE_API_SENT is over 100 bytes");
    assert_acknowledged(post(
        server.callback_url("/client-callback/smarthive-status"),
        r#"{"msg_id": "s"}"#,
    ));
    server.stop();

    // Reading commands take `database` from the same file.
    let reading = d.join("reading.toml");
    std::fs::write(&reading, format!("database = \"{flag_db}\"\n")).unwrap();
    let out = run(smsgate(
        d,
        &["events", "tail", "--json", "--config", reading.to_str().unwrap()],
    ))
    .success();
    assert_eq!(out.lines, Vec::<String>::new(), "flag.db is empty");
}

#[test]
fn reading_commands_take_the_server_from_the_config_file_and_env() {
    let dir = tempdir();
    let (server, _) = seeded(dir.path());
    let config = dir.path().join("reading.toml");
    std::fs::write(&config, format!("server = \"{}/\"\n", server.api_base)).unwrap();
    let config = config.to_str().unwrap();

    let mut command = smsgate(dir.path(), &["events", "tail", "--json", "--config", config]);
    command.env("SMSGATE_API_TOKEN", &server.api_token);
    assert_eq!(run(command).success().lines.len(), 4);

    let mut command = smsgate(dir.path(), &["events", "tail", "--json"]);
    command
        .env("SMSGATE_SERVER", &server.api_base)
        .env("SMSGATE_API_TOKEN", &server.api_token);
    assert_eq!(run(command).success().lines.len(), 4);

    // Without the token, or with a wrong one, it says so and shows no token.
    let stderr = run(smsgate(dir.path(), &["events", "tail", "--config", config])).failure();
    assert!(stderr.contains("SMSGATE_API_TOKEN"), "{stderr}");
    let mut command = smsgate(dir.path(), &["events", "tail", "--config", config]);
    command.env("SMSGATE_API_TOKEN", "not-the-token-4f9a");
    let stderr = run(command).failure();
    assert!(stderr.contains("401"), "{stderr}");
    assert!(
        !stderr.contains("not-the-token-4f9a"),
        "the token is in an error message: {stderr}"
    );
}

/// A flag chooses the source even when the environment names the other one
/// (a shell with SMSGATE_DATABASE set for `serve`, say).
#[test]
fn a_source_flag_beats_the_other_source_in_the_environment() {
    let dir = tempdir();
    let (server, database) = seeded(dir.path());
    let empty = sqlite(dir.path(), "empty.db");

    let mut command = reader(&server, dir.path(), &["messages", "show", "clickatell", "m1", "--json"]);
    command.env("SMSGATE_DATABASE", &empty);
    assert_eq!(parse_json(&run(command).success().stdout())["status"], "delivered");

    let mut command = smsgate(
        dir.path(),
        &[
            "messages",
            "show",
            "clickatell",
            "m1",
            "--json",
            "--database",
            &database,
        ],
    );
    command.env("SMSGATE_SERVER", "http://127.0.0.1:9");
    assert_eq!(parse_json(&run(command).success().stdout())["status"], "delivered");
}

/// `--database` on the command line reads the store even when the config
/// file names a server.
#[test]
fn a_source_flag_beats_the_config_file() {
    let dir = tempdir();
    let (_server, database) = seeded(dir.path());
    let config = dir.path().join("reading.toml");
    std::fs::write(&config, "server = \"http://127.0.0.1:9\"\n").unwrap();
    let out = run(smsgate(
        dir.path(),
        &[
            "messages",
            "show",
            "clickatell",
            "m1",
            "--json",
            "--config",
            config.to_str().unwrap(),
            "--database",
            &database,
        ],
    ))
    .success();
    assert_eq!(parse_json(&out.stdout())["status"], "delivered");
}

#[test]
fn bad_input_exits_non_zero_with_a_clear_message() {
    let dir = tempdir();
    let d = dir.path();
    let database = sqlite(d, "db");

    let stderr = run(smsgate(d, &["serve", "--listen", "nonsense", "--database", &database])).failure();
    assert!(stderr.contains("invalid --listen `nonsense`"), "{stderr}");
    assert!(stderr.contains("IP address and port, e.g. 127.0.0.1:8080"), "{stderr}");

    let stderr = run(serve(d, &database, &["--api-listen", "localhost"])).failure();
    assert!(stderr.contains("invalid --api-listen `localhost`"), "{stderr}");

    let stderr = run(serve(d, &database, &["--body-limit", "0"])).failure();
    assert!(stderr.contains("invalid --body-limit 0"), "{stderr}");
    let stderr = run(serve(d, &database, &["--body-timeout", "0"])).failure();
    assert!(
        stderr.contains("invalid --body-timeout 0: expected a number of seconds"),
        "{stderr}"
    );
    assert!(stderr.contains("above 0"), "{stderr}");

    let stderr = run(serve(d, &database, &["--commit-batch", "0"])).failure();
    assert!(stderr.contains("invalid --commit-batch 0"), "{stderr}");

    let stderr = run(smsgate(d, &["messages", "show", "foo", "x", "--database", &database])).failure();
    assert!(stderr.contains("unknown provider `foo`"), "{stderr}");
    for provider in ["clickatell", "smarthive", "clearline"] {
        assert!(stderr.contains(provider), "lists {provider}: {stderr}");
    }

    let stderr = run(smsgate(
        d,
        &["messages", "show", "clickatell", "nope", "--database", &database],
    ))
    .failure();
    assert!(stderr.contains("no message nope from clickatell"), "{stderr}");

    let unknown_key = d.join("unknown.toml");
    std::fs::write(
        &unknown_key,
        "listen = \"127.0.0.1:0\"\nlisten-address = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let stderr = run(smsgate(d, &["serve", "--config", unknown_key.to_str().unwrap()])).failure();
    assert!(stderr.contains("unknown.toml is not valid"), "{stderr}");
    assert!(stderr.contains("unknown field `listen-address`"), "{stderr}");
    assert!(
        stderr.contains("api-listen, database, body-limit"),
        "lists the keys: {stderr}"
    );

    let stderr = run(smsgate(d, &["serve", "--config", "missing.toml"])).failure();
    assert!(stderr.contains("cannot read config file missing.toml"), "{stderr}");

    let not_toml = d.join("not.toml");
    std::fs::write(&not_toml, "listen = \n").unwrap();
    let stderr = run(smsgate(d, &["events", "tail", "--config", not_toml.to_str().unwrap()])).failure();
    assert!(stderr.contains("not.toml is not valid"), "{stderr}");

    // clap's own errors: exit 2 with usage.
    let out = run(smsgate(d, &["serve", "--body-limit", "lots"]));
    assert_eq!(out.status.code(), Some(2), "{out:#?}");
    assert!(
        out.stderr.contains("invalid value 'lots' for '--body-limit"),
        "{out:#?}"
    );
    let out = run(smsgate(d, &["messages", "show", "clickatell"]));
    assert_eq!(out.status.code(), Some(2), "{out:#?}");
    assert!(out.stderr.contains("<MESSAGE_ID>"), "{out:#?}");
    let out = run(smsgate(d, &["frobnicate"]));
    assert_eq!(out.status.code(), Some(2), "{out:#?}");
    assert!(out.stderr.contains("unrecognized subcommand 'frobnicate'"), "{out:#?}");

    // Nothing failed half-way into serving.
    assert!(
        !d.join("smsgate.db").exists(),
        "no default store was created by a failed command"
    );
}
