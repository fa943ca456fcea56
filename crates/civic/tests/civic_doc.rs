//! Checks docs/civic-transactions.md's "Byte layouts" against the code, so an
//! auditor can write a decoder from the document alone.
//!
//! - Schema: every `<!-- schema: ... -->` table is parsed. For each type and
//!   each variant of each enum, the test builds bytes from the document's
//!   description alone (a distinct value in every field), decodes them with the
//!   code's type, and checks that all bytes are used and that the decoded value
//!   shows each field's name and value in the documented order. Every bound
//!   `≤ N` is checked by raising its prefix to N + 1 (the code must refuse it
//!   with a limit of N), and the tag after each enum's last documented one must
//!   be unknown to the code, so a variant added without its row fails here.
//! - Examples: each `<!-- example: NAME -->` block must equal the encoding
//!   computed here; `CIVITAS_UPDATE_GOLDEN=1` rewrites the blocks after a
//!   deliberate format change.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Debug;

use borsh::BorshDeserialize;
use civitas_civic::action::*;
use civitas_civic::aid::{Beneficiary, ClosingCursor, Order, Programme, ProgrammeRules};
use civitas_civic::clearing::Side;
use civitas_civic::duties::AidDuty;
use civitas_civic::energy::{Community, EnergyAccount, Meter, SlotBook};
use civitas_civic::governance::{GovernanceAction, Proposal};
use civitas_civic::identity::DelegationRef;
use civitas_civic::metadata::{FieldName, FieldSpec, FieldValue, RecordMetadata, Reference};
use civitas_civic::model::*;
use civitas_civic::recurring::{RecurringQueue, RecurringRun, Schedule};
use civitas_civic::{Action, Event, Receipt};
use civitas_types::{
    AccountId, BoundedBytes, BoundedVec, DecodeError, Hash, PublicKey, decode, encode, merkle,
};
use common::{SIREN, account, key, namespace};

const DOC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/civic-transactions.md"
);

// ---------------------------------------------------------------------------
// The document's type language.

#[derive(Clone, Debug)]
enum Ty {
    Int(u8),
    Bool,
    Array32,
    Bytes(Option<usize>),
    Vec(Box<Ty>, Option<usize>),
    Option(Box<Ty>),
    Tuple(Vec<Ty>),
    Struct(Vec<(String, Ty)>),
    Enum(Vec<(u8, String, Fields)>),
    Named(String),
}

#[derive(Clone, Debug)]
enum Fields {
    Unit,
    Tuple(Vec<Ty>),
    Named(Vec<(String, Ty)>),
}

fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if !c.is_whitespace() {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

struct Parser {
    tokens: Vec<String>,
    at: usize,
}

impl Parser {
    fn new(text: &str) -> Parser {
        Parser {
            tokens: tokens(text),
            at: 0,
        }
    }
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }
    fn next(&mut self) -> String {
        let token = self.tokens.get(self.at).cloned().expect("more tokens");
        self.at += 1;
        token
    }
    fn expect(&mut self, token: &str) {
        let got = self.next();
        assert_eq!(got, token, "in {:?}", self.tokens);
    }
    fn done(&self) -> bool {
        self.at == self.tokens.len()
    }
    fn bound(&mut self) -> Option<usize> {
        if self.peek() == Some("≤") {
            self.next();
            Some(self.next().parse().expect("a number after ≤"))
        } else {
            None
        }
    }
    fn ty(&mut self) -> Ty {
        let token = self.next();
        match token.as_str() {
            "u8" => Ty::Int(1),
            "u16" => Ty::Int(2),
            "u32" => Ty::Int(4),
            "u64" => Ty::Int(8),
            "bool" => Ty::Bool,
            "[" => {
                for t in ["u8", ";", "32", "]"] {
                    self.expect(t);
                }
                Ty::Array32
            }
            "bytes" => Ty::Bytes(self.bound()),
            "Vec" => {
                self.expect("<");
                let item = self.ty();
                self.expect(">");
                Ty::Vec(Box::new(item), self.bound())
            }
            "Option" => {
                self.expect("<");
                let item = self.ty();
                self.expect(">");
                Ty::Option(Box::new(item))
            }
            "(" => Ty::Tuple(self.list(")", |p| p.ty())),
            "{" => Ty::Struct(self.list("}", |p| p.named())),
            "enum" => {
                self.expect("{");
                Ty::Enum(self.list("}", |p| {
                    let tag = p.next().parse().expect("a tag");
                    let name = p.next();
                    let fields = match p.peek() {
                        Some("(") => {
                            p.next();
                            Fields::Tuple(p.list(")", |p| p.ty()))
                        }
                        Some("{") => {
                            p.next();
                            Fields::Named(p.list("}", |p| p.named()))
                        }
                        _ => Fields::Unit,
                    };
                    (tag, name, fields)
                }))
            }
            name => Ty::Named(name.to_string()),
        }
    }
    fn named(&mut self) -> (String, Ty) {
        let name = self.next();
        self.expect(":");
        (name, self.ty())
    }
    /// Items up to `close`, separated by commas (`close` consumed).
    fn list<T>(&mut self, close: &str, mut item: impl FnMut(&mut Parser) -> T) -> Vec<T> {
        let mut items = Vec::new();
        while self.peek() != Some(close) {
            items.push(item(self));
            if self.peek() == Some(",") {
                self.next();
            }
        }
        self.expect(close);
        items
    }
}

/// A variant's fields cell: `—`, `T, U` (tuple) or `a: T, b: U` (named).
fn parse_fields(text: &str) -> Fields {
    if text.trim().is_empty() {
        return Fields::Unit;
    }
    let mut parser = Parser::new(text);
    let named = parser.tokens.get(1).map(String::as_str) == Some(":");
    let fields = if named {
        let mut fields = Vec::new();
        while !parser.done() {
            fields.push(parser.named());
            if parser.peek() == Some(",") {
                parser.next();
            }
        }
        Fields::Named(fields)
    } else {
        let mut fields = Vec::new();
        while !parser.done() {
            fields.push(parser.ty());
            if parser.peek() == Some(",") {
                parser.next();
            }
        }
        Fields::Tuple(fields)
    };
    assert!(parser.done(), "fields `{text}`");
    fields
}

/// The first `…` span of a table cell, or "" for `—`.
fn code_span(cell: &str) -> String {
    match cell.split('`').nth(1) {
        Some(span) => span.to_string(),
        None => String::new(),
    }
}

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split(" | ")
        .map(|c| c.trim().to_string())
        .collect()
}

/// Every type the document defines, by name.
fn schema(doc: &str) -> BTreeMap<String, Ty> {
    const MARKER: &str = "<!-- schema: ";
    let mut types = BTreeMap::new();
    let mut from = 0;
    while let Some(found) = doc[from..].find(MARKER) {
        let start = from + found + MARKER.len();
        let end = start + doc[start..].find(" -->").unwrap();
        let what = doc[start..end].to_string();
        let rows: Vec<&str> = doc[end..]
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .collect();
        if what == "types" {
            for row in rows {
                let cells = cells(row);
                let mut parser = Parser::new(&code_span(&cells[1]));
                let ty = parser.ty();
                assert!(parser.done(), "row `{row}`");
                let name = code_span(&cells[0]);
                assert!(types.insert(name.clone(), ty).is_none(), "{name} twice");
            }
        } else {
            let name = what.strip_prefix("enum ").expect("`types` or `enum NAME`");
            let variants = rows
                .iter()
                .map(|row| {
                    let cells = cells(row);
                    let tag = cells[0].parse().expect("a tag");
                    (
                        tag,
                        code_span(&cells[1]),
                        parse_fields(&code_span(&cells[2])),
                    )
                })
                .collect();
            assert!(
                types.insert(name.to_string(), Ty::Enum(variants)).is_none(),
                "{name} twice"
            );
        }
        from = end;
    }
    types
}

