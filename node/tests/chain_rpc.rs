//! The chain and account methods against a real node on the demo genesis,
//! after the demo activity: `civitas_getHeader`, `civitas_getCertificate`,
//! `civitas_getValidators`, `civitas_getBlocks` and `civitas_getAccount`
//! answer what the blocks and the genesis say, and refuse out-of-range
//! parameters with INVALID_PARAMS; the node serves on afterwards.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_rpc_api::{CivitasApiClient, INVALID_PARAMS};
use civitas_types::{AccountId, ValidatorSet};
use common::{DemoHome, account, call_error, read_key};

#[test]
fn chain_records_and_accounts_answer_what_the_blocks_and_genesis_say() {
    let home = DemoHome::new();
    let node = home.start();
    for step in civitas_demo::activity_steps(&home.genesis) {
        let ids: Vec<String> = step.iter().map(|t| node.rpc.submit(t).unwrap()).collect();
        for id in ids {
            assert!(node.wait_for_transaction(&id).receipt.success);
        }
    }
    let height = node.rpc.status().unwrap().height;
    let consensus_key = read_key(&home.home.join("consensus_key")).public_key();
    let network_key = read_key(&home.home.join("network_key")).public_key();
    let rpc = &node.rpc;

    // Headers are the blocks' headers.
    for h in 1..=height {
        let header = rpc.call(async |c| c.get_header(h).await).unwrap().unwrap();
        let block = node.block(h);
        assert_eq!(header.hash, block.hash);
        assert_eq!(header.decode_header().unwrap().hash().to_hex(), header.hash);
        assert_eq!(header.state_root, block.state_root);
    }
    assert_eq!(
        rpc.call(async |c| c.get_header(height + 50).await).unwrap(),
        None
    );

    // A certificate of the last full block: signed by the one validator, and
    // the one the next block carries.
    let last = height - 1;
    let certificate = rpc
        .call(async |c| c.get_certificate(last).await)
        .unwrap()
        .unwrap();
    assert_eq!(certificate.block_hash, node.block(last).hash);
    assert_eq!(certificate.signatures.len(), 1);
    assert_eq!(
        certificate.signatures[0].validator,
        Some(consensus_key.to_hex())
    );
    assert_eq!(certificate.signed_power, certificate.total_power);
    let carried = node
        .block(height)
        .decode_block()
        .unwrap()
        .last_commit
        .unwrap();
    assert_eq!(certificate.decode_certificate().unwrap(), carried);

    // The validator set: the genesis's, with its network key and city.
    let checked = home.genesis.check().unwrap();
    let expected: &ValidatorSet = &checked.validators;
    for asked in [None, Some(1), Some(height + 1)] {
        let validators = rpc.call(async |c| c.get_validators(asked).await).unwrap();
        assert_eq!(validators.hash, expected.hash().to_hex());
        assert_eq!(validators.validators.len(), 1);
        let only = &validators.validators[0];
        assert_eq!(only.public_key, consensus_key.to_hex());
        assert_eq!(only.network_key, Some(network_key.to_hex()));
        assert_eq!(only.collectivity, Some(civitas_demo::CITY_SIREN.0));
        assert_eq!(only.power, civitas_demo::VALIDATOR_POWER.to_string());
    }
    assert_eq!(
        node.block(1).validators_hash,
        expected.hash().to_hex(),
        "the set's hash is the header's validatorsHash"
    );
    for (asked, what) in [(Some(height + 2), "beyond"), (Some(0), "before")] {
        let error = call_error(
            rpc.call(async |c| c.get_validators(asked).await)
                .unwrap_err(),
        );
        assert_eq!(error.code(), INVALID_PARAMS);
        assert!(error.message().contains(what), "{}", error.message());
    }

    // A range of blocks: the same as one at a time; bounded; empty past the tip.
    let blocks = rpc.call(async |c| c.get_blocks(1, Some(3)).await).unwrap();
    assert_eq!(blocks.len(), 3.min(height as usize));
    for block in &blocks {
        assert_eq!(block, &node.block(block.height));
    }
    assert!(
        rpc.call(async |c| c.get_blocks(height + 10, None).await)
            .unwrap()
            .is_empty()
    );
    let too_many = call_error(
        rpc.call(async |c| c.get_blocks(1, Some(33)).await)
            .unwrap_err(),
    );
    assert_eq!(too_many.code(), INVALID_PARAMS);

    // Accounts: the aid administrator's role and sequence; a stranger's nothing.
    let administrator = account("aid administrator (ordonnateur)");
    let view = rpc
        .call(async |c| c.get_account(administrator.address.to_string()).await)
        .unwrap();
    assert!(view.next_sequence >= 3, "{view:?}");
    assert!(
        view.roles.iter().any(|r| r.role == "aidAdministrator"
            && r.scope.collectivity == Some(civitas_demo::CITY_SIREN.0)),
        "{view:?}"
    );
    let stranger = AccountId([3; 32]).to_string();
    let empty = rpc
        .call(async |c| c.get_account(stranger.clone()).await)
        .unwrap();
    assert_eq!((empty.next_sequence, empty.roles.len()), (0, 0));
    let bad = call_error(
        rpc.call(async |c| c.get_account(format!("x{stranger}")).await)
            .unwrap_err(),
    );
    assert_eq!(bad.code(), INVALID_PARAMS);

    // Still serving.
    assert!(rpc.status().unwrap().height >= height);
}
