//! Why `wq` stopped, the one line it prints about it, and the exit status.

use std::fmt;
use std::io;
use std::process::ExitCode;

use wirequest::ErrorKind;

/// The usage line, repeated under usage errors as clap does under its own.
pub const USAGE: &str = "Usage: wq [OPTIONS] [METHOD] URL [ITEM]...";

/// Something that ends `wq` without a full response on stdout.
#[derive(Debug)]
pub enum Failure {
    /// The command line asks for something impossible (exit 2, like clap's own errors).
    Usage(String),
    /// Something found before or around the request, with the kind the library would give it:
    /// an unreadable body file or `-o` file (`io`), a header that could never be sent
    /// (`invalid_header`), a bad `--connect-to` address (`invalid_url`)...
    Local(ErrorKind, String),
    /// The request failed, as the library reports it.
    Http(wirequest::Error),
    /// Whoever read stdout went away (`wq ... | head`): stop quietly, as other tools do.
    BrokenPipe,
}

impl Failure {
    /// A usage failure from anything printable.
    pub fn usage(msg: impl fmt::Display) -> Failure {
        Failure::Usage(msg.to_string())
    }

    /// A local I/O failure about `what` (e.g. `reading "body.json"`).
    pub fn io(what: impl fmt::Display, e: &io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return Failure::BrokenPipe;
        }
        Failure::Local(ErrorKind::Io, format!("{what}: {e}"))
    }

    /// A failed write to stdout.
    pub fn stdout(e: &io::Error) -> Failure {
        Failure::io("writing to stdout", e)
    }

    /// An error from reading a response body: the library's own error when it is one (its kind
    /// decides the exit status), else a local I/O failure.
    pub fn body_read(e: io::Error) -> Failure {
        if e.get_ref()
            .is_some_and(|inner| inner.is::<wirequest::Error>())
        {
            if let Some(inner) = e.into_inner() {
                if let Ok(err) = inner.downcast::<wirequest::Error>() {
                    return Failure::Http(*err);
                }
            }
            return Failure::Local(ErrorKind::Io, "reading the response body failed".into());
        }
        Failure::Local(ErrorKind::Io, format!("reading the response body: {e}"))
    }

    /// The word between the brackets of the error line.
    pub fn kind_word(&self) -> &'static str {
        match self {
            Failure::Usage(_) => "usage",
            Failure::BrokenPipe => "io",
            Failure::Local(kind, _) => kind.as_str(),
            Failure::Http(e) => e.kind().as_str(),
        }
    }

    /// The exit status API.md gives: 2 for a timeout or bad usage, 6 for too many redirects,
    /// 1 for anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::BrokenPipe => 0,
            Failure::Local(kind, _) => kind_exit_code(*kind),
            Failure::Http(e) => kind_exit_code(e.kind()),
        }
    }

    /// Prints the error line (and, for usage errors, the usage hint) and gives the exit status.
    pub fn report(&self) -> ExitCode {
        let message = match self {
            Failure::BrokenPipe => return ExitCode::from(self.exit_code()),
            Failure::Usage(m) | Failure::Local(_, m) => m.clone(),
            Failure::Http(e) => e.to_string(),
        };
        eprintln!("{}", error_line(self.kind_word(), &message));
        if let Failure::Usage(_) = self {
            eprintln!("\n{USAGE}\n\nFor more information, try 'wq --help'.");
        }
        ExitCode::from(self.exit_code())
    }
}

fn kind_exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Timeout => 2,
        ErrorKind::TooManyRedirects => 6,
        _ => 1,
    }
}

/// `wq: error[KIND]: message`, always on one line.
pub fn error_line(kind: &str, message: &str) -> String {
    let one_line: String = message
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    format!("wq: error[{kind}]: {}", one_line.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_line_is_one_line() {
        assert_eq!(
            error_line("usage", "bad\nthing\n"),
            "wq: error[usage]: bad thing"
        );
    }

    #[test]
    fn exit_codes_follow_api_md() {
        assert_eq!(Failure::usage("x").exit_code(), 2);
        assert_eq!(Failure::Local(ErrorKind::Io, "x".into()).exit_code(), 1);
        assert_eq!(Failure::BrokenPipe.exit_code(), 0);
    }

    #[test]
    fn broken_pipe_is_recognised() {
        let e = io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(matches!(Failure::stdout(&e), Failure::BrokenPipe));
    }
}
