//! The export's bytes: each table as CSV and as JSON, and `manifest.json`.
//! Fixed everywhere — column order, row order, number forms, `\n` line
//! ends, one row per line — so the same state always gives the same bytes
//! (docs/auditor-guide.md, "Open data", describes them byte for byte).
//!
//! CSV: a header row of column names, then one row per line, fields
//! separated by `,`, integers in decimal, booleans `true`/`false`; a text
//! field is quoted (RFC 4180) only if it holds `,`, `"` or a line end, which
//! no namespace name can. JSON: `[`, one object per row per line (keys in
//! the CSV's column order, no spaces, rows separated by `,` at the line's
//! end), `]`; every integer is a decimal string (u64 values pass 2^53, as in
//! the JSON-RPC API).

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::tables::{NamespaceRecords, OpenData, PeriodRow, SlotRow};
use super::{Export, ExportHeader, hex};

/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The manifest's `format` field: changes when a file's layout does.
pub const FORMAT: &str = "civitas-open-data/1";

/// Money per programme and period.
pub const AID_PERIODS: &str = "aid-periods";
/// Energy slots' totals.
pub const ENERGY_SLOTS: &str = "energy-slots";
/// Registry records by status.
pub const REGISTRY_RECORDS: &str = "registry-records";

/// Columns of [`AID_PERIODS`].
pub const AID_PERIODS_COLUMNS: &[&str] = &[
    "programme",
    "collectivity",
    "period",
    "budget_cents",
    "reserved_cents",
    "executed_cents",
    "spent_cents",
    "redeemed_cents",
    "released_cents",
    "returned_cents",
];

/// Columns of [`ENERGY_SLOTS`].
pub const ENERGY_SLOTS_COLUMNS: &[&str] = &[
    "community",
    "collectivity",
    "slot",
    "slot_start_ms",
    "settled",
    "price_millicents_per_wh",
    "volume_wh",
    "paid_by_buyers_millicents",
    "paid_to_sellers_millicents",
    "grid_credit_millicents",
    "grid_debit_millicents",
];

/// Columns of [`REGISTRY_RECORDS`].
pub const REGISTRY_RECORDS_COLUMNS: &[&str] = &[
    "namespace",
    "collectivity",
    "records",
    "active",
    "transfer_pending",
    "revoked",
];

/// One field of a row.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Cell {
    Integer(u64),
    Flag(bool),
    Text(String),
}

/// A table ready to render: its file stem, columns and rows.
struct Table {
    stem: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
}

/// Renders `data` at `header` into every file of the export.
pub fn render(header: ExportHeader, data: &OpenData) -> Export {
    let mut files = BTreeMap::new();
    for table in tables(data) {
        files.insert(format!("{}.csv", table.stem), csv(&table).into_bytes());
        files.insert(format!("{}.json", table.stem), json(&table).into_bytes());
    }
    let manifest = manifest(&header, &files);
    files.insert(MANIFEST_FILE.to_owned(), manifest.into_bytes());
    Export { header, files }
}

fn tables(data: &OpenData) -> [Table; 3] {
    [
        Table {
            stem: AID_PERIODS,
            columns: AID_PERIODS_COLUMNS,
            rows: data.periods.iter().map(period_cells).collect(),
        },
        Table {
            stem: ENERGY_SLOTS,
            columns: ENERGY_SLOTS_COLUMNS,
            rows: data.slots.iter().map(slot_cells).collect(),
        },
        Table {
            stem: REGISTRY_RECORDS,
            columns: REGISTRY_RECORDS_COLUMNS,
            rows: data.namespaces.iter().map(namespace_cells).collect(),
        },
    ]
}

fn period_cells(row: &PeriodRow) -> Vec<Cell> {
    let f = &row.figures;
    let mut cells = vec![
        Cell::Integer(row.programme),
        Cell::Integer(u64::from(row.collectivity)),
        Cell::Integer(row.period),
    ];
    cells.extend(
        [
            f.budget_cents,
            f.reserved_cents,
            f.executed_cents,
            f.spent_cents,
            f.redeemed_cents,
            f.released_cents,
            f.returned_cents,
        ]
        .map(Cell::Integer),
    );
    cells
}

