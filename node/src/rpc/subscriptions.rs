//! The subscriptions (`civitas_subscribeNewHeads`, `…Transaction`,
//! `…Events`): the engine's thread publishes each commit ([`CommitEvent`]:
//! the header and the receipts) into a bounded broadcast channel
//! ([`publish`]), and each subscription reads it on its own task.
//!
//! Nothing grows without bound for a subscriber that does not read: the
//! channel keeps the last [`COMMITS_KEPT`] commits, shared by every
//! subscription, and a subscription that falls further behind is ended; a
//! notification is only queued while the connection has fewer than
//! `rpc.subscription_backlog_max` messages waiting to be written, and a
//! subscription whose connection stays that full for [`SLOW_AFTER`] is ended.
//! Either close is an error notification naming the cause
//! ([`civitas_rpc_api::SLOW_SUBSCRIBER`]).
//!
//! Transaction status: pending is the mempool's (read on the engine's
//! thread, [`Command::Inspect`]); committed when a published commit holds
//! it (or the ledger does); dropped when, once the subscription has read
//! every published commit (or after it missed some: it never closes as too
//! slow), neither the mempool nor the ledger has it — expired if the chain
//! reached its expiry height, else removed.

use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use civitas_civic::Receipt;
use civitas_rpc_api::{
    CivitasSubscriptionsServer, DropReason, EventFilter, HeaderView, ReceiptView, SLOW_SUBSCRIBER,
    TransactionStatus, full_event, internal_error, parse_hash, public_event, to_hex,
};
use civitas_types::{Hash, Header, decode};
use jsonrpsee::core::{SubscriptionError, SubscriptionResult};
use jsonrpsee::server::{PendingSubscriptionSink, SubscriptionMessage, SubscriptionSink};
use serde::Serialize;
use tokio::sync::{broadcast, oneshot};

use super::credentials::{Caller, Credential, Credentials};
use crate::driver::Command;
use crate::store::LedgerStore;

/// Commits the broadcast channel keeps for subscribers that have not read
/// them yet; one that falls further behind is closed.
pub const COMMITS_KEPT: usize = 32;

/// How long a connection may keep `subscription_backlog_max` notifications
/// waiting before its subscription is closed as too slow.
pub const SLOW_AFTER: Duration = Duration::from_secs(1);

/// How often a subscription waiting for room looks again.
const ROOM_POLL: Duration = Duration::from_millis(20);

/// One receipt of a committed block.
#[derive(Debug)]
pub struct CommittedReceipt {
    /// The transaction's id and position; `None` for the block's own receipt.
    pub transaction: Option<(Hash, u32)>,
    /// The receipt.
    pub receipt: Receipt,
}

/// What the engine's thread publishes after each commit.
#[derive(Debug)]
pub struct CommitEvent {
    /// The committed block's header.
    pub header: Header,
    /// Its receipts, in the receipts root's order (the block's own first).
    pub receipts: Vec<CommittedReceipt>,
}

/// The sending side of the commits channel.
pub type Commits = broadcast::Sender<Arc<CommitEvent>>;

/// A new commits channel.
pub fn commits() -> Commits {
    broadcast::channel(COMMITS_KEPT).0
}

/// Publishes the commit of `height` (on the engine's thread, after the
/// commit): read back from the store only if someone subscribes.
pub fn publish(commits: &Commits, store: &LedgerStore, height: u64) {
    if commits.receiver_count() == 0 {
        return;
    }
    match commit_event(store, height) {
        Ok(event) => {
            // No receiver left since the count: nothing to do.
            let _ = commits.send(Arc::new(event));
        }
        // The engine reads the same store next and stops on a failure;
        // subscribers only miss this commit meanwhile.
        Err(error) => {
            tracing::error!(height, %error, "cannot read a committed block for subscribers")
        }
    }
}

/// The commit of `height`, read from the store.
fn commit_event(store: &LedgerStore, height: u64) -> Result<CommitEvent, String> {
    let ledger = store.ledger();
    let block = ledger
        .block(height)
        .map_err(|error| error.to_string())?
        .ok_or_else(|| format!("block {height} is not stored"))?;
    let leaves = ledger
        .receipts(height)
        .map_err(|error| error.to_string())?
        .ok_or_else(|| format!("the receipts of block {height} are not stored"))?;
    let mut receipts = Vec::with_capacity(leaves.len());
    for (leaf, bytes) in leaves.iter().enumerate() {
        let receipt: Receipt =
            decode(bytes).map_err(|error| format!("a stored receipt does not decode: {error}"))?;
        // Leaf 0 is the block's own receipt, leaf `position + 1` a transaction's.
        let transaction = leaf
            .checked_sub(1)
            .and_then(|position| u32::try_from(position).ok())
            .map(|position| (receipt.transaction_id, position));
        receipts.push(CommittedReceipt {
            transaction,
            receipt,
        });
    }
    Ok(CommitEvent {
        header: block.header,
        receipts,
    })
}

