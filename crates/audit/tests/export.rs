//! The open-data export computed from a replayed chain's verified state:
//! byte-identical from two replays, a figure in every table (aid periods,
//! energy slots, registry records by status), and `check_export` naming the
//! first differing line of an edited file, a missing or extra file and a
//! relabelled manifest.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

#[path = "../benches/support/generator.rs"]
mod generator;

use std::collections::BTreeMap;

use civitas_audit::ChainAudit;
use civitas_audit::export::{
    Export, ExportError, ExportHeader, FileDifference, MANIFEST_FILE, ManifestHead, check_export,
    export,
};
use civitas_civic::energy::Community;
use civitas_civic::figures::SlotFigures;
use civitas_civic::keys;
use civitas_civic::model::{NamespaceName, Record, RecordId};
use civitas_state_tree::MemoryState;
use civitas_types::{AccountId, Block, BoundedBytes, BoundedVec, encode};

const SEED: u64 = 11;
const PER_BLOCK: usize = 40;
const BENEFICIARIES: usize = 8;
const BLOCKS: usize = 3;

fn blocks() -> (generator::ChainGenerator, Vec<Block>) {
    let mut generator = generator::ChainGenerator::new(SEED, PER_BLOCK, BENEFICIARIES);
    let blocks = (0..BLOCKS).map(|_| generator.next_block()).collect();
    (generator, blocks)
}

/// Replays the first `count` blocks; the export header and the final state.
fn replay(count: usize) -> (ExportHeader, MemoryState) {
    let (generator, blocks) = blocks();
    let mut audit = ChainAudit::new(&generator::genesis(SEED)).unwrap();
    for block in &blocks[..count] {
        audit.push(block.clone()).unwrap();
    }
    let certificate = match blocks.get(count) {
        Some(next) => next.last_commit.clone(),
        None => generator.last_certificate(),
    };
    let (summary, state) = audit.finish_with_state(certificate).unwrap();
    assert_eq!(summary.height, count as u64);
    (ExportHeader::from_audit(&summary, &state), state)
}

fn text(export: &Export, file: &str) -> String {
    String::from_utf8(export.files[file].clone()).unwrap()
}

fn permits() -> NamespaceName {
    NamespaceName::from_text(civitas_demo::BUILDING_PERMITS).unwrap()
}

/// `state` with a settled slot of a community 0, one revoked record and
/// one waiting for a transfer.
fn with_energy_and_record_statuses(state: &MemoryState) -> MemoryState {
    let community = Community {
        collectivity: civitas_demo::CITY_SIREN,
        slot_ms: 1_800_000,
        first_slot_ms: 1_767_225_600_000,
        grid_price: 25,
        feed_in_price: 6,
        next_meter: 2,
        pending_slots: BoundedVec::try_from_vec(vec![]).unwrap(),
    };
    let figures = SlotFigures {
        price: 14,
        volume_wh: 1_500,
        settled: true,
        paid_by_buyers: 21_000,
        paid_to_sellers: 21_000,
        grid_credit: 12_500,
        grid_debit: 0,
    };
    let record = |revoked, pending_transfer| Record {
        version: 1,
        owner: Some(AccountId([1; 32])),
        revoked,
        pending_transfer,
    };
    let id =
        |text: &str| -> RecordId { BoundedBytes::try_from_vec(text.as_bytes().to_vec()).unwrap() };
    let writes = BTreeMap::from([
        (keys::community(0), Some(encode(&community))),
        (keys::slot_figures(0, 96), Some(encode(&figures))),
        (
            keys::record(&permits(), &id("ZZ-REVOKED")),
            Some(encode(&record(Some(3), None))),
        ),
        (
            keys::record(&permits(), &id("ZZ-TRANSFER")),
            Some(encode(&record(None, Some(AccountId([2; 32]))))),
        ),
    ]);
    state.apply(writes).unwrap()
}