fn slot_cells(row: &SlotRow) -> Vec<Cell> {
    let f = &row.figures;
    let mut cells = vec![
        Cell::Integer(row.community),
        Cell::Integer(u64::from(row.collectivity)),
        Cell::Integer(row.slot),
        Cell::Integer(row.slot_start_ms),
        Cell::Flag(f.settled),
    ];
    cells.extend(
        [
            f.price,
            f.volume_wh,
            f.paid_by_buyers,
            f.paid_to_sellers,
            f.grid_credit,
            f.grid_debit,
        ]
        .map(Cell::Integer),
    );
    cells
}

fn namespace_cells(row: &NamespaceRecords) -> Vec<Cell> {
    let mut cells = vec![
        Cell::Text(row.namespace.clone()),
        Cell::Integer(u64::from(row.collectivity)),
    ];
    cells.extend([row.records, row.active, row.transfer_pending, row.revoked].map(Cell::Integer));
    cells
}

/// The CSV form of `table`.
fn csv(table: &Table) -> String {
    let mut text = table.columns.join(",");
    text.push('\n');
    for row in &table.rows {
        let fields: Vec<String> = row.iter().map(csv_field).collect();
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    text
}

fn csv_field(cell: &Cell) -> String {
    match cell {
        Cell::Integer(value) => value.to_string(),
        Cell::Flag(value) => value.to_string(),
        Cell::Text(text) if text.contains([',', '"', '\n', '\r']) => {
            format!("\"{}\"", text.replace('"', "\"\""))
        }
        Cell::Text(text) => text.clone(),
    }
}

/// The JSON form of `table`.
fn json(table: &Table) -> String {
    let rows: Vec<String> = table
        .rows
        .iter()
        .map(|row| {
            let fields: Vec<String> = table
                .columns
                .iter()
                .zip(row)
                .map(|(column, cell)| format!("{}:{}", json_string(column), json_value(cell)))
                .collect();
            format!("{{{}}}", fields.join(","))
        })
        .collect();
    if rows.is_empty() {
        "[\n]\n".to_owned()
    } else {
        format!("[\n{}\n]\n", rows.join(",\n"))
    }
}

fn json_value(cell: &Cell) -> String {
    match cell {
        Cell::Integer(value) => format!("\"{value}\""),
        Cell::Flag(value) => value.to_string(),
        Cell::Text(text) => json_string(text),
    }
}

/// `text` as a JSON string: `"` and `\` escaped, control characters as
/// `\u00XX`, everything else as is (UTF-8).
fn json_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len().saturating_add(2));
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if u32::from(c) < 0x20 => quoted.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// The SHA-256 of `bytes` (plain, not domain-separated: `sha256sum` gives it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `manifest.json`: the chain, the height, the state root and every data
/// file with its SHA-256, one field per line.
fn manifest(header: &ExportHeader, files: &BTreeMap<String, Vec<u8>>) -> String {
    let time = header
        .block_time_ms
        .map_or_else(|| "null".to_owned(), |time| format!("\"{time}\""));
    let listed: Vec<String> = files
        .iter()
        .map(|(name, bytes)| {
            format!(
                "    {{\"name\":{},\"sha256\":\"{}\"}}",
                json_string(name),
                sha256_hex(bytes)
            )
        })
        .collect();
    format!(
        "{{\n  \"format\": {},\n  \"chainId\": {},\n  \"genesisHash\": {},\n  \"height\": \"{}\",\n  \"stateRoot\": {},\n  \"blockTimeMs\": {},\n  \"files\": [\n{}\n  ]\n}}\n",
        json_string(FORMAT),
        json_string(&header.chain_id),
        json_string(&header.genesis_hash),
        header.height,
        json_string(&header.state_root),
        time,
        listed.join(",\n"),
    )
}
