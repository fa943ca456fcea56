//! Protocol upgrades: scheduling, replacing and cancelling a plan by
//! governance, the version in force at each height, the stop verdict for old
//! binaries, the header-version rule at the boundary, and the golden encoding
//! of the schedule's state value and events (regenerate with
//! `CIVITAS_UPDATE_GOLDEN=1 cargo test -p civitas-civic --test upgrades`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::Propose;
use civitas_civic::governance::GovernanceAction;
use civitas_civic::upgrade::{
    self, UPGRADE_LEAD_MAX, UPGRADE_LEAD_MIN, UpgradeName, UpgradePlan, Upgrades,
};
use civitas_civic::{Action, Code, Event, Receipt, VersionError, keys};
use civitas_types::{Hash, Header, PROTOCOL_VERSION, decode, encode};
use common::*;

const GOLDEN_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/upgrades.txt");

fn name(text: &str) -> UpgradeName {
    UpgradeName::from_text(text).unwrap()
}

fn schedule(height: u64, version: u32) -> GovernanceAction {
    GovernanceAction::ScheduleUpgrade {
        height,
        version,
        name: name(&format!("civitas-{version}")),
    }
}

/// The height of the block that decides an action `world.govern` passes
/// next: the proposal, then three votes, one block each.
fn deciding_height(world: &World) -> u64 {
    world.height + 3
}

fn refusal(receipt: &Receipt) -> Option<u16> {
    receipt.events.iter().find_map(|event| match event {
        Event::ProposalRefused { code, .. } => Some(*code),
        _ => None,
    })
}

fn executed(receipt: &Receipt) -> bool {
    receipt
        .events
        .iter()
        .any(|event| matches!(event, Event::ProposalExecuted { .. }))
}

fn upgrades_entry(world: &World) -> Option<Upgrades> {
    world
        .state
        .entries
        .get(&keys::upgrades())
        .map(|bytes| decode(bytes).unwrap())
}

fn version_at(world: &World, height: u64) -> u32 {
    upgrade::protocol_version_at(&world.state, PROTOCOL_VERSION, height).unwrap()
}

/// A world where version 2 is scheduled at `deciding + UPGRADE_LEAD_MIN`;
/// returns it with the upgrade height.
fn world_with_plan() -> (World, u64) {
    let mut world = World::new();
    let height = deciding_height(&world) + UPGRADE_LEAD_MIN;
    let receipt = world.govern(schedule(height, 2));
    assert!(executed(&receipt), "{receipt:?}");
    (world, height)
}

fn header(height: u64, version: u32) -> Header {
    Header {
        version,
        chain_id: chain_id(),
        height,
        time_ms: 1_000_000,
        previous_block_hash: Hash::ZERO,
        last_commit_hash: Hash::ZERO,
        transactions_root: Hash::ZERO,
        receipts_root: Hash::ZERO,
        state_root: Hash::ZERO,
        evidence_root: Hash::ZERO,
        validators_hash: Hash::ZERO,
        next_validators_hash: Hash::ZERO,
        proposer: validator_key(0),
    }
}

#[test]
fn scheduling_records_the_plan_and_announces_it() {
    let mut world = World::new();
    let deciding = deciding_height(&world);
    let height = deciding + UPGRADE_LEAD_MIN;
    let receipt = world.govern(schedule(height, 2));
    assert!(executed(&receipt), "{receipt:?}");
    assert!(
        receipt
            .events
            .contains(&Event::UpgradeScheduled { height, version: 2 })
    );
    assert_eq!(
        upgrades_entry(&world),
        Some(Upgrades {
            previous_version: PROTOCOL_VERSION,
            plan: Some(UpgradePlan {
                height,
                version: 2,
                name: name("civitas-2"),
                scheduled_at: deciding,
            }),
        })
    );
}

#[test]
fn the_version_changes_exactly_at_the_upgrade_height() {
    let (world, height) = world_with_plan();
    assert_eq!(version_at(&world, height - 1), PROTOCOL_VERSION);
    assert_eq!(version_at(&world, height), 2);
    assert_eq!(version_at(&world, height + 1), 2);
}

