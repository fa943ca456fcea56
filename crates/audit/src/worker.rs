//! [`Worker`]: one long-lived helper thread of a [`crate::ChainAudit`], fed
//! jobs through a channel.
//!
//! The pipeline used to start its helper threads afresh for every block. With
//! blocks of 1,000 transactions that is thousands of thread starts per
//! million transactions, and with mimalloc each finished thread leaves its
//! heap's pages behind (abandoned, partly used): the caller's thread then
//! faults in and zeroes fresh pages instead of reusing them. A worker lives
//! as long as its audit, so its heap is reused block after block.
//!
//! A job's result (or its panic, passed on to the caller as a scoped
//! thread's join would) comes back through a channel of its own. If the
//! thread cannot be started, or has stopped, jobs run on the caller's thread:
//! slower, never a different verdict.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;

/// A job, with what sends its result back.
type Job = Box<dyn FnOnce() + Send>;

/// What a job gave, or its panic.
type Outcome<R> = Result<R, Box<dyn Any + Send>>;

/// A helper thread running jobs one after the other, in the order given.
pub(crate) struct Worker {
    /// `None` once stopped (or if the thread could not be started).
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

/// A job given to a [`Worker`]: its result, once done.
pub(crate) struct Task<R> {
    outcome: Receiver<Outcome<R>>,
}

impl Worker {
    /// Starts a worker thread named `name`.
    pub(crate) fn start(name: &str) -> Worker {
        let (jobs, queue) = channel::<Job>();
        let started = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                // Ends when the worker is dropped (its sender with it).
                for job in queue {
                    job();
                }
            });
        match started {
            Ok(thread) => Worker {
                jobs: Some(jobs),
                thread: Some(thread),
            },
            // No thread: every job runs on the caller's.
            Err(_) => Worker {
                jobs: None,
                thread: None,
            },
        }
    }

    /// Runs `job` on the worker's thread (after the jobs given before).
    pub(crate) fn run<R: Send + 'static>(
        &self,
        job: impl FnOnce() -> R + Send + 'static,
    ) -> Task<R> {
        let (reply, outcome) = channel();
        let job: Job = Box::new(move || {
            // The caller may have gone (a panic of its own): nobody to tell.
            let _ = reply.send(catch_unwind(AssertUnwindSafe(job)));
        });
        match &self.jobs {
            // A stopped thread gives the job back: run it here.
            Some(jobs) => {
                if let Err(refused) = jobs.send(job) {
                    (refused.0)();
                }
            }
            None => job(),
        }
        Task { outcome }
    }
}

impl<R> Task<R> {
    /// Waits for the job's result; a panic of the job is passed on, as a
    /// scoped thread's join would.
    pub(crate) fn join(self) -> R {
        match self.outcome.recv() {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => resume_unwind(panic),
            // The job was dropped unrun: only if its thread died, a bug.
            Err(disconnected) => resume_unwind(Box::new(disconnected)),
        }
    }

    /// The job's result if it is done, else the task back (without
    /// waiting); a panic of the job is passed on, as by [`Task::join`].
    pub(crate) fn try_join(self) -> Result<R, Task<R>> {
        match self.outcome.try_recv() {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(panic)) => resume_unwind(panic),
            Err(TryRecvError::Empty) => Err(self),
            Err(disconnected) => resume_unwind(Box::new(disconnected)),
        }
    }
}

impl Drop for Worker {
    /// Stops the thread once its jobs are done, and waits for it (what it
    /// frees is freed before the audit is gone).
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            // Jobs catch their panics: the thread itself does not panic.
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::Worker;

    #[test]
    fn jobs_run_in_order_and_give_their_results() {
        let worker = Worker::start("test-worker");
        let tasks: Vec<_> = (0..10u64).map(|i| worker.run(move || i * 2)).collect();
        let results: Vec<u64> = tasks.into_iter().map(|task| task.join()).collect();
        assert_eq!(results, (0..10u64).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn a_panic_is_passed_on_and_the_worker_goes_on() {
        let worker = Worker::start("test-worker");
        let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            worker.run(|| panic!("a bug")).join()
        }));
        assert!(failed.is_err());
        assert_eq!(worker.run(|| 7).join(), 7);
    }
}