/// The subscriptions' implementation.
pub struct RpcSubscriptions {
    commands: Sender<Command>,
    commits: Commits,
    backlog_max: usize,
    credentials: Arc<Credentials>,
}

impl RpcSubscriptions {
    /// Subscriptions fed by `commits`, reading the mempool through
    /// `commands`, closing those whose connection holds `backlog_max`
    /// waiting notifications for [`SLOW_AFTER`], and the credentialed ones
    /// whose credential `credentials` no longer accepts.
    pub fn new(
        commands: Sender<Command>,
        commits: Commits,
        backlog_max: u32,
        credentials: Arc<Credentials>,
    ) -> RpcSubscriptions {
        RpcSubscriptions {
            commands,
            commits,
            backlog_max: usize::try_from(backlog_max).unwrap_or(usize::MAX).max(1),
            credentials,
        }
    }

    /// Ends a credentialed stream whose credential was revoked since it
    /// opened (asked at each commit, so within one block of the revocation).
    fn check_still_credentialed(&self, credential: Option<&Credential>) -> Result<(), End> {
        match credential {
            Some(credential) if !self.credentials.still_accepts(credential) => {
                tracing::info!(
                    credential = %credential.name,
                    "closed an event stream: its credential was revoked"
                );
                Err(End::Error(SubscriptionError::from(format!(
                    "the credential {} was revoked: the stream is closed; subscribe again without it \
                     (public events) or with a valid credential",
                    credential.name
                ))))
            }
            _ => Ok(()),
        }
    }

    /// Where transaction `id` stands now, read on the engine's thread.
    async fn status_now(&self, id: Hash) -> Result<(TransactionStatus, u64), String> {
        let (reply, answer) = oneshot::channel();
        let inspect = Command::Inspect(Box::new(move |mempool, store| {
            let _ = reply.send(status_in(mempool, store, &id));
        }));
        self.commands.send(inspect).map_err(|_| stopping())?;
        answer.await.map_err(|_| stopping())?
    }
}

/// Where transaction `id` stands in the ledger or the mempool.
fn status_in(
    mempool: &civitas_mempool::Mempool,
    store: &LedgerStore,
    id: &Hash,
) -> Result<(TransactionStatus, u64), String> {
    let height = store.ledger().height();
    let record = store
        .ledger()
        .transaction(id)
        .map_err(|error| format!("the node cannot read its ledger: {error}"))?;
    if let Some(record) = record {
        let receipt: Receipt =
            decode(&record.receipt).map_err(|_| "a stored receipt does not decode".to_owned())?;
        return Ok((
            committed(*id, record.height, record.position, &receipt),
            height,
        ));
    }
    let status = match mempool.transaction(id) {
        Some(transaction) => TransactionStatus::Pending {
            id: to_hex(id),
            expiry_height: transaction.body.expiry_height,
        },
        None => TransactionStatus::Dropped {
            id: to_hex(id),
            reason: DropReason::Unknown,
            detail: "the node has it neither in its mempool nor in a committed block".to_owned(),
        },
    };
    Ok((status, height))
}

fn committed(id: Hash, height: u64, position: u32, receipt: &Receipt) -> TransactionStatus {
    TransactionStatus::Committed {
        id: to_hex(id),
        height,
        position,
        receipt: ReceiptView::from_receipt(receipt, height),
    }
}

fn stopping() -> String {
    "the node is stopping; subscribe again once it is back".to_owned()
}

/// Why a subscription loop ends.
enum End {
    /// The client went away or unsubscribed: nothing to tell.
    Gone,
    /// Tell the client why, in an error notification.
    Error(SubscriptionError),
}

impl From<SubscriptionError> for End {
    fn from(error: SubscriptionError) -> End {
        End::Error(error)
    }
}

/// The subscription's result for `end`.
fn finish(end: End) -> SubscriptionResult {
    match end {
        End::Gone => Ok(()),
        End::Error(error) => Err(error),
    }
}

