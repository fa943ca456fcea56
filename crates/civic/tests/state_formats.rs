//! Golden fixtures of the public-figure and document-index state values
//! (tables 0x3c, 0x48, 0x63) and of the bounded hooks' progress (tables 0x3a,
//! 0x3b, 0x47): one sample of each, its key and its value, encoded. They
//! freeze what a portal looks up and proves, and what every node must read
//! back identically to resume a hook's work in the next block; a deliberate format
//! change regenerates them with
//! `CIVITAS_UPDATE_GOLDEN=1 cargo test -p civitas-civic --test state_formats`
//! and updates docs/civic-transactions.md in the same commit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_civic::figures::{PeriodFigures, SlotFigures};
use civitas_civic::keys;
use civitas_civic::model::{DocumentEntry, NamespaceName};
use civitas_civic::recurring::{RecurringQueue, RecurringRun, SCHEDULED_PROGRAMMES_MAX};
use civitas_types::{BoundedBytes, BoundedVec, DecodeError, Hash, decode, encode};

const GOLDEN_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/state_values.txt");

fn period_figures() -> PeriodFigures {
    PeriodFigures {
        budget_cents: 100_000,
        reserved_cents: 28_000,
        executed_cents: 25_000,
        spent_cents: 6_500,
        redeemed_cents: 5_000,
        released_cents: 3_000,
        returned_cents: 0,
    }
}

fn slot_figures() -> SlotFigures {
    SlotFigures {
        price: 16,
        volume_wh: 4_500,
        settled: true,
        paid_by_buyers: 72_000,
        paid_to_sellers: 72_000,
        grid_credit: 12_500,
        grid_debit: 2_000,
    }
}

fn document_entry() -> DocumentEntry {
    DocumentEntry {
        record_id: BoundedBytes::try_from_vec(b"PC-2026-0001".to_vec()).unwrap(),
        version: 2,
    }
}

fn recurring_run() -> RecurringRun {
    RecurringRun {
        period: 3,
        next_schedule: 1_024,
    }
}

/// Programmes 4, 1 and 7 queued in that order (queue order is not id order).
fn recurring_queue() -> RecurringQueue {
    RecurringQueue {
        programmes: BoundedVec::try_from_vec(vec![4, 1, 7]).unwrap(),
    }
}

/// The clearing cursor's value: the community the last block stopped in.
const CLEARING_CURSOR: u64 = 5;

fn permits() -> NamespaceName {
    NamespaceName::from_text("permits/building").unwrap()
}