#[test]
fn two_replays_give_byte_identical_exports_with_the_chain_s_height_and_root() {
    let (header, state) = replay(BLOCKS);
    let first = export(header.clone(), &state).unwrap();
    let (header_again, state_again) = replay(BLOCKS);
    let second = export(header_again, &state_again).unwrap();
    assert_eq!(first, second);
    let names: Vec<&str> = first.files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "aid-periods.csv",
            "aid-periods.json",
            "energy-slots.csv",
            "energy-slots.json",
            MANIFEST_FILE,
            "registry-records.csv",
            "registry-records.json",
        ]
    );
    let head = ManifestHead::parse(&first.files[MANIFEST_FILE]).unwrap();
    assert_eq!(head.height, BLOCKS as u64);
    assert_eq!(head.state_root, state.root().to_string());
    assert_eq!(head.chain_id, header.chain_id);
    assert_eq!(head.genesis_hash, header.genesis_hash);
    let manifest = text(&first, MANIFEST_FILE);
    assert!(manifest.ends_with("  ]\n}\n"), "{manifest}");
    assert!(
        manifest.contains("\"format\": \"civitas-open-data/1\",\n"),
        "{manifest}"
    );
    // Every data file's SHA-256 is listed (that of the bytes, as sha256sum gives it).
    for (name, bytes) in first.files.iter().filter(|(n, _)| *n != MANIFEST_FILE) {
        let digest = civitas_audit::export::render::sha256_hex(bytes);
        assert!(
            manifest.contains(&format!("{{\"name\":\"{name}\",\"sha256\":\"{digest}\"}}")),
            "{name}: {manifest}"
        );
    }
}

#[test]
fn every_table_has_its_figures_in_csv_and_json() {
    let (header, state) = replay(BLOCKS);
    let state = with_energy_and_record_statuses(&state);
    let header = ExportHeader {
        state_root: state.root().to_string(),
        ..header
    };
    let exported = export(header, &state).unwrap();

    // Programme 0: its whole budget (u64::MAX / 4, past 2^53) in the period
    // of the genesis time (1: periods of 10^12 ms from time 0).
    let periods = text(&exported, "aid-periods.csv");
    let mut lines = periods.lines();
    assert_eq!(
        lines.next().unwrap(),
        "programme,collectivity,period,budget_cents,reserved_cents,executed_cents,spent_cents,redeemed_cents,released_cents,returned_cents"
    );
    let row = lines.next().unwrap();
    let budget = u64::MAX / 4;
    assert!(
        row.starts_with(&format!("0,219900016,1,{budget},")),
        "{row}"
    );
    let fields: Vec<u64> = row.split(',').map(|f| f.parse().unwrap()).collect();
    assert!(fields[4] > 0 && fields[5] > 0 && fields[6] > 0, "{row}");
    let periods_json = text(&exported, "aid-periods.json");
    assert!(
        periods_json.starts_with(&format!(
            "[\n{{\"programme\":\"0\",\"collectivity\":\"219900016\",\"period\":\"1\",\"budget_cents\":\"{budget}\","
        )),
        "{periods_json}"
    );
    assert!(periods_json.ends_with("}\n]\n"), "{periods_json}");

    assert_eq!(
        text(&exported, "energy-slots.csv"),
        "community,collectivity,slot,slot_start_ms,settled,price_millicents_per_wh,volume_wh,paid_by_buyers_millicents,paid_to_sellers_millicents,grid_credit_millicents,grid_debit_millicents\n\
         0,219900016,96,1767398400000,true,14,1500,21000,21000,12500,0\n"
    );
    assert_eq!(
        text(&exported, "energy-slots.json"),
        "[\n{\"community\":\"0\",\"collectivity\":\"219900016\",\"slot\":\"96\",\"slot_start_ms\":\"1767398400000\",\"settled\":true,\"price_millicents_per_wh\":\"14\",\"volume_wh\":\"1500\",\"paid_by_buyers_millicents\":\"21000\",\"paid_to_sellers_millicents\":\"21000\",\"grid_credit_millicents\":\"12500\",\"grid_debit_millicents\":\"0\"}\n]\n"
    );

    // The generator registers one permit per group of its civic mix.
    let records = text(&exported, "registry-records.csv");
    let mut lines = records.lines();
    assert_eq!(
        lines.next().unwrap(),
        "namespace,collectivity,records,active,transfer_pending,revoked"
    );
    let permits_row = lines
        .find(|l| l.starts_with("permits/building,"))
        .unwrap_or_else(|| panic!("{records}"));
    let counts: Vec<u64> = permits_row
        .split(',')
        .skip(2)
        .map(|f| f.parse().unwrap())
        .collect();
    assert_eq!(counts[0], counts[1] + 2, "{permits_row}");
    assert_eq!(&counts[2..], [1, 1], "{permits_row}");
    assert!(counts[1] > 0, "{permits_row}");
}