#[test]
fn without_any_plan_the_genesis_version_is_in_force() {
    let world = World::new();
    assert_eq!(upgrades_entry(&world), None);
    assert_eq!(
        upgrade::protocol_version_at(&world.state, 7, 1_000_000).unwrap(),
        7
    );
}

#[test]
fn a_new_plan_replaces_one_not_yet_activated() {
    let (mut world, first_height) = world_with_plan();
    let height = deciding_height(&world) + 5_000;
    let receipt = world.govern(schedule(height, 3));
    assert!(executed(&receipt), "{receipt:?}");
    assert_eq!(version_at(&world, first_height), PROTOCOL_VERSION);
    assert_eq!(version_at(&world, height - 1), PROTOCOL_VERSION);
    assert_eq!(version_at(&world, height), 3);
}

#[test]
fn cancelling_restores_the_version_in_force() {
    let (mut world, height) = world_with_plan();
    let receipt = world.govern(GovernanceAction::CancelUpgrade);
    assert!(executed(&receipt), "{receipt:?}");
    assert!(
        receipt
            .events
            .contains(&Event::UpgradeCancelled { height, version: 2 })
    );
    assert_eq!(version_at(&world, height), PROTOCOL_VERSION);
    assert_eq!(
        upgrade::pending_upgrade(&world.state, world.height).unwrap(),
        None
    );
}

#[test]
fn cancelling_without_a_plan_is_refused() {
    let mut world = World::new();
    let receipt = world.govern(GovernanceAction::CancelUpgrade);
    assert_eq!(refusal(&receipt), Some(Code::NoPendingUpgrade.number()));
}

#[test]
fn an_activated_upgrade_cannot_be_cancelled() {
    let (mut world, height) = world_with_plan();
    // The network ran up to the upgrade height on new binaries.
    world.height = height;
    world.protocol_version = 2;
    let receipt = world.govern(GovernanceAction::CancelUpgrade);
    assert_eq!(refusal(&receipt), Some(Code::NoPendingUpgrade.number()));
    assert_eq!(version_at(&world, world.height), 2);
}

#[test]
fn a_plan_after_an_activated_one_keeps_the_activated_version_until_its_height() {
    let (mut world, first_height) = world_with_plan();
    world.height = first_height + 10;
    world.protocol_version = 2;
    let stale = world.govern(schedule(deciding_height(&world) + UPGRADE_LEAD_MIN, 2));
    assert_eq!(
        refusal(&stale),
        Some(Code::UpgradeVersionNotNewer.number()),
        "version 2 is the one in force"
    );
    let height = deciding_height(&world) + UPGRADE_LEAD_MIN;
    let receipt = world.govern(schedule(height, 3));
    assert!(executed(&receipt), "{receipt:?}");
    assert_eq!(upgrades_entry(&world).unwrap().previous_version, 2);
    assert_eq!(version_at(&world, height - 1), 2);
    assert_eq!(version_at(&world, height), 3);
}

#[test]
fn a_version_not_greater_than_the_one_in_force_is_refused() {
    let mut world = World::new();
    let height = deciding_height(&world) + UPGRADE_LEAD_MIN;
    let receipt = world.govern(schedule(height, PROTOCOL_VERSION));
    assert_eq!(
        refusal(&receipt),
        Some(Code::UpgradeVersionNotNewer.number())
    );
    assert_eq!(upgrades_entry(&world), None);
}

#[test]
fn an_upgrade_height_under_the_minimum_lead_is_refused() {
    let mut world = World::new();
    let height = deciding_height(&world) + UPGRADE_LEAD_MIN - 1;
    let receipt = world.govern(schedule(height, 2));
    assert_eq!(
        refusal(&receipt),
        Some(Code::UpgradeHeightOutOfRange.number())
    );
    assert_eq!(upgrades_entry(&world), None);
}

