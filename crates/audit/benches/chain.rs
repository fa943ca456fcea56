//! Whole-chain audit throughput: a chain generated offline (benches/support/
//! generator.rs, deterministic from a seed) is replayed by `ChainAudit` from
//! its genesis — transaction signatures, certificates, re-execution, civic
//! laws — and the rate and the process's peak memory are printed.
//!
//! ```sh
//! cargo bench -p civitas-audit --bench chain -- --transactions 1000000 --per-block 10000
//! ```
//!
//! Options: `--transactions N` (at least N, whole blocks; default 1,000,000),
//! `--per-block N` (default 10,000), `--beneficiaries N` (default 2,500),
//! `--seed S` (default 1), `--threads T` (signature threads; default all
//! cores), `--runs R` (default 1). The chain is written once to
//! `target/audit-chain/` and reused; the audit then runs in a fresh process
//! so the peak resident memory printed (VmHWM) is the audit's alone. Blocks
//! are read from the file one at a time, as `civitas audit verify` receives
//! them.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::print_stdout,
    clippy::print_stderr
)]

#[path = "support/generator.rs"]
mod generator;

/// The allocator the audit is measured with: glibc's spends a quarter of
/// the replay's CPU time in malloc and free, most on the executing thread
/// (docs/decisions/0022-audit-allocator.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::time::Instant;

use civitas_audit::ChainAudit;
use civitas_types::{QuorumCertificate, decode, encode};

const MAGIC: &[u8; 8] = b"CIVCHAIN";
const BLOCK: u8 = 1;
const LAST_CERTIFICATE: u8 = 2;

struct Options {
    transactions: u64,
    per_block: usize,
    beneficiaries: usize,
    seed: u64,
    threads: Option<usize>,
    runs: usize,
    audit_only: bool,
}

fn options() -> Options {
    let mut options = Options {
        transactions: 1_000_000,
        per_block: 10_000,
        beneficiaries: generator::BENEFICIARIES_DEFAULT,
        seed: 1,
        threads: None,
        runs: 1,
        audit_only: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("a value after the option");
        match arg.as_str() {
            "--transactions" => options.transactions = value().parse().unwrap(),
            "--per-block" => options.per_block = value().parse().unwrap(),
            "--beneficiaries" => options.beneficiaries = value().parse().unwrap(),
            "--seed" => options.seed = value().parse().unwrap(),
            "--threads" => options.threads = Some(value().parse().unwrap()),
            "--runs" => options.runs = value().parse().unwrap(),
            "--audit-only" => options.audit_only = true,
            _ => {} // `--bench` and criterion-style filters
        }
    }
    options
}

fn chain_path(o: &Options) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("audit-chain").join(format!(
        "seed{}-per{}-ben{}-tx{}.chain",
        o.seed, o.per_block, o.beneficiaries, o.transactions
    ))
}

fn write_record(out: &mut impl Write, kind: u8, bytes: &[u8]) {
    out.write_all(&[kind]).unwrap();
    out.write_all(&(bytes.len() as u32).to_le_bytes()).unwrap();
    out.write_all(bytes).unwrap();
}

fn read_record(input: &mut impl Read, buffer: &mut Vec<u8>) -> Option<u8> {
    let mut head = [0u8; 5];
    if input.read_exact(&mut head).is_err() {
        return None;
    }
    let len = u32::from_le_bytes(head[1..5].try_into().unwrap()) as usize;
    buffer.resize(len, 0);
    input.read_exact(buffer).unwrap();
    Some(head[0])
}

fn generate(o: &Options, path: &PathBuf) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let partial = path.with_extension("partial");
    let mut out = BufWriter::new(File::create(&partial).unwrap());
    out.write_all(MAGIC).unwrap();
    let started = Instant::now();
    let mut chain = generator::ChainGenerator::new(o.seed, o.per_block, o.beneficiaries);
    let mut blocks = 0u64;
    while chain.transactions() < o.transactions {
        let block = chain.next_block();
        write_record(&mut out, BLOCK, &encode(&block));
        blocks += 1;
        if blocks.is_multiple_of(20) {
            eprintln!(
                "  generated {blocks} blocks, {} transactions",
                chain.transactions()
            );
        }
    }
    write_record(
        &mut out,
        LAST_CERTIFICATE,
        &encode(&chain.last_certificate().unwrap()),
    );
    out.flush().unwrap();
    drop(out);
    std::fs::rename(&partial, path).unwrap();
    eprintln!(
        "generated {blocks} blocks, {} transactions in {:.1} s: {}",
        chain.transactions(),
        started.elapsed().as_secs_f64(),
        path.display()
    );
}

/// CPU time of this process so far (user + system), in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11..13).map_or(0.0, |f| {
        f.iter().filter_map(|v| v.parse::<f64>().ok()).sum()
    });
    ticks / 100.0
}

/// Peak resident set size of this process, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn audit(o: &Options, path: &PathBuf) {
    let genesis = generator::genesis(o.seed);
    for run in 0..o.runs {
        let mut input = BufReader::with_capacity(1 << 20, File::open(path).unwrap());
        let mut magic = [0u8; 8];
        input.read_exact(&mut magic).unwrap();
        assert_eq!(&magic, MAGIC);
        let mut buffer = Vec::new();
        let started = Instant::now();
        let cpu_started = cpu_seconds();
        let mut audit = ChainAudit::new(&genesis).unwrap();
        if let Some(threads) = o.threads {
            audit.set_signature_threads(threads);
        }
        let mut last = None;
        while let Some(kind) = read_record(&mut input, &mut buffer) {
            match kind {
                BLOCK => audit.push_bytes(&buffer).unwrap(),
                LAST_CERTIFICATE => last = Some(decode::<QuorumCertificate>(&buffer).unwrap()),
                other => panic!("unknown record {other}"),
            }
        }
        let summary = audit.finish(last).unwrap();
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "run {}: {} blocks, {} transactions ({} per block) in {:.2} s: {:.0} tx/s; CPU {:.1} s; peak RSS {:.0} MiB",
            run + 1,
            summary.blocks,
            summary.transactions,
            o.per_block,
            seconds,
            summary.transactions as f64 / seconds,
            cpu_seconds() - cpu_started,
            peak_rss_mib().unwrap_or(f64::NAN)
        );
    }
}

fn main() {
    let o = options();
    let path = chain_path(&o);
    if o.audit_only {
        audit(&o, &path);
        return;
    }
    if !path.exists() {
        generate(&o, &path);
    }
    // A fresh process, so the peak memory printed is the audit's alone.
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(std::env::args().skip(1))
        .arg("--audit-only")
        .status()
        .unwrap();
    assert!(status.success());
}