// ---------------------------------------------------------------------------
// Building bytes from the document.

/// Bytes built from the document, what the code's `Debug` must show of them
/// (in order), and where each bounded length prefix is: (offset, bound).
#[derive(Default)]
struct Built {
    bytes: Vec<u8>,
    shows: Vec<String>,
    bounds: Vec<(usize, usize)>,
    counter: u64,
}

impl Built {
    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }
}

/// How a leaf value of a named type prints in the code's `Debug`, if it is a leaf.
fn leaf(schema: &BTreeMap<String, Ty>, ty: &Ty, built: &mut Built) -> Option<String> {
    let n = built.next();
    let byte = (n % 251) as u8 + 1;
    Some(match ty {
        Ty::Int(width) => {
            let value = n % (1u64 << (8 * u32::from(*width) - 1));
            built
                .bytes
                .extend_from_slice(&value.to_le_bytes()[..usize::from(*width)]);
            value.to_string()
        }
        Ty::Bool => {
            built.bytes.push((n % 2) as u8);
            (n % 2 == 1).to_string()
        }
        Ty::Bytes(bound) => {
            let start = built.bytes.len();
            built.bytes.extend_from_slice(&3u32.to_le_bytes());
            built.bytes.extend_from_slice(&[byte; 3]);
            if let Some(bound) = bound {
                built.bounds.push((start, *bound));
            }
            format!("0x{}", hex_encode([byte; 3]))
        }
        Ty::Named(name) => {
            let wrap = |inner: String| format!("{name}({inner})");
            match name.as_str() {
                "Hash" | "PublicKey" => {
                    built.bytes.extend_from_slice(&[byte; 32]);
                    wrap(hex_encode([byte; 32]))
                }
                "AccountId" => {
                    built.bytes.extend_from_slice(&[byte; 32]);
                    wrap(AccountId([byte; 32]).to_string())
                }
                "Siren" | "NamespaceName" | "FieldName" => {
                    built.counter -= 1;
                    wrap(leaf(schema, &schema[name], built)?)
                }
                "RecordId" | "Reference" => {
                    built.counter -= 1;
                    leaf(schema, &schema[name], built)?
                }
                _ => {
                    built.counter -= 1;
                    return None;
                }
            }
        }
        _ => {
            built.counter -= 1;
            return None;
        }
    })
}

fn build(schema: &BTreeMap<String, Ty>, ty: &Ty, built: &mut Built, variant: Option<usize>) {
    if let Some(shown) = leaf(schema, ty, built) {
        built.shows.push(shown);
        return;
    }
    match ty {
        Ty::Array32 => built.bytes.extend_from_slice(&[0x5a; 32]),
        Ty::Named(name) => {
            let def = schema
                .get(name)
                .unwrap_or_else(|| panic!("`{name}` is used but not defined"));
            build(schema, def, built, variant);
        }
        Ty::Vec(item, bound) => {
            if let Some(bound) = bound {
                built.bounds.push((built.bytes.len(), *bound));
            }
            built.bytes.extend_from_slice(&1u32.to_le_bytes());
            build(schema, item, built, None);
        }
        Ty::Option(item) => {
            built.bytes.push(1);
            built.shows.push("Some(".into());
            build(schema, item, built, None);
        }
        Ty::Tuple(items) => items.iter().for_each(|t| build(schema, t, built, None)),
        Ty::Struct(fields) => build_named(schema, fields, built),
        Ty::Enum(variants) => {
            let index = variant.unwrap_or((built.next() as usize) % variants.len());
            let (tag, name, fields) = &variants[index];
            built.bytes.push(*tag);
            built.shows.push(name.clone());
            match fields {
                Fields::Unit => {}
                Fields::Tuple(items) => items.iter().for_each(|t| build(schema, t, built, None)),
                Fields::Named(fields) => build_named(schema, fields, built),
            }
        }
        Ty::Int(_) | Ty::Bool | Ty::Bytes(_) => unreachable!("leaves"),
    }
}