#[test]
fn an_upgrade_height_in_the_past_is_refused() {
    let mut world = World::new();
    world.height = 50_000;
    let receipt = world.govern(schedule(10, 2));
    assert_eq!(
        refusal(&receipt),
        Some(Code::UpgradeHeightOutOfRange.number())
    );
}

#[test]
fn an_upgrade_height_beyond_the_maximum_lead_is_refused_and_the_maximum_passes() {
    let mut world = World::new();
    let too_far = deciding_height(&world) + UPGRADE_LEAD_MAX + 1;
    let receipt = world.govern(schedule(too_far, 2));
    assert_eq!(
        refusal(&receipt),
        Some(Code::UpgradeHeightOutOfRange.number())
    );
    let furthest = deciding_height(&world) + UPGRADE_LEAD_MAX;
    assert!(executed(&world.govern(schedule(furthest, 2))));
}

#[test]
fn an_invalid_upgrade_name_is_refused() {
    for text in ["", "Civitas-2", "civitas 2", "civitas_2"] {
        let mut world = World::new();
        let height = deciding_height(&world) + UPGRADE_LEAD_MIN;
        let receipt = world.govern(GovernanceAction::ScheduleUpgrade {
            height,
            version: 2,
            name: name(text),
        });
        assert_eq!(
            refusal(&receipt),
            Some(Code::InvalidUpgradeName.number()),
            "{text:?}"
        );
    }
}

#[test]
fn only_a_council_account_may_propose_an_upgrade() {
    let mut world = World::new();
    let receipt = world.act(
        ADMINISTRATOR,
        Action::Propose(Propose {
            action: schedule(world.height + UPGRADE_LEAD_MIN + 3, 2),
            deliberation_hash: Hash([0xde; 32]),
            expires_at_ms: world.time_ms + 600_000,
        }),
    );
    assert_eq!(receipt.code, Code::NotCouncilMember.number());
    assert_eq!(upgrades_entry(&world), None);
}

#[test]
fn an_old_binary_may_run_every_height_before_the_upgrade() {
    let (world, height) = world_with_plan();
    for at in [world.height, height - 1] {
        assert_eq!(
            upgrade::upgrade_due(&world.state, PROTOCOL_VERSION, at, &[PROTOCOL_VERSION]),
            Ok(())
        );
    }
    assert_eq!(
        upgrade::pending_upgrade(&world.state, height - 1)
            .unwrap()
            .map(|plan| plan.version),
        Some(2)
    );
}

#[test]
fn an_old_binary_must_stop_at_and_after_the_upgrade_height() {
    let (world, height) = world_with_plan();
    for at in [height, height + 1] {
        let error = upgrade::upgrade_due(&world.state, PROTOCOL_VERSION, at, &[PROTOCOL_VERSION])
            .unwrap_err();
        assert_eq!(
            error,
            VersionError::UpgradeRequired {
                height: at,
                version: 2,
                origin: format!("upgrade \"civitas-2\", in force from height {height}"),
                supported: vec![PROTOCOL_VERSION],
            }
        );
        let message = error.to_string();
        assert!(
            message.contains("install a release that supports protocol version 2"),
            "{message}"
        );
        assert!(message.contains(&format!("stopped before executing height {at}")));
    }
    assert_eq!(
        upgrade::pending_upgrade(&world.state, height).unwrap(),
        None
    );
}

#[test]
fn a_new_binary_runs_both_sides_of_the_upgrade() {
    let (world, height) = world_with_plan();
    for at in [height - 1, height, height + 1] {
        assert_eq!(
            upgrade::upgrade_due(&world.state, PROTOCOL_VERSION, at, &[PROTOCOL_VERSION, 2]),
            Ok(())
        );
    }
}

#[test]
fn a_binary_without_the_genesis_version_is_told_so() {
    let world = World::new();
    let error = upgrade::upgrade_due(&world.state, 2, world.height, &[1]).unwrap_err();
    assert!(
        error.to_string().contains("(the genesis document)"),
        "{error}"
    );
}

