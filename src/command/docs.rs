//! `completions SHELL` and `man`: documents generated from the command line's own definition,
//! so they can never disagree with `--help`.

use clap::CommandFactory;
use clap_complete::Shell as Target;

use crate::cli::{Cli, ManPage, Shell};
use crate::exit::Exit;
use crate::output;

/// Prints the completion script for `shell`.
pub fn completions(shell: Shell) -> Exit {
    let target = match shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
        Shell::Elvish => Target::Elvish,
        Shell::Powershell => Target::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(target, &mut Cli::command(), "do-snapshot", &mut script);
    output::stdout(&String::from_utf8_lossy(&script));
    Exit::Ok
}

/// Prints a manual page in roff: do-snapshot(1), whose SUBCOMMANDS section points to
/// do-snapshot-status(1) and do-snapshot-completions(1), or one of those.
pub fn man(page: Option<ManPage>) -> Exit {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let command = match page {
        None => command,
        Some(page) => {
            let (name, page_name) = match page {
                ManPage::Status => ("status", "do-snapshot-status"),
                ManPage::Completions => ("completions", "do-snapshot-completions"),
            };
            // Built above, the subcommand exists and carries the global flags.
            match command.find_subcommand(name) {
                Some(sub) => sub.clone().name(page_name),
                None => return Exit::Failure,
            }
        }
    };
    let mut roff = Vec::new();
    if let Err(e) = clap_mangen::Man::new(command).render(&mut roff) {
        output::stderr_line(&format!("do-snapshot: error: writing the manual page: {e}"));
        return Exit::Failure;
    }
    output::stdout(&String::from_utf8_lossy(&roff));
    Exit::Ok
}
