//! End to end: `civitas audit export` and `civitas audit check-export`
//! against a devnet with the demo activity (issue 20). Two exports of one
//! height are byte-identical, over RPC and from the node's data directory;
//! check-export accepts an export and names, with exit 5, an edited row (file
//! and line), an export of another height relabelled (the manifest's state
//! root) and a deleted file.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::cli::Cli;
use crate::common::{DemoHome, TEST_CREDENTIAL};

/// Every file of `dir`, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_str().unwrap().to_owned();
            (name, std::fs::read(entry.path()).unwrap())
        })
        .collect()
}

/// A copy of the export in `from`, in a new directory `to` of the user's.
fn copy(cli: &Cli, from: &str, to: &str) -> String {
    let target = cli.path(to);
    std::fs::create_dir_all(&target).unwrap();
    for (name, bytes) in files(&cli.path(from)) {
        std::fs::write(target.join(name), bytes).unwrap();
    }
    target.to_str().unwrap().to_owned()
}

fn text(cli: &Cli, dir: &str, file: &str) -> String {
    std::fs::read_to_string(cli.path(dir).join(file)).unwrap()
}

#[test]
fn an_export_is_reproducible_and_check_export_names_what_differs() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let cli = Cli::new(&node);
    let credential = cli.write("auditor.credential", TEST_CREDENTIAL);
    let genesis = home.genesis_path.to_str().unwrap();
    let tip = node.rpc.status().unwrap().height;
    // The last block with transactions (the demo's spend), and the one before.
    let last_activity = (1..=tip)
        .rev()
        .find(|h| !node.rpc.block(*h).unwrap().unwrap().transactions.is_empty())
        .unwrap();
    let height = last_activity.to_string();
    let before = (last_activity - 1).to_string();
    let export = |at: &str, out: &str, extra: &[&str]| {
        let out = cli.path(out);
        let mut args = vec![
            "audit",
            "export",
            "--height",
            at,
            "--genesis",
            genesis,
            "--credential-file",
            &credential,
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        cli.run(&args)
    };
    let check = |dir: &str| {
        cli.run(&[
            "audit",
            "check-export",
            dir,
            "--genesis",
            genesis,
            "--credential-file",
            &credential,
        ])
    };

    // Two exports of one height: the same bytes.
    let first = export(&height, "open-data", &[]);
    assert_eq!(first.code, 0, "{first:?}");
    assert!(
        first
            .stdout
            .contains(&format!("at height {last_activity} to ")),
        "{first:?}"
    );
    let second = export(&height, "open-data-again", &[]);
    assert_eq!(second.code, 0, "{second:?}");
    let exported = files(&cli.path("open-data"));
    assert_eq!(exported.len(), 7, "{:?}", exported.keys());
    assert_eq!(exported, files(&cli.path("open-data-again")));

    // The demo's figures: the programme's budget, order, execution and
    // spend (summed over its periods: a slow run may cross a period's end);
    // the permit, registered then amended, active.
    let periods = text(&cli, "open-data", "aid-periods.csv");
    let mut totals = [0u64; 7];
    for row in periods
        .lines()
        .filter(|row| row.starts_with("0,219900016,"))
    {
        let amounts: Vec<u64> = row.split(',').skip(3).map(|a| a.parse().unwrap()).collect();
        for (total, amount) in totals.iter_mut().zip(amounts) {
            *total += amount;
        }
    }
    assert_eq!(
        totals,
        [1_000_000, 15_000, 15_000, 4_250, 0, 0, 0],
        "{periods}"
    );
    let records = text(&cli, "open-data", "registry-records.csv");
    assert!(
        records.contains("\npermits/building,219900016,1,1,0,0\n"),
        "{records}"
    );
    let manifest = text(&cli, "open-data", "manifest.json");
    let header = node.rpc.block(last_activity).unwrap().unwrap();
    assert!(
        manifest.contains(&format!(
            "\"stateRoot\": \"{}\",\n",
            header.state_root.trim_start_matches("0x")
        )),
        "{manifest}"
    );

    // From the node's data directory: the same bytes.
    let from_disk = cli.run(&[
        "audit",
        "export",
        "--height",
        &height,
        "--genesis",
        genesis,
        "--data-dir",
        home.home.to_str().unwrap(),
        "--out",
        cli.path("open-data-from-disk").to_str().unwrap(),
    ]);
    assert_eq!(from_disk.code, 0, "{from_disk:?}");
    assert_eq!(exported, files(&cli.path("open-data-from-disk")));

    // A directory that holds files is refused unless --force.
    let refused = export(&height, "open-data", &[]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("--force"), "{refused:?}");
    let forced = export(&height, "open-data", &["--force"]);
    assert_eq!(forced.code, 0, "{forced:?}");
    assert_eq!(exported, files(&cli.path("open-data")));

    // The export checks.
    let checked = check("open-data");
    assert_eq!(checked.code, 0, "{checked:?}");
    assert!(
        checked.stdout.starts_with(&format!(
            "all 7 files match the chain at height {last_activity} (state root {})",
            header.state_root.trim_start_matches("0x")
        )),
        "{checked:?}"
    );

    // An edited row: its file and line.
    let edited = copy(&cli, "open-data", "edited");
    let row = periods.lines().nth(1).unwrap();
    let forged = row.replace(",4250,", ",42500,");
    std::fs::write(
        cli.path("edited").join("aid-periods.csv"),
        periods.replace(row, &forged),
    )
    .unwrap();
    let run = check(&edited);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stdout.contains(&format!(
            "aid-periods.csv line 2: expected `{row}`, found `{forged}`"
        )),
        "{run:?}"
    );
    assert_eq!(run.stdout.lines().count(), 2, "{run:?}");
    assert!(run.stderr.contains("aid-periods.csv"), "{run:?}");

    // An export of the height before, relabelled: the manifest's state root.
    let earlier = export(&before, "earlier", &[]);
    assert_eq!(earlier.code, 0, "{earlier:?}");
    let relabelled_manifest = text(&cli, "earlier", "manifest.json").replace(
        &format!("\"height\": \"{before}\""),
        &format!("\"height\": \"{height}\""),
    );
    std::fs::write(
        cli.path("earlier").join("manifest.json"),
        relabelled_manifest,
    )
    .unwrap();
    let earlier_path = cli.path("earlier");
    let run = check(earlier_path.to_str().unwrap());
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stdout
            .contains("manifest.json line 6 (stateRoot): expected"),
        "{run:?}"
    );
    assert!(run.stdout.contains("aid-periods.csv line 2"), "{run:?}");

    // A deleted file.
    let cut = copy(&cli, "open-data", "cut");
    std::fs::remove_file(cli.path("cut").join("registry-records.json")).unwrap();
    let run = cli.run(&[
        "--json",
        "audit",
        "check-export",
        &cut,
        "--genesis",
        genesis,
        "--credential-file",
        &credential,
    ]);
    assert_eq!(run.code, 5, "{run:?}");
    let report = run.json();
    assert_eq!(report["matches"], false, "{report}");
    assert_eq!(
        report["differences"],
        serde_json::json!([{"file": "registry-records.json", "difference": "registry-records.json: missing"}]),
        "{report}"
    );
}
