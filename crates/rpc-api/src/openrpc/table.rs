//! The table of the API's methods and errors, from which the OpenRPC
//! document is built: one entry per method of the trait (src/api.rs), taken
//! from its doc comment. A method added to the trait without its entry here
//! fails `tests/rpc.rs`; a renamed parameter must be renamed here too.

use schemars::{JsonSchema, Schema, SchemaGenerator};

use super::{Access, ErrorEntry, MethodEntry, ValueEntry};
use crate::account::AccountView;
use crate::aid::{
    MerchantAnswer, PROGRAMME_PERIODS_DEFAULT, PROGRAMME_PERIODS_MAX, ProgrammeAnswer,
};
use crate::chain::{BLOCKS_LIST_MAX, BlockList, CertificateView, HeaderView, ValidatorsView};
use crate::council::{CollectivityAnswer, ProposalAnswer};
use crate::energy::{CommunityAnswer, SlotAnswer};
use crate::errors::{
    BATCH_RESPONSE_TOO_LARGE, CREDENTIAL_REFUSED, CREDENTIAL_REQUIRED, INTERNAL_ERROR,
    INVALID_PARAMS, INVALID_TRANSACTION, RATE_LIMITED, TOO_MANY_CONNECTIONS, TRANSACTION_REJECTED,
};
use crate::evidence::{EVIDENCE_LIST_MAX, EvidenceList};
use crate::meter::MeterAnswer;
use crate::own_data::{BeneficiaryAnswer, MerchantBalanceAnswer, OWN_DATA_REFUSED, SignedQuery};
use crate::registry::{DocumentAnswer, RecordAnswer};
use crate::state::StateProofAnswer;
use crate::views::{BlockView, Status, TransactionView};

/// [`INVALID_PARAMS`].
pub const INVALID_PARAMS_ERROR: ErrorEntry = ErrorEntry {
    code: INVALID_PARAMS,
    message: "Invalid params: a parameter is missing or not of the documented form (the message names it)",
};
/// [`INTERNAL_ERROR`].
pub const INTERNAL_ERROR_ERROR: ErrorEntry = ErrorEntry {
    code: INTERNAL_ERROR,
    message: "Internal error: the node failed (its state or store is unreadable, or it is stopping); not the caller's fault, try again later",
};
/// [`INVALID_TRANSACTION`].
pub const INVALID_TRANSACTION_ERROR: ErrorEntry = ErrorEntry {
    code: INVALID_TRANSACTION,
    message: "Invalid transaction: not hexadecimal, too large, or not a canonical SignedTransaction encoding; data is a RejectionData",
};
/// [`TRANSACTION_REJECTED`].
pub const TRANSACTION_REJECTED_ERROR: ErrorEntry = ErrorEntry {
    code: TRANSACTION_REJECTED,
    message: "Transaction rejected: the mempool refused a well-formed transaction (signature, chain, expiry, sequence, duplicate, full pool); data is a RejectionData",
};

/// [`RATE_LIMITED`]: any method, past the per-address request rate.
pub const RATE_LIMITED_ERROR: ErrorEntry = ErrorEntry {
    code: RATE_LIMITED,
    message: "Rate limited: the client's address made more requests than the node allows (each request of a batch counts); retry after data.retryAfterMs; data is a RateLimitedData",
};

/// [`CREDENTIAL_REQUIRED`]: a credentialed method called without a credential.
pub const CREDENTIAL_REQUIRED_ERROR: ErrorEntry = ErrorEntry {
    code: CREDENTIAL_REQUIRED,
    message: "Credential required: the method is for validators and accredited auditors; send Authorization: Bearer TOKEN over loopback or TLS",
};

/// [`CREDENTIAL_REFUSED`]: an unknown or revoked credential, or one sent from another address.
pub const CREDENTIAL_REFUSED_ERROR: ErrorEntry = ErrorEntry {
    code: CREDENTIAL_REFUSED,
    message: "Credential refused: unknown or revoked, or sent over a connection that is neither loopback nor TLS",
};

/// [`OWN_DATA_REFUSED`]: an own-data method without a valid signed query or credential.
pub const OWN_DATA_REFUSED_ERROR: ErrorEntry = ErrorEntry {
    code: OWN_DATA_REFUSED,
    message: "Own data: the account's own data needs a query signed with its key at a recent height, or a credential",
};