#[test]
fn an_edited_row_is_named_with_its_file_and_line() {
    let (header, state) = replay(BLOCKS);
    let expected = export(header, &state).unwrap();
    let mut found = expected.files.clone();
    let edited = text(&expected, "aid-periods.csv");
    let original_row = edited.lines().nth(1).unwrap().to_owned();
    let forged_row = original_row.replacen(",0,", ",0,1", 1);
    found.insert(
        "aid-periods.csv".into(),
        edited.replacen(&original_row, &forged_row, 1).into_bytes(),
    );
    let report = check_export(&expected, &found);
    assert!(!report.matches());
    assert_eq!(
        report.differences,
        [FileDifference::Line {
            file: "aid-periods.csv".into(),
            line: 2,
            field: None,
            expected: Some(original_row.clone()),
            found: Some(forged_row.clone()),
            line_end_only: false,
        }]
    );
    assert_eq!(
        report.differences[0].to_string(),
        format!("aid-periods.csv line 2: expected `{original_row}`, found `{forged_row}`")
    );

    let unchanged = check_export(&expected, &expected.files);
    assert!(unchanged.matches(), "{:?}", unchanged.differences);
    assert_eq!(unchanged.files, 7);
}

#[test]
fn a_missing_file_an_extra_file_and_a_cut_file_are_named() {
    let (header, state) = replay(BLOCKS);
    let expected = export(header, &state).unwrap();
    let mut found = expected.files.clone();
    found.remove("registry-records.json");
    found.insert("notes.txt".into(), b"mine\n".to_vec());
    let cut = text(&expected, "registry-records.csv");
    let first_line = format!("{}\n", cut.lines().next().unwrap());
    found.insert("registry-records.csv".into(), first_line.into_bytes());
    let report = check_export(&expected, &found);
    let described: Vec<String> = report.differences.iter().map(ToString::to_string).collect();
    let second_line = cut.lines().nth(1).unwrap();
    assert_eq!(
        described,
        [
            "notes.txt: not a file of the export (extra)".to_owned(),
            format!(
                "registry-records.csv line 2: expected `{second_line}`, found the end of the file"
            ),
            "registry-records.json: missing".to_owned(),
        ]
    );
}

#[test]
fn an_export_of_another_height_relabelled_is_caught_in_the_manifest() {
    let (earlier_header, earlier_state) = replay(BLOCKS - 1);
    let earlier = export(earlier_header, &earlier_state).unwrap();
    let (header, state) = replay(BLOCKS);
    let expected = export(header, &state).unwrap();
    let mut relabelled = earlier.files.clone();
    let manifest = text(&earlier, MANIFEST_FILE).replace(
        &format!("\"height\": \"{}\"", BLOCKS - 1),
        &format!("\"height\": \"{BLOCKS}\""),
    );
    assert_eq!(
        ManifestHead::parse(manifest.as_bytes()).unwrap().height,
        BLOCKS as u64
    );
    relabelled.insert(MANIFEST_FILE.into(), manifest.into_bytes());
    let report = check_export(&expected, &relabelled);
    let manifest_difference = report
        .differences
        .iter()
        .find(|d| d.file() == MANIFEST_FILE)
        .unwrap();
    let FileDifference::Line { line, field, .. } = manifest_difference else {
        panic!("{manifest_difference:?}");
    };
    assert_eq!((*line, field.as_deref()), (6, Some("stateRoot")));
    assert!(
        manifest_difference
            .to_string()
            .starts_with("manifest.json line 6 (stateRoot): expected `  \"stateRoot\": \""),
        "{manifest_difference}"
    );
    // The figures moved between the heights: the aid file differs too.
    assert!(
        report
            .differences
            .iter()
            .any(|d| d.file() == "aid-periods.csv")
    );
}

#[test]
fn a_state_value_that_does_not_decode_is_a_typed_error() {
    let (header, state) = replay(1);
    let broken = state
        .apply(BTreeMap::from([(
            keys::slot_figures(0, 1),
            Some(vec![1, 2, 3]),
        )]))
        .unwrap();
    let error = export(header, &broken).unwrap_err();
    assert!(
        matches!(error, ExportError::Undecodable { table: 0x48, .. }),
        "{error}"
    );
}
