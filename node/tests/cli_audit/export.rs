//! End to end: `civitas audit export` and `civitas audit check-export`
//! against a devnet with activity (filled in by the export work, issue 20).