/// The subscription's result after its last notification was queued (or not).
fn last(sent: Result<(), End>) -> SubscriptionResult {
    sent.or_else(finish)
}

/// What a subscription reads next.
enum Next {
    /// A commit.
    Commit(Arc<CommitEvent>),
    /// It fell more than [`COMMITS_KEPT`] commits behind and missed these many.
    Lagged(u64),
}

/// The next commit (or that some were missed), or the end of the subscription.
async fn next_or_lag(
    sink: &SubscriptionSink,
    commits: &mut broadcast::Receiver<Arc<CommitEvent>>,
) -> Result<Next, End> {
    tokio::select! {
        () = sink.closed() => Err(End::Gone),
        received = commits.recv() => match received {
            Ok(commit) => Ok(Next::Commit(commit)),
            Err(broadcast::error::RecvError::Lagged(missed)) => Ok(Next::Lagged(missed)),
            Err(broadcast::error::RecvError::Closed) => {
                Err(End::Error(SubscriptionError::from(stopping())))
            }
        },
    }
}

/// The next commit, or the end of the subscription: one that missed
/// commits is closed as too slow.
async fn next_commit(
    sink: &SubscriptionSink,
    commits: &mut broadcast::Receiver<Arc<CommitEvent>>,
) -> Result<Arc<CommitEvent>, End> {
    match next_or_lag(sink, commits).await? {
        Next::Commit(commit) => Ok(commit),
        Next::Lagged(missed) => {
            tracing::info!(
                subscription = sink.method_name(),
                missed,
                "closed a subscription: {SLOW_SUBSCRIBER} (it fell behind the commits kept)"
            );
            Err(End::Error(SubscriptionError::from(format!(
                "{SLOW_SUBSCRIBER}: it missed {missed} commits (the node keeps {COMMITS_KEPT}); \
                 subscribe again and read what was missed with civitas_getHeader or civitas_getBlocks"
            ))))
        }
    }
}

/// Queues `item` as a notification of `sink`, waiting at most
/// [`SLOW_AFTER`] for the connection to hold fewer than `backlog_max`
/// waiting messages.
async fn notify(
    sink: &mut SubscriptionSink,
    backlog_max: usize,
    item: &impl Serialize,
) -> Result<(), End> {
    let started = Instant::now();
    while sink.max_capacity().saturating_sub(sink.capacity()) >= backlog_max {
        if sink.is_closed() {
            return Err(End::Gone);
        }
        if started.elapsed() >= SLOW_AFTER {
            tracing::info!(
                subscription = sink.method_name(),
                backlog_max,
                "closed a subscription: {SLOW_SUBSCRIBER} (its connection does not read)"
            );
            return Err(End::Error(SubscriptionError::from(format!(
                "{SLOW_SUBSCRIBER}: {backlog_max} notifications waited for the connection for \
                 over {} ms (rpc.subscription_backlog_max); read faster, then subscribe again and \
                 read what was missed with civitas_getHeader or civitas_getBlocks",
                SLOW_AFTER.as_millis()
            ))));
        }
        tokio::time::sleep(ROOM_POLL).await;
    }
    let message = SubscriptionMessage::new(sink.method_name(), sink.subscription_id(), item)
        .map_err(|error| End::Error(SubscriptionError::from(error.to_string())))?;
    sink.try_send(message).map_err(|error| match error {
        jsonrpsee::server::TrySendError::Closed(_) => End::Gone,
        jsonrpsee::server::TrySendError::Full(_) => End::Error(SubscriptionError::from(format!(
            "{SLOW_SUBSCRIBER}: the connection's buffer is full"
        ))),
    })
}

#[jsonrpsee::core::async_trait]
impl CivitasSubscriptionsServer for RpcSubscriptions {
    async fn subscribe_new_heads(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        let mut commits = self.commits.subscribe();
        let mut sink = pending.accept().await?;
        loop {
            let sent = match next_commit(&sink, &mut commits).await {
                Ok(commit) => {
                    notify(
                        &mut sink,
                        self.backlog_max,
                        &HeaderView::from_header(&commit.header),
                    )
                    .await
                }
                Err(end) => Err(end),
            };
            if let Err(end) = sent {
                return finish(end);
            }
        }
    }

