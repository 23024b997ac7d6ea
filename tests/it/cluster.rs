//! The cluster examples in `examples/cluster/` run as written, here: the Slurm job array's
//! scripts with the variables Slurm sets (each task, then the merge), the submit script against
//! a stand-in `sbatch` that records its arguments, and the Kubernetes Jobs' commands, read from
//! the manifest, with the manifest's environment and the index Kubernetes sets. Each merge
//! writes exactly the unsharded sweep's files. The environment swaps the examples' scenario,
//! runs and results directory for a small sweep and a temporary directory.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Command, Output},
};
use yaml_rust2::{Yaml, YamlLoader};

const BIN: &str = env!("CARGO_BIN_EXE_backstop");
const SCENARIO: &str = "black-thursday-2020-counterfactual";
const RUNS: &str = "2";

fn cluster(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cluster").join(file)
}

fn ok(out: Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what}: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The examples' sweep, unsharded, with the test's scenario and runs.
fn unsharded(out: &Path) {
    let o = Command::new(BIN)
        .args(["sweep", SCENARIO, "--param", "english.ttl=600,3600,10800,21600"])
        .args(["--param", "english.beg=1.01:1.05:5", "--runs", RUNS, "--seed", "0"])
        .args(["--objective", "discount_pct", "--max-hours", "48", "--min-prob", "0.9"])
        .args(["--quiet", "--out"])
        .arg(out)
        .output()
        .unwrap();
    ok(o, "unsharded sweep");
}

/// `merged` holds exactly the files of `whole`, byte for byte.
fn assert_same_files(whole: &Path, merged: &Path) {
    let read = |dir: &Path| -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())
            })
            .collect()
    };
    let (a, b) = (read(whole), read(merged));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a.contains_key("best-params.toml") && a.contains_key("heatmap.png"));
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs from the unsharded sweep's");
    }
}

#[test]
fn the_slurm_array_and_its_merge_write_the_unsharded_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    let script = std::fs::read_to_string(cluster("slurm-shard.sbatch")).unwrap();
    // The array as the script asks Slurm for it.
    let array = script.lines().find_map(|l| l.strip_prefix("#SBATCH --array=")).unwrap();
    let (lo, hi) = array.split_once('-').unwrap();
    let (lo, hi): (u64, u64) = (lo.parse().unwrap(), hi.parse().unwrap());
    let count = hi - lo + 1;
    assert_eq!(count, 8);
    let shard = |id: u64| {
        Command::new("bash")
            .arg(cluster("slurm-shard.sbatch"))
            .env("RESULTS", &results)
            .env("BACKSTOP", BIN)
            .env("SCENARIO", SCENARIO)
            .env("RUNS", RUNS)
            .env("SLURM_ARRAY_JOB_ID", "4242")
            .env("SLURM_ARRAY_TASK_ID", id.to_string())
            .env("SLURM_ARRAY_TASK_MIN", lo.to_string())
            .env("SLURM_ARRAY_TASK_MAX", hi.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", count.to_string())
            .env("SLURM_CPUS_PER_TASK", "1")
            .output()
            .unwrap()
    };
    // Tasks finish in any order.
    for id in (lo..=hi).rev() {
        let out = ok(shard(id), &format!("array task {id}"));
        assert!(out.contains(&format!("shard {}/{count}", id - lo + 1)), "{out}");
    }
    let merge = || {
        Command::new("bash")
            .arg(cluster("slurm-merge.sbatch"))
            .env("RESULTS", &results)
            .env("BACKSTOP", BIN)
            .output()
            .unwrap()
    };
    let table = ok(merge(), "merge job");
    assert!(table.contains("<- best"), "{table}");
    let whole = dir.path().join("whole");
    unsharded(&whole);
    assert_same_files(&whole, &results.join("merged"));
    // A shard lost: the merge job fails and names it.
    std::fs::remove_dir_all(results.join("shards/3")).unwrap();
    std::fs::remove_dir_all(results.join("merged")).unwrap();
    let out = merge();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("merge: 7 of 8 shards given; missing: 3/8"), "{err}");
    // Outside an array the shard script says so.
    let out = Command::new("bash")
        .arg(cluster("slurm-shard.sbatch"))
        .env("RESULTS", &results)
        .env("SLURM_ARRAY_TASK_ID", "0")
        .env_remove("SLURM_ARRAY_TASK_COUNT")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an array task"));
}

