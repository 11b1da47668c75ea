//! The Linux end-to-end tests (see `../cli.rs`).

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Generous: a loaded CI machine may be slow, but nothing may hang.
const STEP: Duration = Duration::from_secs(30);

fn nshm() -> Command {
    let mut c = Command::cargo_bin("nshm").expect("the nshm binary is built");
    c.timeout(STEP);
    c
}

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("nshm")
}

/// A name no other test (or test run) uses.
fn unique(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "nshm-cli-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn euid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|u| u.parse().ok())
        .expect("an Uid line")
}

/// Asserts that nothing, not even an orphan, is left under the name.
fn assert_gone(name: &str) {
    let parsed = named_shm::ObjectName::parse(name).unwrap();
    let canonical = parsed.canonical();
    let left: Vec<_> = named_shm::admin::list(parsed.namespace())
        .unwrap()
        .into_iter()
        .filter(|o| o.name == canonical)
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A child `nshm … --hold` process, released (stdin closed) on drop.
struct Held {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl Held {
    /// Starts `nshm ARGS` and waits until it says it is holding.
    fn start(args: &[&str]) -> Held {
        let mut child = std::process::Command::new(bin())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn nshm");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut held = Held {
            child,
            stdin,
            lines: rx,
        };
        held.expect_line("holding");
        held
    }

    /// Waits for an output line containing `what`.
    fn expect_line(&mut self, what: &str) -> String {
        let deadline = Instant::now() + STEP;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(what) => return line,
                Ok(_) => {}
                Err(e) => {
                    let _ = self.child.kill();
                    panic!("no line with {what:?} from {:?}: {e}", self.child.id());
                }
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Presses Enter and waits for the exit; returns the remaining output.
    fn release(mut self) -> String {
        if let Some(mut s) = self.stdin.take() {
            let _ = s.write_all(b"\n");
        }
        self.wait_exit();
        self.lines.try_iter().collect::<Vec<_>>().join("\n")
    }

    /// Ctrl-C (SIGINT); waits for the exit and returns the remaining output.
    fn interrupt(mut self) -> String {
        sigint(self.pid());
        self.wait_exit();
        self.lines.try_iter().collect::<Vec<_>>().join("\n")
    }

    /// `kill -9`: leaves an orphan behind.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn wait_exit(&mut self) {
        let deadline = Instant::now() + STEP;
        while Instant::now() < deadline {
            if let Some(st) = self.child.try_wait().unwrap() {
                assert!(
                    st.success() || std::thread::panicking(),
                    "holder exited with {st}"
                );
                // Let the output thread drain.
                std::thread::sleep(Duration::from_millis(20));
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        panic!("holder {} did not exit", self.child.id());
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if self.stdin.take().is_some() {
            // Closing stdin releases the hold; bounded wait, then kill.
            let deadline = Instant::now() + STEP;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn sigint(pid: u32) {
    let st = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill(1) runs");
    assert!(st.success());
}

fn hold_mapping(name: &str, size: &str, text: &str) -> Held {
    Held::start(&["create", name, "--size", size, "--text", text, "--hold"])
}

fn json(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("valid JSON")
}

// ---------------------------------------------------------------- help, usage

#[test]
fn every_command_has_help_with_examples() {
    for cmd in [
        vec!["list"],
        vec!["info"],
        vec!["create"],
        vec!["read"],
        vec!["write"],
        vec!["rm"],
        vec!["reap"],
        vec!["event"],
        vec!["event", "create"],
        vec!["event", "set"],
        vec!["event", "reset"],
        vec!["event", "wait"],
        vec!["mutex"],
        vec!["mutex", "create"],
        vec!["mutex", "lock"],
        vec!["demo"],
        vec!["completions"],
    ] {
        nshm()
            .args(&cmd)
            .arg("--help")
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:"));
    }
    nshm()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:").and(predicate::str::contains("7    timeout")));
}

#[test]
fn version_prints_the_version() {
    nshm()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("nshm "));
}

#[test]
fn usage_errors_exit_2() {
    nshm().assert().code(2);
    nshm()
        .args(["create", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--size"));
    nshm().args(["list", "--frobnicate"]).assert().code(2);
    nshm().args(["read", "x", "--hex", "--raw"]).assert().code(2);
    nshm().args(["completions", "tcsh-2000"]).assert().code(2);
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        nshm()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("nshm").and(predicate::str::contains("reap")));
    }
}

// ---------------------------------------------------------------- create

#[test]
fn create_without_hold_says_the_name_died_with_it() {
    let name = unique("nohold");
    nshm()
        .args(["create", &name, "--size", "64K", "--text", "hi"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains(format!("created mapping `{name}` (64 KiB), wrote 2 bytes"))
                .and(predicate::str::contains("is gone again")),
        );
    nshm().args(["info", &name]).assert().code(3);
    assert_gone(&name);
}

#[test]
fn create_rounds_sizes_up_to_pages_and_takes_stdin() {
    let name = unique("stdin");
    nshm()
        .args(["create", &name, "--size", "100"])
        .write_stdin("from stdin")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("100 bytes, rounded up to 4 KiB")
                .and(predicate::str::contains("wrote 10 bytes")),
        );
    assert_gone(&name);
}

#[test]
fn create_bad_sizes_exit_6() {
    let name = unique("badsize");
    for (size, why) in [
        ("12Q", "unknown unit"),
        ("K", "expected a number"),
        ("-4", "expected a number"),
        ("99999999999999999999", "too large"),
        ("17179869184G", "too large"),
        ("0", "invalid size 0"),
    ] {
        nshm()
            .args(["create", &name, "--size", size])
            .assert()
            .code(6)
            .stderr(predicate::str::contains(why).and(predicate::str::contains("nshm: error:")));
    }
    assert_gone(&name);
}

#[test]
fn create_data_larger_than_the_mapping_exits_6() {
    let name = unique("toobig");
    nshm()
        .args(["create", &name, "--size", "4K", "--text", &"x".repeat(5000)])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("5000 bytes at offset 0 do not fit"));
    assert_gone(&name);
}

#[test]
fn create_invalid_names_exit_6() {
    for bad in ["a\\b", "Global\\", "Session\\1\\x", ""] {
        nshm()
            .args(["create", bad, "--size", "4K"])
            .assert()
            .code(6)
            .stderr(predicate::str::contains("invalid object name"));
    }
}

#[test]
fn create_existing_name_exits_5() {
    let name = unique("exists");
    let held = hold_mapping(&name, "4K", "first");
    nshm()
        .args(["create", &name, "--size", "4K"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains(format!("`{name}` already exists")));
    let rest = held.release();
    assert!(rest.contains("the name is gone"), "{rest}");
    assert_gone(&name);
}

#[test]
fn create_bad_mode_exits_6() {
    nshm()
        .args(["create", &unique("mode"), "--size", "4K", "--mode", "999"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("invalid --mode"));
}

#[test]
fn create_from_missing_file_exits_3() {
    let name = unique("nofile");
    nshm()
        .args([
            "create",
            &name,
            "--size",
            "4K",
            "--file",
            "/nonexistent/input.bin",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("/nonexistent/input.bin"));
    assert_gone(&name);
}

// ---------------------------------------------------------------- read, write

#[test]
fn read_shows_text_hex_and_raw() {
    let name = unique("read");
    let held = hold_mapping(&name, "8K", "Message from first process.");
    nshm()
        .args(["read", &name])
        .assert()
        .success()
        .stdout("Message from first process.\n");
    nshm()
        .args(["read", &name, "--hex", "--len", "48"])
        .assert()
        .success()
        .stdout(
            predicate::str::starts_with(
                "00000000  4d 65 73 73 61 67 65 20  66 72 6f 6d 20 66 69 72  |Message from fir|\n",
            )
            .and(predicate::str::ends_with("00000030\n")),
        );
    let raw = nshm()
        .args(["read", &name, "--raw", "--offset", "8", "--len", "4"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(raw, b"from");
    let all = nshm()
        .args(["read", &name, "--raw"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(all.len(), 8192);
    held.release();
    assert_gone(&name);
}

#[test]
fn read_offsets_past_the_end_exit_6() {
    let name = unique("readrange");
    let held = hold_mapping(&name, "4K", "x");
    nshm()
        .args(["read", &name, "--offset", "4K"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains(format!(
            "offset 4096 is past the end of `{name}` (4096 bytes)"
        )));
    nshm()
        .args(["read", &name, "--offset", "4000", "--len", "200"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("runs past the end"));
    nshm().args(["read", &name, "--offset", "lots"]).assert().code(6);
    held.release();
    assert_gone(&name);
}

#[test]
fn write_then_read_round_trips_text_file_and_stdin() {
    let name = unique("write");
    let held = hold_mapping(&name, "192K", "");
    nshm()
        .args(["write", &name, "--text", "hello"])
        .assert()
        .success()
        .stdout(format!("wrote 5 bytes to `{name}` at offset 0\n"));
    let dir = std::env::temp_dir().join(unique("input"));
    std::fs::write(&dir, vec![0xabu8; 70_000]).unwrap();
    nshm()
        .args(["write", &name, "--offset", "0x10000", "--file"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains("wrote 70000 bytes"));
    std::fs::remove_file(&dir).unwrap();
    nshm()
        .args(["write", &name, "--offset", "6"])
        .write_stdin("world")
        .assert()
        .success();
    nshm()
        .args(["read", &name, "--len", "11"])
        .assert()
        .success()
        .stdout("hello\0world\n");
    let raw = nshm()
        .args(["read", &name, "--raw", "--offset", "64K", "--len", "70000"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(raw.iter().all(|&b| b == 0xab) && raw.len() == 70_000);
    held.release();
    assert_gone(&name);
}

#[test]
fn write_past_the_end_exits_6_and_writes_nothing() {
    let name = unique("writerange");
    let held = hold_mapping(&name, "4K", "keep");
    nshm()
        .args(["write", &name, "--offset", "4090", "--text", "too long"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains(format!(
            "8 bytes at offset 4090 do not fit in `{name}` (4096 bytes)"
        )));
    nshm()
        .args(["write", &name, "--offset", "8K", "--text", "x"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("past the end"));
    nshm().args(["read", &name]).assert().success().stdout("keep\n");
    held.release();
    assert_gone(&name);
}

#[test]
fn unknown_names_exit_3() {
    let name = unique("unknown");
    let not_found = predicate::str::contains(format!("named object `{name}` does not exist"));
    nshm()
        .args(["info", &name])
        .assert()
        .code(3)
        .stderr(not_found.clone());
    nshm()
        .args(["read", &name])
        .assert()
        .code(3)
        .stderr(not_found.clone());
    nshm()
        .args(["write", &name, "--text", "x"])
        .assert()
        .code(3)
        .stderr(not_found.clone());
    nshm()
        .args(["rm", &name, "--yes"])
        .assert()
        .code(3)
        .stderr(not_found.clone());
    nshm()
        .args(["event", "set", &name])
        .assert()
        .code(3)
        .stderr(not_found.clone());
    nshm()
        .args(["event", "wait", &name, "--timeout", "1s"])
        .assert()
        .code(3);
    nshm()
        .args(["mutex", "lock", &name, "--timeout", "1s"])
        .assert()
        .code(3)
        .stderr(not_found);
    assert_gone(&name);
}

#[test]
fn errors_are_one_line_without_backtraces() {
    let name = unique("oneline");
    let out = nshm()
        .env("RUST_BACKTRACE", "1")
        .args(["read", &name])
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        !text.contains("panicked") && !text.contains("backtrace"),
        "{text}"
    );
}

// ---------------------------------------------------------------- list, info

#[test]
fn list_shows_the_holder_count_and_pid_of_another_process() {
    let name = unique("list");
    let canonical = format!("Local\\{name}");
    let held = hold_mapping(&name, "64K", "x");
    let find = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == canonical.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("{canonical} not listed: {v}"))
    };
    let o = find(&json(nshm().args(["list", "--json"])));
    assert_eq!(o["holders"], 1);
    assert_eq!(o["pids"], serde_json::json!([held.pid()]));
    assert_eq!(o["type"], "mapping");
    assert_eq!(o["namespace"], "Local");
    assert_eq!(o["size"], 65536);
    assert_eq!(o["mode"], "0600");
    assert_eq!(o["orphan"], false);
    assert_eq!(o["owner_uid"], euid());

    // A second holder in a second process: `nshm write` opens the mapping,
    // then blocks reading its standard input. (Not this test process: other
    // tests fork it, and a forked description counts as a handle.)
    let mut writer = std::process::Command::new(bin())
        .args(["write", &name])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + STEP;
    let o = loop {
        let o = find(&json(nshm().args(["list", "--all", "--json"])));
        if o["holders"] != 1 || Instant::now() > deadline {
            break o;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(o["holders"], 2, "{o}");
    let mut pids: Vec<u64> = o["pids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap())
        .collect();
    pids.sort();
    let mut want = vec![u64::from(held.pid()), u64::from(writer.id())];
    want.sort();
    assert_eq!(pids, want);

    // The table, human-readable and exact.
    nshm().arg("list").assert().success().stdout(
        predicate::str::contains("NAME")
            .and(predicate::str::contains("HOLDERS"))
            .and(
                predicate::str::is_match(format!(
                    r"(?m)^Local\\{name}\s+mapping\s+64 KiB\s+\S+\s+0600\s+2\s+\d+,\d+\s+\d+[smhd]$"
                ))
                .unwrap(),
            ),
    );
    nshm()
        .args(["list", "--bytes"])
        .assert()
        .success()
        .stdout(predicate::str::contains("65536"));
    drop(writer.stdin.take());
    assert!(writer.wait().unwrap().success());
    held.release();
    nshm()
        .args(["list", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains(canonical.replace('\\', "\\\\")).not());
    assert_gone(&name);
}

#[test]
fn list_global_shows_only_the_global_namespace() {
    let name = format!("Global\\{}", unique("global"));
    let held = hold_mapping(&name, "4K", "g");
    let v = json(nshm().args(["list", "--global", "--json"]));
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&name.as_str()), "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("Global\\")), "{names:?}");
    let v = json(nshm().args(["list", "--json"]));
    assert!(v.as_array().unwrap().iter().all(|o| o["namespace"] == "Local"));
    nshm().args(["list", "--global", "--all"]).assert().code(2);
    held.release();
    assert_gone(&name);
}

#[test]
fn info_json_names_the_holders_and_their_commands() {
    let name = unique("info");
    let held = hold_mapping(&name, "1M", "x");
    let v = json(nshm().args(["info", &name, "--json"]));
    assert_eq!(v["name"], format!("Local\\{name}"));
    assert_eq!(v["size"], 1 << 20);
    assert_eq!(v["holders"], 1);
    assert_eq!(v["committed"], true);
    assert_eq!(
        v["processes"],
        serde_json::json!([{"pid": held.pid(), "command": "nshm", "handles": 1}])
    );
    nshm().args(["info", &name]).assert().success().stdout(
        predicate::str::contains("size:        1 MiB (1048576 bytes)")
            .and(predicate::str::contains(format!("pid {:<7} nshm", held.pid())))
            .and(predicate::str::contains("mode:        0600 (rw-------)")),
    );
    held.release();
    assert_gone(&name);
}

// ---------------------------------------------------------------- rm, reap

#[test]
fn rm_asks_for_confirmation_and_leaves_holders_their_memory() {
    let name = unique("rm");
    let held = hold_mapping(&name, "4K", "still here");
    nshm()
        .args(["rm", &name])
        .write_stdin("n\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not removed"));
    nshm().args(["rm", &name]).assert().code(1); // end of input is a no
    nshm().args(["info", &name]).assert().success();
    nshm()
        .args(["rm", &name])
        .write_stdin("y\n")
        .assert()
        .success()
        .stdout(format!("removed `{name}`\n"));
    nshm().args(["info", &name]).assert().code(3);
    // The name is free again while the old holder still runs.
    let again = hold_mapping(&name, "4K", "new");
    nshm().args(["rm", &name, "--yes"]).assert().success();
    again.release();
    held.release();
    assert_gone(&name);
}

#[test]
fn reap_reclaims_the_orphan_of_a_killed_holder() {
    let name = unique("reap");
    let canonical = format!("Local\\{name}");
    let held = hold_mapping(&name, "4K", "doomed");
    held.kill();
    let v = json(nshm().args(["list", "--json"]));
    let o = v
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == canonical.as_str())
        .expect("orphan listed");
    assert_eq!(o["orphan"], true);
    assert_eq!(o["holders"], 0);
    nshm().args(["info", &name]).assert().code(3);
    nshm()
        .args(["reap", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("would reclaim").and(predicate::str::contains(canonical.as_str())));
    let v = json(nshm().args(["reap", "--dry-run", "--json"]));
    assert_eq!(v["dry_run"], true);
    assert!(v["reclaimed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n == canonical.as_str()));
    nshm()
        .arg("reap")
        .assert()
        .success()
        .stdout(predicate::str::contains("reclaimed").and(predicate::str::contains(canonical.as_str())));
    assert_gone(&name);
}

// ---------------------------------------------------------------- permissions

#[test]
fn access_denied_exits_4() {
    let name = format!("Global\\{}", unique("denied"));
    if euid() == 0 {
        // Root passes permission checks: ask as `nobody` instead.
        let held = Held::start(&["create", &name, "--size", "4K", "--text", "secret", "--hold"]);
        let out = std::process::Command::new(bin())
            .args(["read", &name])
            .uid(65534)
            .gid(65534)
            .output();
        match out {
            Ok(out) => {
                assert_eq!(out.status.code(), Some(4), "{out:?}");
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(err.contains(&format!("access to `{name}` denied")), "{err}");
                let rm = std::process::Command::new(bin())
                    .args(["rm", &name, "--yes"])
                    .uid(65534)
                    .gid(65534)
                    .output()
                    .unwrap();
                assert_eq!(rm.status.code(), Some(4), "{rm:?}");
                let info = std::process::Command::new(bin())
                    .args(["info", &name])
                    .uid(65534)
                    .gid(65534)
                    .output()
                    .unwrap();
                assert_eq!(info.status.code(), Some(4), "{info:?}");
            }
            Err(e) => eprintln!("SKIPPED access_denied_exits_4: cannot run as nobody: {e}"),
        }
        held.release();
    } else {
        let held = Held::start(&["create", &name, "--size", "4K", "--mode", "400", "--hold"]);
        nshm()
            .args(["write", &name, "--text", "x"])
            .assert()
            .code(4)
            .stderr(predicate::str::contains(format!("access to `{name}` denied")));
        held.release();
    }
    assert_gone(&name);
}

// ---------------------------------------------------------------- events, mutexes

#[test]
fn event_set_wait_reset_and_timeout() {
    let name = unique("event");
    let held = Held::start(&["event", "create", &name, "--manual-reset", "--hold"]);
    nshm()
        .args(["event", "wait", &name, "--timeout", "200ms"])
        .assert()
        .code(7)
        .stderr(predicate::str::contains(format!(
            "timed out after 200ms waiting for event `{name}`"
        )));
    let v = json(nshm().args(["info", &name, "--json"]));
    assert_eq!(v["type"], "event");
    assert_eq!(
        v["event"],
        serde_json::json!({"set": false, "manual_reset": true})
    );
    nshm()
        .args(["event", "set", &name])
        .assert()
        .success()
        .stdout(format!("set event `{name}`\n"));
    nshm()
        .args(["event", "wait", &name, "--timeout", "5s"])
        .assert()
        .success();
    nshm()
        .args(["event", "wait", &name, "--timeout", "5s"])
        .assert()
        .success(); // manual: stays set
    nshm()
        .args(["info", &name])
        .assert()
        .success()
        .stdout(predicate::str::contains("set (signaled), manual-reset"));
    nshm().args(["event", "reset", &name]).assert().success();
    nshm()
        .args(["event", "wait", &name, "--timeout", "100ms"])
        .assert()
        .code(7);
    nshm()
        .args(["event", "wait", &name, "--timeout", "never"])
        .assert()
        .code(6);
    held.release();
    assert_gone(&name);
}

#[test]
fn event_wait_wakes_when_another_process_sets_it() {
    let name = unique("evwake");
    let held = Held::start(&["event", "create", &name, "--hold"]);
    let mut waiter = std::process::Command::new(bin())
        .args(["event", "wait", &name, "--timeout", "20s"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    nshm().args(["event", "set", &name]).assert().success();
    let deadline = Instant::now() + STEP;
    let status = loop {
        if let Some(st) = waiter.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "waiter did not wake");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success());
    // Auto-reset: the wake consumed the signal.
    nshm()
        .args(["event", "wait", &name, "--timeout", "100ms"])
        .assert()
        .code(7);
    held.release();
    assert_gone(&name);
}

#[test]
fn mutex_lock_times_out_while_another_process_holds_it() {
    let name = unique("mutex");
    let holder = Held::start(&["mutex", "create", &name, "--owned", "--hold"]);
    let v = json(nshm().args(["info", &name, "--json"]));
    assert_eq!(v["type"], "mutex");
    assert_eq!(v["mutex"]["locked"], true);
    assert_eq!(v["mutex"]["owner_pid"], holder.pid());
    nshm()
        .args(["mutex", "lock", &name, "--timeout", "200ms"])
        .assert()
        .code(7)
        .stderr(predicate::str::contains(format!(
            "locked by pid {}",
            holder.pid()
        )));
    holder.release();
    assert_gone(&name);

    let holder = Held::start(&["mutex", "create", &name, "--hold"]);
    nshm()
        .args(["mutex", "lock", &name, "--timeout", "5s"])
        .assert()
        .success()
        .stdout(
            format!("locked mutex `Local\\{name}`\nreleased mutex `Local\\{name}`\n").replace("Local\\", ""),
        );
    let locker = Held::start(&["mutex", "lock", &name, "--timeout", "5s", "--hold"]);
    let v = json(nshm().args(["info", &name, "--json"]));
    assert_eq!(v["mutex"]["owner_pid"], locker.pid());
    assert_eq!(v["holders"], 2);
    let rest = locker.release();
    assert!(rest.contains("released mutex"), "{rest}");
    holder.release();
    assert_gone(&name);
}

#[test]
fn event_and_mutex_create_without_hold_say_the_name_died() {
    let name = unique("nohold-sync");
    for kind in ["event", "mutex"] {
        nshm()
            .args([kind, "create", &name])
            .assert()
            .success()
            .stdout(predicate::str::contains("created").and(predicate::str::contains("is gone again")));
        assert_gone(&name);
    }
    nshm()
        .args(["event", "create", &name, "--set", "--manual-reset"])
        .assert()
        .success();
    nshm()
        .args(["mutex", "create", &name, "--owned"])
        .assert()
        .success();
    assert_gone(&name);
}

#[test]
fn names_of_another_type_exit_6() {
    let mapping = unique("wt-map");
    let event = unique("wt-ev");
    let map_held = hold_mapping(&mapping, "4K", "m");
    let ev_held = Held::start(&["event", "create", &event, "--hold"]);
    nshm()
        .args(["event", "set", &mapping])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("it is a mapping, not a"));
    nshm()
        .args(["mutex", "lock", &mapping, "--timeout", "1s"])
        .assert()
        .code(6);
    nshm()
        .args(["read", &event])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("it is a event"));
    nshm().args(["write", &event, "--text", "x"]).assert().code(6);
    nshm().args(["create", &event, "--size", "4K"]).assert().code(6);
    map_held.release();
    ev_held.release();
    assert_gone(&mapping);
    assert_gone(&event);
}

#[test]
fn list_shows_all_three_types() {
    let m = unique("all-map");
    let e = unique("all-ev");
    let x = unique("all-mx");
    let hm = hold_mapping(&m, "64K", "m");
    let he = Held::start(&["event", "create", &e, "--hold"]);
    let hx = Held::start(&["mutex", "create", &x, "--hold"]);
    let v = json(nshm().args(["list", "--json"]));
    let kind = |n: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == format!("Local\\{n}"))
            .map(|o| {
                (
                    o["type"].as_str().unwrap().to_owned(),
                    o["size"].as_u64().unwrap(),
                )
            })
    };
    assert_eq!(kind(&m), Some(("mapping".into(), 65536)));
    assert_eq!(kind(&e), Some(("event".into(), 0)));
    assert_eq!(kind(&x), Some(("mutex".into(), 0)));
    hm.release();
    he.release();
    hx.release();
    for n in [&m, &e, &x] {
        assert_gone(n);
    }
}

// ---------------------------------------------------------------- demo

#[test]
fn demo_runs_the_seed_end_to_end_and_the_name_is_gone() {
    let name = format!("Global\\{}", unique("demo"));
    nshm().args(["demo", "--name", &name]).assert().success().stdout(
        predicate::str::contains("wrote \"Message from first process.\"")
            .and(predicate::str::contains(
                "MessageBox: \"Message from first process.\"",
            ))
            .and(predicate::str::contains("2 handles open now"))
            .and(predicate::str::contains("ERROR_FILE_NOT_FOUND"))
            .and(predicate::str::contains(format!("`{name}` is gone"))),
    );
    assert_gone(&name);
}

#[test]
fn demo_refuses_a_live_name_with_exit_5() {
    let name = unique("demo-busy");
    let held = hold_mapping(&name, "4K", "busy");
    nshm()
        .args(["demo", "--name", &name])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("already live"));
    held.release();
    assert_gone(&name);
}

// ---------------------------------------------------------------- signals, progress

#[test]
fn hold_releases_cleanly_on_ctrl_c_leaving_no_orphan() {
    let name = unique("sigint");
    let held = hold_mapping(&name, "4K", "x");
    let rest = held.interrupt();
    assert!(rest.contains("the name is gone"), "{rest}");
    assert_gone(&name);
}

#[test]
fn waiting_forever_is_interrupted_by_ctrl_c_with_exit_130() {
    let name = unique("wait130");
    let held = Held::start(&["event", "create", &name, "--hold"]);
    let waiter = std::process::Command::new(bin())
        .args(["event", "wait", &name])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Until the waiter has opened the event, SIGINT would kill it outright.
    let deadline = Instant::now() + STEP;
    loop {
        let v = json(nshm().args(["info", &name, "--json"]));
        if v["holders"] == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "waiter never opened the event");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    sigint(waiter.id());
    let out = waiter.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted while waiting for"));
    held.release();
    assert_gone(&name);
}

#[test]
fn writing_a_large_file_shows_progress_on_a_terminal() {
    // `script` runs the command on a pseudo-terminal.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED writing_a_large_file_shows_progress_on_a_terminal: script(1) is not installed");
        return;
    }
    let name = unique("progress");
    let held = hold_mapping(&name, "32M", "");
    let file = std::env::temp_dir().join(unique("big"));
    std::fs::write(&file, vec![7u8; 24 << 20]).unwrap();
    let cmd = format!("{} write {name} --file {}", bin().display(), file.display());
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(text.contains(&format!("writing `{name}`:")), "{text}");
    assert!(text.contains("100% (24 MiB of 24 MiB)"), "{text}");
    assert!(text.contains("wrote 25165824 bytes"), "{text}");
    held.release();
    assert_gone(&name);
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    let name = unique("pipe");
    let held = hold_mapping(&name, "1M", "x");
    for args in [
        format!("read {name} --raw"),
        format!("read {name} --hex"),
        "list --all".to_owned(),
        "completions bash".to_owned(),
        "--help".to_owned(),
    ] {
        let err_file = std::env::temp_dir().join(unique("stderr"));
        let st = std::process::Command::new("sh")
            .args(["-c", &format!("\"$0\" {args} 2>\"$1\" | head -c 1 >/dev/null")])
            .arg(bin())
            .arg(&err_file)
            .status()
            .unwrap();
        assert!(st.success());
        let err = std::fs::read_to_string(&err_file).unwrap();
        std::fs::remove_file(&err_file).unwrap();
        assert!(
            !err.contains("panicked") && !err.contains("error"),
            "{args}: {err}"
        );
    }
    held.release();
    assert_gone(&name);
}

// ------------------------------------------- setup-global (the Global\ grant)

/// Runs nshm in `root` (as `NAMED_SHM_DIR`) as uid/gid `id` (no supplementary groups).
fn nshm_as(root: &std::path::Path, id: Option<u32>, args: &[&str]) -> std::process::Output {
    let mut c = std::process::Command::new(bin());
    c.args(args).env("NAMED_SHM_DIR", root);
    if let Some(id) = id {
        // std drops the supplementary groups when root sets a uid.
        c.uid(id).gid(id);
    }
    c.output().expect("run nshm")
}

#[test]
fn setup_global_moves_a_squat_aside_and_grants_the_group_end_to_end() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if euid() != 0 {
        eprintln!("SKIPPED: needs root (setup-global, and children as nobody)");
        return;
    }
    let root = std::path::PathBuf::from(format!("/dev/shm/{}", unique("setup-root")));
    std::fs::create_dir(&root).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let global = root.join("named-shm.global");
    // nobody squats the global directory, world-writable, before root's first use.
    std::fs::create_dir(&global).unwrap();
    std::fs::set_permissions(&global, std::fs::Permissions::from_mode(0o1777)).unwrap();
    std::os::unix::fs::chown(&global, Some(65534), Some(65534)).unwrap();
    let name = format!("Global\\{}", unique("granted"));

    // Not as another user.
    let out = nshm_as(&root, Some(65534), &["setup-global", "--group", "nogroup"]);
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("as root"),
        "{out:?}"
    );
    // A named group must exist.
    let out = nshm_as(&root, None, &["setup-global", "--group", "no-such-group-nshm"]);
    assert_eq!(out.status.code(), Some(6), "{out:?}");

    let out = nshm_as(&root, None, &["setup-global", "--group", "nogroup"]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{out:?}");
    assert!(
        said.contains("moved aside") && said.contains("uid 65534"),
        "{said}"
    );
    assert!(
        said.contains("root:nogroup 1775") && said.contains("usermod -aG nogroup"),
        "{said}"
    );
    let md = std::fs::symlink_metadata(&global).unwrap();
    assert!(md.is_dir());
    assert_eq!((md.uid(), md.gid(), md.mode() & 0o7777), (0, 65534, 0o1775));
    let aside: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("named-shm.global.squatted-by-65534-")
        })
        .collect();
    assert_eq!(aside.len(), 1, "the squat is kept, aside");

    // A member of the group may create; a user outside it gets 4 with the hint.
    let out = nshm_as(&root, Some(65534), &["create", &name, "--size", "4K"]);
    assert!(out.status.success(), "{out:?}");
    let out = nshm_as(&root, Some(65533), &["create", &name, "--size", "4K"]);
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs a grant") && err.contains("nshm setup-global"),
        "{err}"
    );
    // Running it again changes nothing.
    let out = nshm_as(&root, None, &["setup-global", "--group", "nogroup"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("already root:nogroup 1775"),
        "{out:?}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn demo_without_the_global_grant_says_so_and_runs_with_local() {
    use std::os::unix::fs::PermissionsExt;
    if euid() != 0 {
        eprintln!("SKIPPED: needs root to run the demo as nobody");
        return;
    }
    let root = std::path::PathBuf::from(format!("/dev/shm/{}", unique("demo-root")));
    std::fs::create_dir(&root).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let out = nshm_as(&root, Some(65534), &["demo"]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{out:?}");
    assert!(
        said.contains("ERROR_ACCESS_DENIED (5)") && said.contains("needs a grant"),
        "{said}"
    );
    assert!(
        said.contains("Local\\MyFileMappingObject") && said.contains("is gone"),
        "{said}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}