#[test]
fn headers_must_carry_the_version_in_force_on_each_side_of_the_boundary() {
    let (world, height) = world_with_plan();
    let check = |at: u64, version: u32| {
        upgrade::check_header_version(&world.state, PROTOCOL_VERSION, &header(at, version))
    };
    assert_eq!(check(height - 1, PROTOCOL_VERSION), Ok(()));
    assert_eq!(
        check(height - 1, 2),
        Err(VersionError::WrongHeaderVersion {
            height: height - 1,
            expected: PROTOCOL_VERSION,
            found: 2,
        })
    );
    assert_eq!(check(height, 2), Ok(()));
    assert_eq!(
        check(height, PROTOCOL_VERSION),
        Err(VersionError::WrongHeaderVersion {
            height,
            expected: 2,
            found: PROTOCOL_VERSION,
        })
    );
}

#[test]
fn a_genesis_of_an_unknown_version_is_refused_with_the_versions_supported() {
    assert_eq!(
        upgrade::check_genesis_version(
            PROTOCOL_VERSION,
            civitas_civic::SUPPORTED_PROTOCOL_VERSIONS
        ),
        Ok(())
    );
    let error = upgrade::check_genesis_version(9, &[1, 2]).unwrap_err();
    assert_eq!(
        error,
        VersionError::UnsupportedGenesisVersion {
            version: 9,
            supported: vec![1, 2],
        }
    );
    assert!(
        error.to_string().contains("runs versions [1, 2]"),
        "{error}"
    );
}

/// The state value, its key and the two events, as an auditor decodes them.
fn golden_samples() -> Vec<(&'static str, Vec<u8>)> {
    let entry = Upgrades {
        previous_version: 1,
        plan: Some(UpgradePlan {
            height: 500_000,
            version: 2,
            name: name("civitas-2"),
            scheduled_at: 400_000,
        }),
    };
    vec![
        ("upgrades_key", keys::upgrades()),
        ("upgrades_value", encode(&entry)),
        (
            "upgrades_value_cancelled",
            encode(&Upgrades {
                previous_version: 1,
                plan: None,
            }),
        ),
        (
            "event_upgrade_scheduled",
            encode(&Event::UpgradeScheduled {
                height: 500_000,
                version: 2,
            }),
        ),
        (
            "event_upgrade_cancelled",
            encode(&Event::UpgradeCancelled {
                height: 500_000,
                version: 2,
            }),
        ),
    ]
}

fn render() -> String {
    let mut text = String::from(
        "# Golden encodings of the upgrade schedule's state entry and events (crates/civic/tests/upgrades.rs).\n\
         # name hex; regenerate only for a deliberate format change.\n",
    );
    for (name, bytes) in golden_samples() {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        text.push_str(&format!("{name} {hex}\n"));
    }
    text
}

#[test]
fn upgrade_encodings_match_the_golden_fixtures() {
    let rendered = render();
    if std::env::var_os("CIVITAS_UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN_PATH, &rendered).unwrap();
    }
    let golden = std::fs::read_to_string(GOLDEN_PATH).expect("golden file; see the module doc");
    assert_eq!(rendered, golden, "encoding changed; see the module doc");
}

#[test]
fn the_messages_docs_upgrades_shows_are_the_ones_printed() {
    let doc = include_str!("../../../docs/upgrades.md");
    let mut world = World::new();
    world.height = 499_000 - 3;
    assert!(executed(&world.govern(schedule(500_000, 2))));
    let stop = upgrade::upgrade_due(&world.state, PROTOCOL_VERSION, 500_000, &[1]).unwrap_err();
    assert!(doc.contains(&stop.to_string()), "{stop}");
    let genesis = upgrade::check_genesis_version(3, &[1]).unwrap_err();
    assert!(doc.contains(&genesis.to_string()), "{genesis}");
}

#[test]
fn the_documented_state_value_is_the_encoding() {
    let doc = include_str!("../../../docs/civic-transactions.md");
    let documented =
        "`01000000 01 20a1070000000000 02000000 09000000 636976697461732d32 801a060000000000`";
    assert!(
        doc.contains(documented),
        "docs/civic-transactions.md lost the example"
    );
    let hex: String = documented
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect();
    let (_, value) = golden_samples()
        .into_iter()
        .find(|(name, _)| *name == "upgrades_value")
        .unwrap();
    let encoded: String = value.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, encoded);
}

