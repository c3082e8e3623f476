//! Exports that cannot work are never silently dropped: `serve` refuses to
//! start on an unknown kind, an unset secret variable or a secret that is
//! not a `whsec_` one, naming the file and the line (and never the
//! secret); a NATS server out of reach at start-up is a retry that is
//! logged and shown in `/v1/exports`, while callbacks are acknowledged.

use std::time::Duration;

use smsgate_test_support::load::Target;
use smsgate_test_support::process::ChildProcess;
use smsgate_test_support::serve::Served;

use crate::harness::*;

/// `serve` with `exports` (and the secret variables `env`): it must exit
/// with an error; its stderr.
fn refused(exports: &str, env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    let config = config(dir.path(), exports);
    let mut command = serve(dir.path(), &database, &config);
    command.env_remove(SECRET_ENV).envs(env.iter().copied());
    let mut process = ChildProcess::spawn(command);
    let status = process.wait(Duration::from_secs(60));
    let (_, stderr) = process.rest();
    assert!(!status.success(), "serve started with {exports}");
    stderr
}

#[test]
fn mistakes_in_an_export_stop_the_start_with_their_line() {
    let url = "url = \"https://hooks.example/sms\"\n";
    let stderr = refused(
        &format!("listen = \"127.0.0.1:0\"\n\n[[exports]]\nname = \"billing\"\nkind = \"kafka\"\n{url}"),
        &[],
    );
    assert!(
        stderr.contains("smsgate.toml, line 5: export `billing`: unknown kind `kafka`: expected webhook or nats"),
        "{stderr}"
    );

    let stderr = refused(&webhook_export("billing", "https://hooks.example/sms", ""), &[]);
    assert!(
        stderr.contains(&format!(
            "line 5: export `billing`: the environment variable {SECRET_ENV} (its secret_env) is not set"
        )),
        "{stderr}"
    );

    let not_whsec = "c21zZ2F0ZS1leHBvcnRzLXRlc3Qta2V5LTMyYnl0ZXM=";
    let stderr = refused(
        &webhook_export("billing", "https://hooks.example/sms", ""),
        &[(SECRET_ENV, not_whsec)],
    );
    assert!(stderr.contains("line 5: export `billing`: the secret in"), "{stderr}");
    assert!(stderr.contains("does not start with whsec_"), "{stderr}");
    assert!(!stderr.contains(not_whsec), "the secret was shown: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_out_of_reach_at_start_up_is_a_logged_retry_shown_in_the_api() {
    let _serial = serial().await;
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    let config = config(
        dir.path(),
        "[[exports]]\nname = \"bus\"\nkind = \"nats\"\nurl = \"nats://127.0.0.1:1\"\nstream = \"SMSGATE\"\n\
         subject = \"smsgate.events\"\nretry_schedule_ms = [100, 200]\ntimeout_ms = 1000\n",
    );
    let served = Served::start_async(serve(dir.path(), &database, &config)).await;
    let api = Api::new(&served.api_base);
    wait_until(
        "showed the NATS error",
        async || api.export("bus").await["state"] == "failing",
        async || format!("{}", api.export("bus").await),
    )
    .await;
    send_all(&Target::new(&served.callback_base), &callbacks("unreachable", 5), 2).await;
    let bus = api.export("bus").await;
    assert!(
        bus["last_error"]
            .as_str()
            .unwrap()
            .starts_with("cannot connect to NATS at nats://127.0.0.1:1"),
        "{bus}"
    );
    assert_eq!(bus["cursor"], serde_json::Value::Null, "{bus}");
    wait_until(
        "counted the stored events as lag",
        async || api.export("bus").await["lag"] == 10,
        async || format!("{}", api.export("bus").await),
    )
    .await;
    let logged = served.stderr_so_far();
    assert!(logged.contains("export failed; retrying"), "{logged}");
    assert!(
        logged.contains("cannot connect to NATS at nats://127.0.0.1:1"),
        "{logged}"
    );
}