#[test]
fn slurm_submit_makes_the_merge_depend_on_every_shard() {
    let dir = tempfile::tempdir().unwrap();
    // A stand-in sbatch: records its arguments, answers as `--parsable` does (id;cluster).
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let sbatch = bin.join("sbatch");
    std::fs::write(
        &sbatch,
        "#!/bin/sh\necho \"$*\" >> \"$SBATCH_LOG\"\nn=$(wc -l < \"$SBATCH_LOG\")\necho \"$((4241 + n));main\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&sbatch, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    for (shards, array) in [(Some("16"), " --array=0-15"), (None, "")] {
        let log = dir.path().join(format!("sbatch-{}.log", shards.unwrap_or("default")));
        let mut cmd = Command::new("bash");
        cmd.arg(cluster("slurm-submit.sh"))
            .env("PATH", &path)
            .env("SBATCH_LOG", &log)
            .env("RESULTS", dir.path().join("results"));
        match shards {
            Some(n) => cmd.env("SHARDS", n),
            None => cmd.env_remove("SHARDS"),
        };
        let out = ok(cmd.output().unwrap(), "slurm-submit.sh");
        assert!(out.contains("shards: job 4242; merge: job 4243"), "{out}");
        let calls = std::fs::read_to_string(&log).unwrap();
        let calls: Vec<&str> = calls.lines().collect();
        assert_eq!(
            calls,
            [
                format!(
                    "--parsable --export=ALL{array} {}",
                    cluster("slurm-shard.sbatch").display()
                ),
                format!(
                    "--parsable --export=ALL --dependency=afterok:4242 {}",
                    cluster("slurm-merge.sbatch").display()
                ),
            ]
        );
    }
}

/// A container's environment, from the manifest.
fn env_of(container: &Yaml) -> BTreeMap<String, String> {
    container["env"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_owned(), e["value"].as_str().unwrap().to_owned()))
        .collect()
}

/// A container's `/bin/sh -c` script.
fn script_of(container: &Yaml) -> String {
    let cmd = container["command"].as_vec().unwrap();
    assert_eq!(cmd[0].as_str(), Some("/bin/sh"));
    assert_eq!(cmd[1].as_str(), Some("-c"));
    cmd[2].as_str().unwrap().to_owned()
}

#[test]
fn the_kubernetes_indexed_job_and_its_merge_write_the_unsharded_sweep() {
    let text = std::fs::read_to_string(cluster("k8s-sweep.yaml")).unwrap();
    let docs = YamlLoader::load_from_str(&text).unwrap();
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["PersistentVolumeClaim", "Job", "Job"]);
    let (pvc, shards, merge) = (&docs[0], &docs[1]["spec"], &docs[2]["spec"]);
    assert_eq!(shards["completionMode"].as_str(), Some("Indexed"));
    let n = shards["completions"].as_i64().unwrap();
    let shard = &shards["template"]["spec"]["containers"][0];
    let wait = &merge["template"]["spec"]["initContainers"][0];
    let merger = &merge["template"]["spec"]["containers"][0];
    // One shard count and one results directory, on the claim every pod mounts.
    let claim = pvc["metadata"]["name"].as_str().unwrap();
    let (shard_env, wait_env, merge_env) = (env_of(shard), env_of(wait), env_of(merger));
    for (job, env) in [(&docs[1], &shard_env), (&docs[2], &merge_env), (&docs[2], &wait_env)] {
        assert_eq!(env["SHARDS"], n.to_string());
        assert_eq!(env["RESULTS"], shard_env["RESULTS"]);
        let volume = &job["spec"]["template"]["spec"]["volumes"][0];
        assert_eq!(volume["persistentVolumeClaim"]["claimName"].as_str(), Some(claim));
    }
    let mount = shard["volumeMounts"][0]["mountPath"].as_str().unwrap();
    assert!(shard_env["RESULTS"].starts_with(mount), "RESULTS is on the shared volume");
    assert_eq!(pvc["spec"]["accessModes"][0].as_str(), Some("ReadWriteMany"));

    // Each pod's command, run here: the manifest's environment, the index Kubernetes sets, the
    // results on a temporary directory, fewer runs of a smaller scenario, `backstop` on PATH.
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let run = |script: &str, env: &BTreeMap<String, String>, index: Option<i64>| {
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg(script).envs(env).env("PATH", &path).env("RESULTS", &results);
        cmd.env("SCENARIO", SCENARIO).env("RUNS", RUNS).env("THREADS", "1");
        if let Some(i) = index {
            cmd.env("JOB_COMPLETION_INDEX", i.to_string());
        }
        cmd.output().unwrap()
    };
    for i in (0..n).rev() {
        let out = ok(run(&script_of(shard), &shard_env, Some(i)), &format!("shard pod {i}"));
        assert!(out.contains(&format!("shard {}/{n}", i + 1)), "{out}");
    }
    let waited = ok(run(&script_of(wait), &wait_env, None), "init container");
    assert!(waited.contains(&format!("{n} of {n} shards finished")), "{waited}");
    let table = ok(run(&script_of(merger), &merge_env, None), "merge pod");
    assert!(table.contains("<- best"), "{table}");
    let whole = dir.path().join("whole");
    unsharded(&whole);
    assert_same_files(&whole, &results.join("merged"));
}