    async fn subscribe_transaction(
        &self,
        pending: PendingSubscriptionSink,
        id: String,
    ) -> SubscriptionResult {
        let id = match parse_hash("id", &id) {
            Ok(id) => id,
            Err(error) => {
                pending.reject(error).await;
                return Ok(());
            }
        };
        // Subscribed before the status is read: no commit falls between.
        let mut commits = self.commits.subscribe();
        let now = match self.status_now(id).await {
            Ok(status) => status,
            Err(error) => {
                pending.reject(internal_error(&error)).await;
                return Ok(());
            }
        };
        let mut sink = pending.accept().await?;
        let expiry_height = match &now.0 {
            TransactionStatus::Pending { expiry_height, .. } => *expiry_height,
            _ => return last(notify(&mut sink, self.backlog_max, &now.0).await),
        };
        if let Err(end) = notify(&mut sink, self.backlog_max, &now.0).await {
            return finish(end);
        }
        loop {
            let look = match next_or_lag(&sink, &mut commits).await {
                Ok(Next::Commit(commit)) => {
                    if let Some(status) = included(id, &commit) {
                        return last(notify(&mut sink, self.backlog_max, &status).await);
                    }
                    // The mempool is read once caught up with the commits.
                    commits.is_empty()
                }
                // Missed commits: where it stands says what they did.
                Ok(Next::Lagged(_)) => true,
                Err(end) => return finish(end),
            };
            if !look {
                continue;
            }
            let (status, height) = self.status_now(id).await.map_err(SubscriptionError::from)?;
            if let Some(status) = final_status(status, height, expiry_height) {
                return last(notify(&mut sink, self.backlog_max, &status).await);
            }
        }
    }

    async fn subscribe_events(
        &self,
        pending: PendingSubscriptionSink,
        ext: &jsonrpsee::Extensions,
        filter: Option<EventFilter>,
    ) -> SubscriptionResult {
        // Judged when it subscribes, and again at each commit: revoking the
        // credential ends the stream.
        let credential = match ext.get::<Caller>() {
            Some(Caller::Credentialed(credential)) => Some(credential.clone()),
            _ => None,
        };
        let credentialed = credential.is_some();
        let filter = filter.unwrap_or_default();
        let checked = if credentialed {
            filter.check_credentialed()
        } else {
            filter.check()
        };
        if let Err(error) = checked {
            pending.reject(error).await;
            return Ok(());
        }
        let mut commits = self.commits.subscribe();
        let mut sink = pending.accept().await?;
        loop {
            let commit = match next_commit(&sink, &mut commits).await {
                Ok(commit) => commit,
                Err(end) => return finish(end),
            };
            if let Err(end) = self.check_still_credentialed(credential.as_ref()) {
                return finish(end);
            }
            let height = commit.header.height;
            for committed in &commit.receipts {
                let id = committed.transaction.map(|(id, _)| id);
                for event in &committed.receipt.events {
                    let view = if credentialed {
                        Some(full_event(event, height, id.as_ref()))
                    } else {
                        public_event(event, height)
                    };
                    let Some(view) = view else {
                        continue;
                    };
                    if !filter.matches(&view) {
                        continue;
                    }
                    if let Err(end) = notify(&mut sink, self.backlog_max, &view).await {
                        return finish(end);
                    }
                }
            }
        }
    }
}

/// Transaction `id`'s committed status if `commit` holds it.
fn included(id: Hash, commit: &CommitEvent) -> Option<TransactionStatus> {
    commit
        .receipts
        .iter()
        .find_map(|committed| match committed.transaction {
            Some((transaction, position)) if transaction == id => Some(self::committed(
                id,
                commit.header.height,
                position,
                &committed.receipt,
            )),
            _ => None,
        })
}

/// The final status of a transaction that was pending with `expiry_height`,
/// now `status` with the ledger at `height`; `None` while it is pending.
fn final_status(
    status: TransactionStatus,
    height: u64,
    expiry_height: u64,
) -> Option<TransactionStatus> {
    match status {
        TransactionStatus::Pending { .. } => None,
        TransactionStatus::Dropped { id, .. } if height >= expiry_height => {
            Some(TransactionStatus::Dropped {
                id,
                reason: DropReason::Expired,
                detail: format!(
                    "its expiry height {expiry_height} passed without a block holding it \
                     (the chain is at {height})"
                ),
            })
        }
        TransactionStatus::Dropped { id, .. } => Some(TransactionStatus::Dropped {
            id,
            reason: DropReason::Removed,
            detail: "the mempool removed it before its expiry: evicted to make room, or no \
                     longer admissible (its sequence was used, or its keys no longer \
                     authorise its signer)"
                .to_owned(),
        }),
        committed @ TransactionStatus::Committed { .. } => Some(committed),
    }
}