#[test]
fn the_state_entry_decodes_strictly() {
    let bytes = encode(&Upgrades {
        previous_version: 1,
        plan: Some(UpgradePlan {
            height: 500_000,
            version: 2,
            name: name("civitas-2"),
            scheduled_at: 400_000,
        }),
    });
    for cut in 0..bytes.len() {
        assert!(decode::<Upgrades>(&bytes[..cut]).is_err(), "at {cut}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(decode::<Upgrades>(&longer).is_err());
    // A well-formed entry but for a 33-byte name: refused by the bound.
    let mut long_name = Vec::new();
    long_name.extend(1u32.to_le_bytes());
    long_name.push(1);
    long_name.extend(500_000u64.to_le_bytes());
    long_name.extend(2u32.to_le_bytes());
    long_name.extend(33u32.to_le_bytes());
    long_name.extend([b'a'; 33]);
    long_name.extend(400_000u64.to_le_bytes());
    assert!(decode::<Upgrades>(&long_name).is_err());
}

#[derive(Clone, Debug)]
enum Step {
    /// The chain advances this many heights (on binaries that follow the plan).
    Advance(u64),
    /// The council schedules `current + version_step` at `deciding + lead`.
    Schedule { lead: u64, version_step: u32 },
    /// The council cancels the plan.
    Cancel,
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        (0u64..4_000).prop_map(Step::Advance),
        (0u64..4_000, 0u32..3)
            .prop_map(|(lead, version_step)| Step::Schedule { lead, version_step }),
        Just(Step::Cancel),
    ]
}

/// Moves `world` to `height`, with the version the schedule puts in force there.
fn advance_to(world: &mut World, height: u64) {
    world.height = height;
    world.protocol_version = version_at(world, height);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever the council schedules, replaces or cancels: a height already
    /// executed keeps its version, the version never decreases with height,
    /// and a refused plan changes nothing.
    #[test]
    fn governance_never_rewrites_a_version_in_force(steps in proptest::collection::vec(step(), 1..12)) {
        let mut world = World::new();
        for step in steps {
            match step {
                Step::Advance(by) => {
                    let target = world.height + by;
                    advance_to(&mut world, target);
                }
                Step::Schedule { .. } | Step::Cancel => {
                    // `govern` runs four blocks on one version: let a plan
                    // that activates among them activate first.
                    if version_at(&world, world.height + 3) != world.protocol_version {
                        let plan = upgrade::upgrades(&world.state).unwrap().unwrap().plan.unwrap();
                        advance_to(&mut world, plan.height);
                    }
                    let deciding = deciding_height(&world);
                    let executed_before: Vec<u32> =
                        (world.height..=deciding).map(|h| version_at(&world, h)).collect();
                    let entry_before = upgrades_entry(&world);
                    let action = match step {
                        Step::Schedule { lead, version_step } => schedule(
                            deciding + lead,
                            world.protocol_version + version_step,
                        ),
                        _ => GovernanceAction::CancelUpgrade,
                    };
                    let receipt = world.govern(action);
                    let now = world.height;
                    advance_to(&mut world, now);
                    let after: Vec<u32> =
                        (deciding - 3..=deciding).map(|h| version_at(&world, h)).collect();
                    proptest::prop_assert_eq!(after, executed_before);
                    if refusal(&receipt).is_some() {
                        proptest::prop_assert_eq!(upgrades_entry(&world), entry_before);
                    }
                }
            }
            let mut last = version_at(&world, world.height);
            proptest::prop_assert_eq!(last, world.protocol_version);
            for ahead in [1, 999, 1_000, 2_000, 4_000, 8_000, 20_000] {
                let version = version_at(&world, world.height + ahead);
                proptest::prop_assert!(version >= last);
                last = version;
            }
        }
    }
}
