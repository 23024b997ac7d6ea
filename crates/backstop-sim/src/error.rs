//! The crate's one error type.

use std::path::PathBuf;

/// `Result` with [`SimError`].
pub type Result<T, E = SimError> = core::result::Result<T, E>;

/// What went wrong loading a scenario, simulating, sweeping, checking or writing results.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A scenario or parameter file is not valid TOML, has an unknown or missing field, or a
    /// value of the wrong type (toml's message names the line, the column and the field).
    #[error("{file}: {message}")]
    Parse {
        /// The file (or `built-in:<name>`).
        file: String,
        /// The parser's message, with line, column and field.
        message: String,
    },
    /// A field parsed but breaks a rule (zero where it must be positive, a probability above 1,
    /// an auction parameter the contracts reject, …).
    #[error("{file}: field `{field}`: {reason}")]
    Invalid {
        /// The file (or `built-in:<name>`).
        file: String,
        /// The field's dotted path (`bidders[1].count`, `english.ttl`).
        field: String,
        /// The rule it breaks.
        reason: String,
    },
    /// A price CSV has a malformed row.
    #[error("{path}:{line}: {reason}")]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong with the row.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done (`"reading price CSV (market.path.file)"`).
        what: String,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A name is neither a built-in scenario nor an existing file.
    #[error("unknown scenario `{name}`: not a built-in ({builtins}) and no such file")]
    UnknownScenario {
        /// What was asked for.
        name: String,
        /// The built-in names, comma-separated.
        builtins: String,
    },
    /// A sweep specification is malformed (`--param`, `--objective`).
    #[error("sweep: {0}")]
    Sweep(String),
    /// A command-line value is out of its range (`--runs 0`, `--threads 100000`, `--cases`, …):
    /// the flag, the value given and the rule ([`crate::limits`]).
    #[error("{flag} {value}: {reason}")]
    Flag {
        /// The flag (`--runs`).
        flag: &'static str,
        /// The value given.
        value: String,
        /// The rule it breaks.
        reason: String,
    },
    /// No point of a sweep is both valid and feasible: each point with why (its invalid field, or
    /// its probability of clearing below the constraint). A sweep whose points are all invalid
    /// stops with this before simulating anything.
    #[error("sweep: no point is valid and feasible ({objective}):{}", lines(.points))]
    NoFeasiblePoint {
        /// The objective and its constraint, in words.
        objective: String,
        /// One line per point: its values and why it failed.
        points: Vec<String>,
    },
    /// The engine met an action the exact rules rejected where the simulation's own bookkeeping
    /// said it must pass (a bug, reported with the run and the rule).
    #[error("run {run}: {action} at t={at} was rejected by the core: {error}")]
    Engine {
        /// Run index.
        run: u64,
        /// The action, as debug text.
        action: String,
        /// Time, seconds.
        at: u64,
        /// The rule that failed.
        error: backstop_core::Error,
    },
    /// A run with a loss waterfall ended with its books out of balance: booked debt is not
    /// what the layers covered plus what is outstanding, to the wei (a bug, reported with the
    /// run and the amounts).
    #[error(
        "run {}: the waterfall's books do not balance: booked {}, covered {}, outstanding {}: {}",
        .0.run, .0.booked, .0.covered, .0.outstanding, .0.reason
    )]
    Conservation(Box<Imbalance>),
    /// Fixed-point arithmetic or parameter construction failed in the core, or an action log did
    /// not replay ([`backstop_core::Error::Replay`]).
    #[error(transparent)]
    Core(#[from] backstop_core::Error),
    /// Writing CSV failed.
    #[error("writing CSV {path}: {source}")]
    CsvWrite {
        /// The file.
        path: PathBuf,
        /// The writer's error.
        #[source]
        source: csv::Error,
    },
    /// Serialising JSON or TOML failed.
    #[error("serialising {what}: {reason}")]
    Serialize {
        /// What was serialised.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// Drawing a plot failed.
    #[error("plot {path}: {reason}")]
    Plot {
        /// The image file.
        path: PathBuf,
        /// The drawing backend's message.
        reason: String,
    },
    /// A shard's output directory cannot be merged ([`crate::merge`]): no or an unreadable
    /// `shard.json`, a manifest that differs from the other shards' (the field and both values),
    /// a shard given twice, or runs missing from its `runs.csv`.
    #[error("merge: {}: {reason}", .dir.display())]
    Shard {
        /// The shard's output directory.
        dir: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The directories given to `backstop merge` are not one whole sharded run: shards missing,
    /// none given, or an output directory that is also a shard's.
    #[error("merge: {0}")]
    Merge(String),
    /// The thread pool could not be built.
    #[error("thread pool: {0}")]
    ThreadPool(String),
}

/// The amounts of a waterfall run whose books do not balance ([`SimError::Conservation`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imbalance {
    /// Run index.
    pub run: u64,
    /// Booked bad debt, WAD.
    pub booked: backstop_core::Wad,
    /// Covered by every layer, WAD.
    pub covered: backstop_core::Wad,
    /// Outstanding (the accountant's debt), WAD.
    pub outstanding: backstop_core::Wad,
    /// What is unaccounted for, or the arithmetic error.
    pub reason: String,
}

impl SimError {
    /// True if the error is about the input (a file, a flag), not about the simulation.
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            Self::Parse { .. }
                | Self::Invalid { .. }
                | Self::Csv { .. }
                | Self::UnknownScenario { .. }
                | Self::Sweep(_)
                | Self::Flag { .. }
                | Self::Shard { .. }
                | Self::Merge(_)
        )
    }

    pub(crate) fn flag(
        flag: &'static str,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        Self::Flag { flag, value: value.to_string(), reason: reason.into() }
    }

    pub(crate) fn io(what: impl Into<String>, path: impl Into<PathBuf>, e: std::io::Error) -> Self {
        Self::Io { what: what.into(), path: path.into(), source: e }
    }
}

/// Each item on its own indented line.
fn lines(items: &[String]) -> String {
    items.iter().map(|l| format!("\n  {l}")).collect()
}