/// Every error a method answers, in the order of the crate's constants.
pub const ERRORS: &[ErrorEntry] = &[
    INVALID_PARAMS_ERROR,
    INTERNAL_ERROR_ERROR,
    INVALID_TRANSACTION_ERROR,
    TRANSACTION_REJECTED_ERROR,
    RATE_LIMITED_ERROR,
    CREDENTIAL_REQUIRED_ERROR,
    CREDENTIAL_REFUSED_ERROR,
    OWN_DATA_REFUSED_ERROR,
];

/// The errors the server answers for a request or a connection before any
/// method sees it, by name (`components/errors`): the node's own and
/// jsonrpsee's (crate documentation, "Errors").
pub const SERVER_ERRORS: &[(&str, ErrorEntry)] = &[
    (
        "ParseError",
        ErrorEntry {
            code: -32700,
            message: "Parse error: the request is not JSON",
        },
    ),
    (
        "InvalidRequest",
        ErrorEntry {
            code: -32600,
            message: "Invalid request: not a JSON-RPC 2.0 request object",
        },
    ),
    (
        "MethodNotFound",
        ErrorEntry {
            code: -32601,
            message: "Method not found: no method of that name (rpc.discover lists them)",
        },
    ),
    (
        "RequestTooLarge",
        ErrorEntry {
            code: -32007,
            message: "Request too large: the body is over rpc.request_bytes_max (HTTP 413)",
        },
    ),
    (
        "ResponseTooLarge",
        ErrorEntry {
            code: -32008,
            message: "Response too large: the answer is over rpc.response_bytes_max",
        },
    ),
    (
        "BatchTooLarge",
        ErrorEntry {
            code: -32010,
            message: "The batch request was too large: more requests than rpc.batch_requests_max; id null, the whole batch refused",
        },
    ),
    (
        "TooManyConnections",
        ErrorEntry {
            code: TOO_MANY_CONNECTIONS,
            message: "Too many connections: the node, or its allowance for one address, is full; retry later or reuse a connection (HTTP 503, then the connection closes)",
        },
    ),
    (
        "BatchResponseTooLarge",
        ErrorEntry {
            code: BATCH_RESPONSE_TOO_LARGE,
            message: "Batch response too large: the answers to a batch together exceed rpc.response_bytes_max; ask for fewer in each batch",
        },
    ),
];