/// (name, key, value) of each sample.
fn samples() -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
    vec![
        (
            "period_figures",
            keys::period_figures(7, 3),
            encode(&period_figures()),
        ),
        (
            "slot_figures",
            keys::slot_figures(2, 96),
            encode(&slot_figures()),
        ),
        (
            "document_entry",
            keys::document(&permits(), &Hash([0xd1; 32])),
            encode(&document_entry()),
        ),
        (
            "recurring_run",
            keys::recurring_run(4),
            encode(&recurring_run()),
        ),
        (
            "recurring_queue",
            keys::recurring_queue(),
            encode(&recurring_queue()),
        ),
        (
            "clearing_cursor",
            keys::clearing_cursor(),
            encode(&CLEARING_CURSOR),
        ),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn render() -> String {
    let mut text = String::from(
        "# Golden state keys and values of the public figures, the document index and\n\
         # the bounded hooks' progress (crates/civic/tests/state_formats.rs).\n\
         # name key-hex value-hex; regenerate only for a deliberate format change.\n",
    );
    for (name, key, value) in samples() {
        text.push_str(&format!("{name} {} {}\n", hex(&key), hex(&value)));
    }
    text
}

#[test]
fn state_values_match_the_golden_fixtures() {
    let rendered = render();
    if std::env::var_os("CIVITAS_UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN_PATH, &rendered).unwrap();
    }
    let golden = std::fs::read_to_string(GOLDEN_PATH).expect("golden file; see the module doc");
    for (expected, actual) in golden.lines().zip(rendered.lines()) {
        assert_eq!(actual, expected, "encoding changed; see the module doc");
    }
    assert_eq!(golden.lines().count(), rendered.lines().count());
}

/// Decodes back to `value`, and refuses every truncation and a trailing byte.
fn strict<T: BorshSerialize + BorshDeserialize + PartialEq + std::fmt::Debug>(value: &T) {
    let bytes = encode(value);
    assert_eq!(&decode::<T>(&bytes).unwrap(), value);
    for cut in 0..bytes.len() {
        assert!(decode::<T>(&bytes[..cut]).is_err(), "truncated at {cut}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(decode::<T>(&longer).is_err(), "trailing byte");
}

#[test]
fn state_values_round_trip_and_decode_strictly() {
    strict(&period_figures());
    strict(&slot_figures());
    strict(&document_entry());
    strict(&recurring_run());
    strict(&recurring_queue());
    strict(&CLEARING_CURSOR);
}

#[test]
fn a_recurring_queue_longer_than_the_programme_bound_is_refused() {
    // The length prefix says 4,097 ids (one more than programmes may have
    // schedules), followed by that many ids: refused for its length.
    let too_many = SCHEDULED_PROGRAMMES_MAX as u32 + 1;
    let mut bytes = too_many.to_le_bytes().to_vec();
    for id in 0..u64::from(too_many) {
        bytes.extend(id.to_le_bytes());
    }
    match decode::<RecurringQueue>(&bytes) {
        Err(DecodeError::TooLong { limit, .. }) => {
            assert_eq!(limit, SCHEDULED_PROGRAMMES_MAX as u64)
        }
        other => panic!("a queue of {too_many} ids decoded: {other:?}"),
    }
    // At the bound it decodes.
    let at_bound = SCHEDULED_PROGRAMMES_MAX as u32;
    let mut bytes = at_bound.to_le_bytes().to_vec();
    for id in 0..u64::from(at_bound) {
        bytes.extend(id.to_le_bytes());
    }
    assert_eq!(
        decode::<RecurringQueue>(&bytes).unwrap().programmes.len(),
        SCHEDULED_PROGRAMMES_MAX
    );
}

#[test]
fn a_recurring_queue_whose_length_prefix_overstates_its_ids_is_refused() {
    let mut bytes = encode(&recurring_queue());
    // Three ids follow; the prefix claims four.
    bytes[..4].copy_from_slice(&4u32.to_le_bytes());
    assert!(decode::<RecurringQueue>(&bytes).is_err());
    // And claims two: the third id is a trailing value.
    bytes[..4].copy_from_slice(&2u32.to_le_bytes());
    assert!(decode::<RecurringQueue>(&bytes).is_err());
}

#[test]
fn a_settled_flag_other_than_0_or_1_is_refused() {
    let mut bytes = encode(&slot_figures());
    // price (8) and volume (8) come first, then the flag.
    bytes[16] = 2;
    assert!(decode::<SlotFigures>(&bytes).is_err());
}

#[test]
fn the_documented_keys_are_the_table_byte_then_the_borsh_identifier() {
    let mut period = vec![0x3c];
    period.extend(7u64.to_le_bytes());
    period.extend(3u64.to_le_bytes());
    assert_eq!(keys::period_figures(7, 3), period);
    let mut slot = vec![0x48];
    slot.extend(2u64.to_le_bytes());
    slot.extend(96u64.to_le_bytes());
    assert_eq!(keys::slot_figures(2, 96), slot);
    let mut document = vec![0x63];
    document.extend(16u32.to_le_bytes());
    document.extend(b"permits/building");
    document.extend([0xd1; 32]);
    assert_eq!(keys::document(&permits(), &Hash([0xd1; 32])), document);
    let mut run = vec![0x3a];
    run.extend(4u64.to_le_bytes());
    assert_eq!(keys::recurring_run(4), run);
    assert_eq!(keys::recurring_queue(), vec![0x3b]);
    assert_eq!(keys::clearing_cursor(), vec![0x47]);
}
