//! `wq`: HTTP for the terminal, in the manner of HTTPie, on top of `wirequest`.
//!
//! `wq [OPTIONS] [METHOD] URL [ITEM...]`; `wq --help` documents everything. The flow is
//! straight: parse the command line ([`args`]), build the request ([`request`]), print it for
//! `-v`, send it, print the head for `-i`, write the body ([`output`]), and pick the exit
//! status ([`failure`]).
#![forbid(unsafe_code)]

mod args;
mod failure;
mod items;
mod json;
mod output;
mod progress;
mod request;
mod style;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use args::{Args, Pretty};
use failure::{error_line, Failure};
use output::Output;
use style::{env_forbids_color, Style};
use wirequest::Method;

fn main() -> ExitCode {
    let args = match args::parse() {
        Ok(args) => args,
        Err(code) => return code,
    };
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            // Whatever was printed so far must come before the error line.
            let _ = io::stdout().flush();
            failure.report()
        }
    }
}

/// Runs one request; the `Ok` value is the exit status (non-zero only for `--check-status`).
fn run(args: &Args) -> Result<u8, Failure> {
    let positionals = args.positionals()?;
    let prepared = request::prepare(args, positionals)?;

    let stdout_tty = io::stdout().is_terminal();
    let stderr_tty = io::stderr().is_terminal();
    let pretty = args.pretty.unwrap_or(if stdout_tty {
        Pretty::All
    } else {
        Pretty::None
    });
    // An explicit --pretty wins over NO_COLOR, as a command-line flag should.
    let colors = pretty.colors() && (args.pretty.is_some() || !env_forbids_color());
    let output = Output {
        format: pretty.formats(),
        style: Style { colors },
        err_style: Style {
            colors: stderr_tty && !env_forbids_color(),
        },
        stdout_tty,
        stderr_tty,
    };
    let mut stdout = io::stdout().lock();

    if args.verbose || args.offline {
        match prepared.shown() {
            Some(shown) => write_out(&mut stdout, output.request(&shown).as_bytes())?,
            None if args.offline => {
                return Err(Failure::Local(
                    wirequest::ErrorKind::InvalidUrl,
                    format!("invalid url {:?}", prepared.url),
                ))
            }
            None => {}
        }
    }
    if args.offline {
        return Ok(0);
    }

    let client = request::client(args, &prepared)?;
    let is_head = prepared.method == Method::HEAD;
    let resp = prepared.send(&client, args)?;
    let status = resp.status();
    let status_message = status_message(&resp);

    if args.include || args.verbose || is_head {
        write_out(&mut stdout, &output.response_head(&resp))?;
    }
    match &args.output {
        Some(path) if path.as_os_str() != "-" => output.body_to_file(resp, path)?,
        _ => output.body_to_stdout(resp, &mut stdout)?,
    }
    stdout.flush().map_err(|e| Failure::stdout(&e))?;

    if args.check_status && status >= 300 {
        eprintln!("{}", error_line("status", &status_message));
        return Ok(match status {
            300..=399 => 3,
            400..=499 => 4,
            _ => 5,
        });
    }
    Ok(0)
}

/// The `--check-status` message, in the words of `Response::error_for_status`.
fn status_message(resp: &wirequest::Response) -> String {
    let class = match resp.status() {
        300..=399 => "Redirection",
        400..=499 => "Client Error",
        _ => "Server Error",
    };
    format!(
        "{} {class}: {} for url: {}",
        resp.status(),
        resp.reason(),
        resp.url()
    )
}

fn write_out(out: &mut impl Write, bytes: &[u8]) -> Result<(), Failure> {
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::stdout(&e))
}
