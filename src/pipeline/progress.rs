//! Progress on stderr: a spinner per stage on a terminal, plain lines otherwise, nothing when quiet.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// How a run reports progress.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    mode: Mode,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Quiet,
    Lines,
    Spinners,
}

impl Progress {
    /// Spinners on a terminal, one line per stage otherwise (logs, CI).
    pub fn auto() -> Progress {
        let mode = if std::io::stderr().is_terminal() {
            Mode::Spinners
        } else {
            Mode::Lines
        };
        Progress { mode }
    }
    pub fn quiet() -> Progress {
        Progress { mode: Mode::Quiet }
    }

    /// Announces a stage; call [`Stage::finish`] when it is done.
    pub fn stage(&self, name: &str, what: &str) -> Stage {
        match self.mode {
            Mode::Quiet => Stage {
                bar: None,
                name: String::new(),
                lines: false,
            },
            Mode::Lines => {
                eprintln!("[{name}] {what}");
                Stage {
                    bar: None,
                    name: name.to_string(),
                    lines: true,
                }
            }
            Mode::Spinners => {
                let bar = ProgressBar::new_spinner();
                bar.set_style(
                    ProgressStyle::with_template("{spinner} [{prefix}] {msg} ({elapsed})")
                        .expect("valid template"),
                );
                bar.set_prefix(name.to_string());
                bar.set_message(what.to_string());
                bar.enable_steady_tick(Duration::from_millis(120));
                Stage {
                    bar: Some(bar),
                    name: name.to_string(),
                    lines: false,
                }
            }
        }
    }
}

/// One running stage.
pub struct Stage {
    bar: Option<ProgressBar>,
    name: String,
    lines: bool,
}

impl Stage {
    /// What the stage is doing now (a step inside a long stage: "evaluated K = 7").
    pub fn message(&self, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(what.to_string());
        } else if self.lines {
            eprintln!("[{}] {what}", self.name);
        }
    }

    pub fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish_with_message("done");
        } else if self.lines {
            eprintln!("[{}] done", self.name);
        }
    }
}