/// The schema of `T`, as a [`SchemaFn`].
fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// Every method of the trait (src/api.rs), in the trait's order.
pub const METHODS: &[MethodEntry] = &[
    MethodEntry {
        name: "civitas_status",
        summary: "The node's view of the chain.",
        description: "Height and hash of the last committed block, whether the node is catching up, its versions and its validator key.",
        params: &[],
        result: ValueEntry {
            name: "status",
            description: "The node's status.",
            required: true,
            schema: schema_of::<Status>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_submitTransaction",
        summary: "Submits a signed transaction to the node's mempool.",
        description: "Returns the transaction id once admitted. Admission is not inclusion: poll civitas_getTransaction with the id for the receipt.",
        params: &[ValueEntry {
            name: "transaction",
            description: "0x and the hex of the canonical (borsh) encoding of a SignedTransaction, at most 16 KiB of bytes.",
            required: true,
            schema: schema_of::<String>,
        }],
        result: ValueEntry {
            name: "id",
            description: "The transaction id (hex).",
            required: true,
            schema: schema_of::<String>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INVALID_TRANSACTION_ERROR,
            TRANSACTION_REJECTED_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getBlock",
        summary: "The committed block at a height.",
        description: "Its header fields, the ids of its transactions and its canonical bytes; null if no block is committed at that height yet. Whole blocks are for credentialed callers (validators, accredited auditors): send Authorization: Bearer TOKEN over loopback or TLS.",
        params: &[ValueEntry {
            name: "height",
            description: "The block's height, from 1.",
            required: true,
            schema: schema_of::<u64>,
        }],
        result: ValueEntry {
            name: "block",
            description: "The block, or null.",
            required: true,
            schema: schema_of::<Option<BlockView>>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
            CREDENTIAL_REQUIRED_ERROR,
            CREDENTIAL_REFUSED_ERROR,
        ],
        access: Access::Credentialed,
    },
    MethodEntry {
        name: "civitas_getTransaction",
        summary: "A committed transaction and its receipt.",
        description: "Where it is (height, position), its signer and sequence, its canonical bytes and its receipt; null if no committed block holds it (pending transactions are not shown).",
        params: &[ValueEntry {
            name: "id",
            description: "The transaction id: 0x and 64 hexadecimal digits.",
            required: true,
            schema: schema_of::<String>,
        }],
        result: ValueEntry {
            name: "transaction",
            description: "The transaction, or null.",
            required: true,
            schema: schema_of::<Option<TransactionView>>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getEvidence",
        summary: "The offences of validators recorded in the state.",
        description: "Read at the last committed height (the council's view: one record per offence), in state-key order: all of them or one offender's, a page at a time.",
        params: &[
            ValueEntry {
                name: "offender",
                description: "Only this validator's offences: its consensus public key, 0x and 64 hexadecimal digits.",
                required: false,
                schema: schema_of::<Option<String>>,
            },
            ValueEntry {
                name: "startAfter",
                description: "List after this record key: a previous answer's next.",
                required: false,
                schema: schema_of::<Option<String>>,
            },
            ValueEntry {
                name: "limit",
                description: LIMIT_DESCRIPTION,
                required: false,
                schema: schema_of::<Option<u32>>,
            },
        ],
        result: ValueEntry {
            name: "evidence",
            description: "The offences, and the cursor of the next page.",
            required: true,
            schema: schema_of::<EvidenceList>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getHeader",
        summary: "The header of the committed block at a height.",
        description: "Its fields and its canonical bytes (which hash to its hash); null if no block is committed at that height yet.",
        params: &[HEIGHT_PARAM],
        result: ValueEntry {
            name: "header",
            description: "The header, or null.",
            required: true,
            schema: schema_of::<Option<HeaderView>>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getCertificate",
        summary: "The quorum certificate that made a block final.",
        description: "Round, block hash, each precommit signature with its signer's key, and the signed and total power of the height's validator set; null if the node holds no certificate for that height.",
        params: &[HEIGHT_PARAM],
        result: ValueEntry {
            name: "certificate",
            description: "The certificate, or null.",
            required: true,
            schema: schema_of::<Option<CertificateView>>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getValidators",
        summary: "The validator set in force at a height.",
        description: "Each validator's consensus key, power, network key and collectivity, in the set's order (a certificate's validatorIndex is a position in it); the set's hash is the header's validatorsHash.",
        params: &[ValueEntry {
            name: "height",
            description: "The height, from the chain's first to the next one to decide (the default).",
            required: false,
            schema: schema_of::<Option<u64>>,
        }],
        result: ValueEntry {
            name: "validators",
            description: "The validator set.",
            required: true,
            schema: schema_of::<ValidatorsView>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getBlocks",
        summary: "Committed blocks from a height on.",
        description: "In order, at most limit blocks and at most 8 MiB of block bytes (the first block always); fewer, or none, past the last committed height. Whole blocks are for credentialed callers (validators, accredited auditors): send Authorization: Bearer TOKEN over loopback or TLS.",
        params: &[
            ValueEntry {
                name: "from",
                description: "The first height, from 1.",
                required: true,
                schema: schema_of::<u64>,
            },
            ValueEntry {
                name: "limit",
                description: BLOCKS_LIMIT_DESCRIPTION,
                required: false,
                schema: schema_of::<Option<u32>>,
            },
        ],
        result: ValueEntry {
            name: "blocks",
            description: "The blocks, and where to go on.",
            required: true,
            schema: schema_of::<BlockList>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
            CREDENTIAL_REQUIRED_ERROR,
            CREDENTIAL_REFUSED_ERROR,
        ],
        access: Access::Credentialed,
    },
    MethodEntry {
        name: "civitas_getAccount",
        summary: "What the chain knows of an account.",
        description: "At the last committed height: the sequence its next transaction must carry, its multisig policy, the roles it holds and the delegations it received. An account that never appeared has sequence 0 and empty lists.",
        params: &[ValueEntry {
            name: "address",
            description: "The account: a civ1… bech32m address.",
            required: true,
            schema: schema_of::<String>,
        }],
        result: ValueEntry {
            name: "account",
            description: "The account.",
            required: true,
            schema: schema_of::<AccountView>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getStateProof",
        summary: "One raw state key's entry, with its proof and the certified header.",
        description: "At the last committed height: the value (or null), the state proof of presence or absence, and the header and certificate whose stateRoot the proof leads to. Raw keys are for credentialed callers (validators, accredited auditors): send Authorization: Bearer TOKEN over loopback or TLS.",
        params: &[ValueEntry {
            name: "key",
            description: "The state key: 0x and hex, 1 to 512 bytes (docs/civic-transactions.md lists the tables).",
            required: true,
            schema: schema_of::<String>,
        }],
        result: ValueEntry {
            name: "answer",
            description: "The entry, its proof and the certified header.",
            required: true,
            schema: schema_of::<StateProofAnswer>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
            CREDENTIAL_REQUIRED_ERROR,
            CREDENTIAL_REFUSED_ERROR,
        ],
        access: Access::Credentialed,
    },
    MethodEntry {
        name: "civitas_getRecord",
        summary: "A registry record, its history and revocation, proven.",
        description: "Its current state and versions (the newest 64), each from a state entry given with its proof, and the certified header they check against; record is null, with a proof of absence, if there is no such record.",
        params: &[
            NAMESPACE_PARAM,
            ValueEntry {
                name: "id",
                description: "The record's id in the namespace, e.g. PC-DEMO-2026-00001.",
                required: true,
                schema: schema_of::<String>,
            },
        ],
        result: ValueEntry {
            name: "record",
            description: "The record answer.",
            required: true,
            schema: schema_of::<RecordAnswer>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getRecordByDocument",
        summary: "Where a document hash is registered in a namespace, proven either way.",
        description: "The document index entry with its proof — of the record and version carrying the hash, or of its absence from the namespace — and the record itself when registered.",
        params: &[
            NAMESPACE_PARAM,
            ValueEntry {
                name: "documentHash",
                description: "The document's hash, as registered: 0x and 64 hexadecimal digits.",
                required: true,
                schema: schema_of::<String>,
            },
        ],
        result: ValueEntry {
            name: "document",
            description: "The document answer.",
            required: true,
            schema: schema_of::<DocumentAnswer>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getCollectivity",
        summary: "A council member: name, council power and account, proven.",
        description: "At the last committed height: the collectivity's entry with its proof and the certified header; collectivity is null, with a proof of absence, if it is not a council member. Its officials' roles are civitas_getAccount's (roles are kept by account).",
        params: &[ValueEntry {
            name: "siren",
            description: "The collectivity's SIREN: nine digits with a valid Luhn check digit, as a number.",
            required: true,
            schema: schema_of::<u32>,
        }],
        result: ValueEntry {
            name: "collectivity",
            description: "The collectivity answer.",
            required: true,
            schema: schema_of::<CollectivityAnswer>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getProgramme",
        summary: "An aid programme: rules, status, money and per-period figures, proven.",
        description: "At the last committed height: the programme entry and one period-figures entry per period asked for, each with its proof, and the certified header; programme is null, with a proof of absence, if there is no such programme. A period without an entry moved no money (zeros, proven absent). Aggregates only: beneficiaries' balances are their own data.",
        params: &[
            ID_PARAM,
            ValueEntry {
                name: "fromPeriod",
                description: "The first period to give figures for (0, the default, is the programme's first).",
                required: false,
                schema: schema_of::<Option<u64>>,
            },
            ValueEntry {
                name: "periods",
                description: PERIODS_DESCRIPTION,
                required: false,
                schema: schema_of::<Option<u32>>,
            },
        ],
        result: ValueEntry {
            name: "programme",
            description: "The programme answer.",
            required: true,
            schema: schema_of::<ProgrammeAnswer>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getMerchant",
        summary: "Whether a merchant is accredited for an aid programme, and in which categories, proven.",
        description: "At the last committed height: the programme, its collectivity and the merchant's role entries for the programme and the collectivity, each with its proof, and the certified header. The merchant's balance to redeem is its own data (docs/privacy.md), not served here.",
        params: &[
            ValueEntry {
                name: "programme",
                description: "The programme's id.",
                required: true,
                schema: schema_of::<u64>,
            },
            ValueEntry {
                name: "merchant",
                description: "The merchant's account: a civ1… bech32m address.",
                required: true,
                schema: schema_of::<String>,
            },
        ],
        result: ValueEntry {
            name: "merchant",
            description: "The merchant answer.",
            required: true,
            schema: schema_of::<MerchantAnswer>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getCommunity",
        summary: "An energy community: rules, meter count and slots waiting to clear, proven.",
        description: "At the last committed height: the community entry with its proof and the certified header; community is null, with a proof of absence, if there is no such community. Meters and participants are their holders' own data.",
        params: &[ID_PARAM],
        result: ValueEntry {
            name: "community",
            description: "The community answer.",
            required: true,
            schema: schema_of::<CommunityAnswer>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getSlot",
        summary: "An energy slot's public totals (clearing price, volume, settlement), proven.",
        description: "At the last committed height: the slot-figures entry with its proof and the certified header; figures is null, with a proof of absence, until the slot clears. Aggregates only: never the slot book, whose orders and readings are per meter.",
        params: &[
            ValueEntry {
                name: "community",
                description: "The community's id.",
                required: true,
                schema: schema_of::<u64>,
            },
            ValueEntry {
                name: "slot",
                description: "The slot's number (slot 0 starts at the community's firstSlotMs).",
                required: true,
                schema: schema_of::<u64>,
            },
        ],
        result: ValueEntry {
            name: "slot",
            description: "The slot answer.",
            required: true,
            schema: schema_of::<SlotAnswer>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getProposal",
        summary: "A council proposal: action, status, power for and against, and each collectivity's vote, proven.",
        description: "At the last committed height: the proposal entry, the council's total power and each vote entry (at most 256, in state-key order; nextVotesAfter when more follow), each with its proof, and the certified header; proposal is null, with a proof of absence, if there is no such proposal. The proofs show each listed vote is recorded; that none is left out rests on the node.",
        params: &[
            ID_PARAM,
            ValueEntry {
                name: "votesAfter",
                description: "List the votes after this collectivity's (a SIREN): a previous answer's nextVotesAfter.",
                required: false,
                schema: schema_of::<Option<u32>>,
            },
        ],
        result: ValueEntry {
            name: "proposal",
            description: "The proposal answer.",
            required: true,
            schema: schema_of::<ProposalAnswer>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::Public,
    },
    MethodEntry {
        name: "civitas_getBeneficiary",
        summary: "A beneficiary's standing in a programme: the beneficiary's own data.",
        description: "Balance to spend, the period's orders and revocation, with the state proof and certified header. Answered to a query signed with the beneficiary's key over this question and a recent height (civitas_rpc_api::sign_query: domain civitas-query/v1, then the borsh encoding of (chain id, method, borsh((programme, beneficiary)), height)), or to a credentialed caller.",
        params: &[
            ValueEntry {
                name: "programme",
                description: "The programme's id.",
                required: true,
                schema: schema_of::<u64>,
            },
            ValueEntry {
                name: "beneficiary",
                description: "The beneficiary's account (its pseudonym for the programme): civ1….",
                required: true,
                schema: schema_of::<String>,
            },
            ValueEntry {
                name: "query",
                description: "The query signed with the beneficiary's key at a height at most 100 blocks old; omitted by a credentialed caller.",
                required: false,
                schema: schema_of::<Option<SignedQuery>>,
            },
        ],
        result: ValueEntry {
            name: "beneficiary",
            description: "The beneficiary's standing, proven.",
            required: true,
            schema: schema_of::<BeneficiaryAnswer>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            OWN_DATA_REFUSED_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::OwnData,
    },
    MethodEntry {
        name: "civitas_getMerchantBalance",
        summary: "What a merchant may redeem in a programme: the merchant's own data.",
        description: "Received from beneficiaries' spending and not yet redeemed (\"0\", with a proof of absence, if never paid), with the state proof and certified header. A sole trader's income: answered to a query signed with the merchant's key over this question and a recent height (civitas_rpc_api::sign_query over borsh((programme, merchant))), or to a credentialed caller.",
        params: &[
            ValueEntry {
                name: "programme",
                description: "The programme's id.",
                required: true,
                schema: schema_of::<u64>,
            },
            ValueEntry {
                name: "merchant",
                description: "The merchant's account: civ1….",
                required: true,
                schema: schema_of::<String>,
            },
            ValueEntry {
                name: "query",
                description: "The query signed with the merchant's key at a height at most 100 blocks old; omitted by a credentialed caller.",
                required: false,
                schema: schema_of::<Option<SignedQuery>>,
            },
        ],
        result: ValueEntry {
            name: "balance",
            description: "The merchant's balance, proven.",
            required: true,
            schema: schema_of::<MerchantBalanceAnswer>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            OWN_DATA_REFUSED_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::OwnData,
    },
    MethodEntry {
        name: "civitas_getMeter",
        summary: "A meter's registration, its owner's money, and its orders and readings per slot: the owner's own data.",
        description: "The meter entry and the owner's energy account, with their state proofs and the certified header; the meter's orders (with their fills once cleared) and readings in the slots read, extracted from the slot books unproven (a slot book's proof would reveal every other meter's orders and readings). Answered to a query signed with the meter owner's key over this question and a recent height (civitas_rpc_api::sign_query over borsh((community, meter, fromSlot, slots))), or to a credentialed caller. A meter not registered is answered to anyone: registration null, with a proof of absence.",
        params: &[
            ValueEntry {
                name: "community",
                description: "The community's id.",
                required: true,
                schema: schema_of::<u64>,
            },
            ValueEntry {
                name: "meter",
                description: "The meter's id in the community.",
                required: true,
                schema: schema_of::<u64>,
            },
            ValueEntry {
                name: "fromSlot",
                description: "The first slot read.",
                required: true,
                schema: schema_of::<u64>,
            },
            ValueEntry {
                name: "slots",
                description: "How many slots to read, 1 to 336 (default 48).",
                required: false,
                schema: schema_of::<Option<u32>>,
            },
            ValueEntry {
                name: "query",
                description: "The query signed with the meter owner's key at a height at most 100 blocks old; omitted by a credentialed caller.",
                required: false,
                schema: schema_of::<Option<SignedQuery>>,
            },
        ],
        result: ValueEntry {
            name: "meter",
            description: "The meter's own data.",
            required: true,
            schema: schema_of::<MeterAnswer>,
        },
        errors: &[
            INVALID_PARAMS_ERROR,
            OWN_DATA_REFUSED_ERROR,
            INTERNAL_ERROR_ERROR,
            RATE_LIMITED_ERROR,
        ],
        access: Access::OwnData,
    },
];

/// `id` of the methods that read one programme, community or proposal.
const ID_PARAM: ValueEntry = ValueEntry {
    name: "id",
    description: "The id, from 0 in the order of creation.",
    required: true,
    schema: schema_of::<u64>,
};

const _: () = assert!(
    crate::meter::METER_SLOTS_MAX == 336 && crate::meter::METER_SLOTS_DEFAULT == 48,
    "update civitas_getMeter's slots description"
);

const _: () = assert!(
    crate::council::PROPOSAL_VOTES_MAX == 256,
    "update civitas_getProposal's description"
);

/// `periods` of `civitas_getProgramme`.
const PERIODS_DESCRIPTION: &str = "How many periods to give figures for, 1 to 24 (default 12).";
const _: () = assert!(
    PROGRAMME_PERIODS_MAX == 24 && PROGRAMME_PERIODS_DEFAULT == 12,
    "update PERIODS_DESCRIPTION"
);

/// `namespace` of the registry methods.
const NAMESPACE_PARAM: ValueEntry = ValueEntry {
    name: "namespace",
    description: "The registry namespace, e.g. permits/building.",
    required: true,
    schema: schema_of::<String>,
};

/// `height` of the methods that read one height.
const HEIGHT_PARAM: ValueEntry = ValueEntry {
    name: "height",
    description: "The block's height, from 1.",
    required: true,
    schema: schema_of::<u64>,
};

/// `limit` of `civitas_getBlocks`.
const BLOCKS_LIMIT_DESCRIPTION: &str = "Most blocks to return, 1 to 32 (the default).";
const _: () = assert!(BLOCKS_LIST_MAX == 32, "update BLOCKS_LIMIT_DESCRIPTION");

/// `limit` of `civitas_getEvidence`.
const LIMIT_DESCRIPTION: &str = "Most offences to list, 1 to 100 (the default).";
const _: () = assert!(EVIDENCE_LIST_MAX == 100, "update LIMIT_DESCRIPTION");