fn build_named(schema: &BTreeMap<String, Ty>, fields: &[(String, Ty)], built: &mut Built) {
    for (name, ty) in fields {
        match leaf(schema, ty, built) {
            Some(shown) => built.shows.push(format!("{name}: {shown}")),
            None => {
                built.shows.push(format!("{name}: "));
                build(schema, ty, built, None);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The code's types, by the document's names.

fn hex_encode(bytes: impl AsRef<[u8]>) -> String {
    bytes.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn shown<T: BorshDeserialize + Debug>(bytes: &[u8]) -> Result<String, DecodeError> {
    decode::<T>(bytes).map(|value| format!("{value:?}"))
}

type Decoder = fn(&[u8]) -> Result<String, DecodeError>;

fn code_types() -> BTreeMap<&'static str, Decoder> {
    use civitas_civic::aid::OrderStatus;
    use civitas_civic::aid::ProgrammeStatus;
    use civitas_civic::clearing::Clearing;
    use civitas_civic::closing::CLOSING_PROGRAMMES_MAX;
    use civitas_civic::energy::{Attestation, COMMUNITIES_MAX, EnergyOrder};
    use civitas_civic::governance::{OPEN_PROPOSALS_MAX, ProposalStatus};
    use civitas_civic::identity::LIVE_DELEGATIONS_MAX;
    use civitas_civic::metadata::FieldKind;
    use civitas_civic::recurring::SCHEDULED_PROGRAMMES_MAX;
    let entries: Vec<(&'static str, Decoder)> = vec![
        ("Hash", shown::<Hash>),
        ("AccountId", shown::<AccountId>),
        ("PublicKey", shown::<PublicKey>),
        ("Siren", shown::<Siren>),
        ("NamespaceName", shown::<NamespaceName>),
        ("RecordId", shown::<RecordId>),
        ("FieldName", shown::<FieldName>),
        ("Reference", shown::<Reference>),
        ("Role", shown::<Role>),
        ("Scope", shown::<Scope>),
        ("Side", shown::<Side>),
        ("VoteType", shown::<civitas_types::VoteType>),
        ("UpgradeName", shown::<civitas_civic::upgrade::UpgradeName>),
        ("FieldKind", shown::<FieldKind>),
        ("FieldValue", shown::<FieldValue>),
        ("FieldSpec", shown::<FieldSpec>),
        ("RecordMetadata", shown::<RecordMetadata>),
        ("ProgrammeRules", shown::<ProgrammeRules>),
        ("Collectivity", shown::<Collectivity>),
        ("ValidatorEntry", shown::<ValidatorEntry>),
        ("ChainParameters", shown::<ChainParameters>),
        ("Namespace", shown::<Namespace>),
        ("Action", shown::<Action>),
        ("GovernanceAction", shown::<GovernanceAction>),
        ("Receipt", shown::<Receipt>),
        ("Event", shown::<Event>),
        ("AccountState", shown::<AccountState>),
        ("MultisigPolicy", shown::<MultisigPolicy>),
        ("RoleGrant", shown::<RoleGrant>),
        ("Delegation", shown::<Delegation>),
        ("Resident", shown::<Resident>),
        ("ValidatorRegistry", shown::<ValidatorRegistry>),
        ("DelegationRef", shown::<DelegationRef>),
        (
            "LiveDelegations",
            shown::<BoundedVec<DelegationRef, LIVE_DELEGATIONS_MAX>>,
        ),
        ("AidDuty", shown::<AidDuty>),
        ("ProposalStatus", shown::<ProposalStatus>),
        ("Proposal", shown::<Proposal>),
        (
            "OpenProposals",
            shown::<BoundedVec<u64, OPEN_PROPOSALS_MAX>>,
        ),
        ("ProgrammeStatus", shown::<ProgrammeStatus>),
        ("ClosingCursor", shown::<ClosingCursor>),
        ("Programme", shown::<Programme>),
        ("Beneficiary", shown::<Beneficiary>),
        ("OrderStatus", shown::<OrderStatus>),
        ("Order", shown::<Order>),
        ("Schedule", shown::<Schedule>),
        (
            "ScheduledProgrammes",
            shown::<BoundedVec<u64, SCHEDULED_PROGRAMMES_MAX>>,
        ),
        ("RecurringRun", shown::<RecurringRun>),
        ("RecurringQueue", shown::<RecurringQueue>),
        (
            "ClosingProgrammes",
            shown::<BoundedVec<u64, CLOSING_PROGRAMMES_MAX>>,
        ),
        ("Community", shown::<Community>),
        ("Meter", shown::<Meter>),
        ("EnergyOrder", shown::<EnergyOrder>),
        ("Clearing", shown::<Clearing>),
        ("Attestation", shown::<Attestation>),
        ("SlotBook", shown::<SlotBook>),
        ("Communities", shown::<BoundedVec<u64, COMMUNITIES_MAX>>),
        ("EnergyAccount", shown::<EnergyAccount>),
        ("MeterLocation", shown::<(u64, u64)>),
        ("Record", shown::<Record>),
        ("RecordVersion", shown::<RecordVersion>),
        (
            "EvidenceRecord",
            shown::<civitas_civic::evidence::EvidenceRecord>,
        ),
        ("UpgradePlan", shown::<civitas_civic::upgrade::UpgradePlan>),
        ("Upgrades", shown::<civitas_civic::upgrade::Upgrades>),
        (
            "PeriodFigures",
            shown::<civitas_civic::figures::PeriodFigures>,
        ),
        ("SlotFigures", shown::<civitas_civic::figures::SlotFigures>),
        (
            "DocumentEntry",
            shown::<civitas_civic::model::DocumentEntry>,
        ),
    ];
    entries.into_iter().collect()
}

/// Checks bytes built from the document against the code's type `name`.
fn check_built(name: &str, what: &str, decoder: Decoder, built: &Built) {
    let debug = decoder(&built.bytes).unwrap_or_else(|error| {
        panic!(
            "{what}: the code does not decode the bytes the document describes ({error}): {}",
            hex_encode(&built.bytes)
        )
    });
    let mut at = 0;
    for expected in &built.shows {
        match debug[at..].find(expected.as_str()) {
            Some(found) => at += found + expected.len(),
            None => panic!(
                "{what}: the document's `{expected}` is not where the code has it \
                 (field name, order or width differs); the code decoded {debug}"
            ),
        }
    }
    for &(offset, bound) in &built.bounds {
        let mut bytes = built.bytes.clone();
        bytes[offset..offset + 4].copy_from_slice(&(bound as u32 + 1).to_le_bytes());
        match decoder(&bytes) {
            Err(DecodeError::TooLong { limit, .. }) => assert_eq!(
                limit, bound as u64,
                "{what}: the document's bound ≤ {bound} is {limit} in the code ({name})"
            ),
            other => panic!(
                "{what}: a length of {} is not refused: {other:?}",
                bound + 1
            ),
        }
    }
}

#[test]
fn byte_layouts_match_the_code() {
    let doc = std::fs::read_to_string(DOC_PATH).expect("docs/civic-transactions.md");
    let schema = schema(&doc);
    let code = code_types();
    for name in schema.keys() {
        assert!(
            code.contains_key(name.as_str()),
            "the document defines `{name}`, which this test does not map to a code type"
        );
    }
    for name in code.keys() {
        assert!(
            schema.contains_key(*name),
            "docs/civic-transactions.md lacks the type `{name}`"
        );
    }
    for (name, ty) in &schema {
        let decoder = code[name.as_str()];
        if let Ty::Enum(variants) = ty {
            for (index, (tag, variant, _)) in variants.iter().enumerate() {
                assert_eq!(
                    usize::from(*tag),
                    index,
                    "{name}: documented tags must run 0, 1, 2… ({variant})"
                );
                let mut built = Built::default();
                build(&schema, ty, &mut built, Some(index));
                check_built(name, &format!("{name}::{variant}"), decoder, &built);
            }
            // The tag after the last documented one must be unknown to the code.
            let mut bytes = vec![variants.len() as u8];
            bytes.extend_from_slice(&[0; 4096]);
            match decoder(&bytes) {
                Err(DecodeError::Invalid(_)) => {}
                other => panic!(
                    "{name}: the code knows tag {}, which the document does not list ({other:?})",
                    variants.len()
                ),
            }
        } else {
            let mut built = Built::default();
            build(&schema, ty, &mut built, None);
            check_built(name, name, decoder, &built);
        }
    }
}

// ---------------------------------------------------------------------------
// Encoded examples.

fn grant_role() -> GovernanceAction {
    GovernanceAction::GrantRole {
        account: account(9),
        role: Role::AidAccountant,
        scope: Scope::Programme(SIREN, 4),
        categories: BoundedVec::new(),
    }
}

fn receipt_with_events() -> Receipt {
    Receipt::success(
        Hash([0x2a; 32]),
        vec![
            Event::ProposalVoted {
                proposal_id: 3,
                collectivity: SIREN,
                in_favour: true,
            },
            Event::ProposalExecuted { proposal_id: 3 },
            Event::RoleGranted {
                account: account(9),
                role: Role::AidAccountant,
                scope: Scope::Programme(SIREN, 4),
            },
        ],
    )
}

fn computed_values() -> Vec<(&'static str, String)> {
    let enrol = Action::EnrolResident(EnrolResident {
        collectivity: SIREN,
        resident: account(5),
        identity_commitment: Hash([0x07; 32]),
    });
    let register = Action::RegisterRecord(RegisterRecord {
        namespace: namespace("permits/building"),
        record_id: BoundedBytes::try_from_vec(b"PC-2026-0042".to_vec()).unwrap(),
        document_hash: Hash([0x09; 32]),
        metadata: BoundedVec::try_from_vec(vec![
            FieldValue::Code(3),
            FieldValue::Date(20_454),
            FieldValue::Reference(
                BoundedBytes::try_from_vec(b"75056-000-AB-0123".to_vec()).unwrap(),
            ),
        ])
        .unwrap(),
        owner: Some(account(7)),
    });
    let propose = Action::Propose(Propose {
        action: grant_role(),
        deliberation_hash: Hash([0x0b; 32]),
        expires_at_ms: 5_000_000,
    });
    let order = Action::OrderDisbursement(OrderDisbursement {
        programme_id: 4,
        beneficiary: account(20),
        amount_cents: 5_000,
    });
    let energy = Action::PlaceEnergyOrder(PlaceEnergyOrder {
        community_id: 1,
        slot: 12,
        meter_id: 3,
        side: Side::Sell,
        energy_wh: 1_500,
        limit_price: 18,
    });
    let receipt = receipt_with_events();
    let failed = Receipt::failure(Hash([0x2a; 32]), civitas_civic::Code::CapExceeded);
    vec![
        ("enrol_resident", hex_encode(encode(&enrol))),
        ("register_record", hex_encode(encode(&register))),
        ("propose_grant_role", hex_encode(encode(&propose))),
        ("order_disbursement", hex_encode(encode(&order))),
        ("place_energy_order", hex_encode(encode(&energy))),
        ("receipt_with_events", hex_encode(encode(&receipt))),
        (
            "receipt_leaf_hash",
            merkle::leaf_hash(&encode(&receipt)).to_hex(),
        ),
        ("receipt_failed", hex_encode(encode(&failed))),
    ]
}

const EXAMPLE: &str = "<!-- example: ";

/// The blocks of the document: (name, text inside the fence, byte range of that text).
fn example_blocks(doc: &str) -> Vec<(String, String, std::ops::Range<usize>)> {
    let mut blocks = Vec::new();
    let mut from = 0;
    while let Some(found) = doc[from..].find(EXAMPLE) {
        let name_start = from + found + EXAMPLE.len();
        let name_end = name_start + doc[name_start..].find(" -->").expect("marker end");
        let name = doc[name_start..name_end].to_string();
        let fence = name_end + doc[name_end..].find("```").expect("opening fence");
        let content_start = fence + doc[fence..].find('\n').expect("fence line") + 1;
        let content_end = content_start + doc[content_start..].find("```").expect("closing fence");
        blocks.push((
            name,
            doc[content_start..content_end].to_string(),
            content_start..content_end,
        ));
        from = content_end + 3;
    }
    blocks
}

fn wrapped(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    chars
        .chunks(64)
        .map(|c| c.iter().collect::<String>() + "\n")
        .collect()
}

#[test]
fn encoded_examples_match_the_code() {
    let values = computed_values();
    let mut doc = std::fs::read_to_string(DOC_PATH).expect("docs/civic-transactions.md");
    if std::env::var_os("CIVITAS_UPDATE_GOLDEN").is_some() {
        for (name, _, range) in example_blocks(&doc).into_iter().rev() {
            if let Some((_, value)) = values.iter().find(|(n, _)| *n == name) {
                doc.replace_range(range, &wrapped(value));
            }
        }
        std::fs::write(DOC_PATH, &doc).unwrap();
    }
    let blocks = example_blocks(&doc);
    for (name, value) in &values {
        let (_, text, _) = blocks
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("docs/civic-transactions.md lacks the example `{name}`"));
        let text: String = text.split_whitespace().collect();
        assert_eq!(
            &text, value,
            "docs/civic-transactions.md example `{name}` is out of date"
        );
    }
    for (name, _, _) in &blocks {
        assert!(
            values.iter().any(|(n, _)| n == name),
            "docs/civic-transactions.md has an example `{name}` that no test checks"
        );
    }
}

#[test]
fn example_accounts_are_the_documented_keys() {
    // The document names accounts by seed; the encodings carry public keys.
    assert_eq!(account(5), AccountId::from_public_key(&key(5).public_key()));
    assert_eq!(hex_encode(encode(&SIREN)), "8179ec0b");
}

/// docs/storage.md's worked state proof: its keys and values are the civic
/// state's own, and its proofs verify under its root with the types crate's
/// verifier (`crates/state-tree/tests/state_proof_doc.rs` recomputes the tree).
#[test]
fn storage_md_worked_proof_is_civic_state_and_verifies() {
    use civitas_civic::keys;
    use civitas_types::state_proof::{StateProof, verify_state};
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/storage.md"
    ))
    .expect("docs/storage.md");
    let blocks = example_blocks(&doc);
    let block = |name: &str| -> Vec<u8> {
        let (_, text, _) = blocks
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("docs/storage.md lacks `{name}`"));
        let text: String = text.split_whitespace().collect();
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    };
    let entries = [
        (
            "account",
            keys::account(&account(5)),
            encode(&AccountState {
                next_sequence: 7,
                multisig: false,
            }),
        ),
        (
            "council_account",
            keys::council_account(&account(200)),
            encode(&SIREN),
        ),
        ("proposal_counter", keys::proposal_counter(), encode(&3u64)),
        ("council_power", keys::council_power(), encode(&30u64)),
    ];
    for (name, key, value) in &entries {
        assert_eq!(&block(&format!("state_key_{name}")), key, "{name}");
        assert_eq!(&block(&format!("state_value_{name}")), value, "{name}");
    }
    assert_eq!(block("state_key_absent"), keys::programme_counter());
    let root = Hash(block("state_root").try_into().unwrap());
    let presence: StateProof = decode(&block("state_proof_presence")).unwrap();
    assert_eq!(
        verify_state(&root, &entries[0].1, Some(&entries[0].2), &presence),
        Ok(())
    );
    let absence: StateProof = decode(&block("state_proof_absence")).unwrap();
    assert_eq!(
        verify_state(&root, &keys::programme_counter(), None, &absence),
        Ok(())
    );
}
