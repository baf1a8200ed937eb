//! The command line: options (clap), and how the positional words split into METHOD, URL and
//! items, as HTTPie splits them.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use wirequest::{ErrorKind, Method};

use crate::failure::{error_line, Failure};

const ABOUT: &str = "HTTP for the terminal: requests in the manner of HTTPie, on top of wirequest";

const LONG_ABOUT: &str = "\
HTTP for the terminal: requests in the manner of HTTPie, on top of wirequest.

On a terminal, JSON bodies are pretty-printed and coloured, and heads are
coloured. Anywhere else (a pipe, a file) the body is exactly the bytes the
server sent.";

const EXAMPLES: &str = "\
Examples:
  wq example.com/get                      GET http://example.com/get
  wq POST :8080/users name=Ada age:=36    JSON body {\"name\":\"Ada\",\"age\":36}
  wq -f :8080/login user=ada pw=s3cret    urlencoded form

Run 'wq --help' for request items, more examples, output and exit codes.";

const LONG_HELP: &str = "\
Request items:
  name=value    a JSON string field {\"name\": \"value\"} (a form field with -f)
  name:=json    a raw JSON field: age:=36 admin:=true tags:='[\"a\",\"b\"]'
  name=@FILE    a string field read from FILE
  name:=@FILE   a raw JSON field read from FILE
  Header:value  a request header; repeat it for several values. It replaces
                a default (User-Agent, Accept); 'Header:' sends it empty
  name==value   a query parameter, added to the URL's own (and encoded)

  Data items make one JSON object, keys in the order given; a repeated name
  collects its values into an array. A backslash makes a separator part of
  a name: 'a\\:b=c' is the field \"a:b\".

Method and URL:
  METHOD defaults to GET, or POST when there is a body (PATCH with
  --merge-patch). Standard methods may be lowercase (post); others are
  written in uppercase (PURGE). A URL without a scheme gets http://;
  ':8080/x' means http://localhost:8080/x and ':/x' http://localhost/x.

Output:
  The body goes to stdout. On a terminal, JSON is indented and coloured,
  heads are coloured, and a binary body is held back (use -o or a pipe).
  Anywhere else the body is the raw bytes the server sent, nothing added.
  --pretty overrides both; NO_COLOR or TERM=dumb turn colours off unless
  --pretty asks for them. -i and -v print heads to stdout; HEAD implies -i.
  With -o FILE, or a download over 4 MiB into a pipe, a progress bar shows
  on stderr when it is a terminal: bytes, rate, and the ETA when the length
  is known.

Standard input:
  wq reads stdin only when told to: '--data @-' (or '--data -') and
  '--json @-'. Unlike HTTPie it never reads a pipe on its own, so it cannot
  hang on a terminal or under CI.

Exit status:
  0 success; 1 an error; 2 a timeout, or bad usage; 6 too many redirects;
  with --check-status, 3, 4 or 5 for a 3xx, 4xx or 5xx (the body is still
  printed). Errors are one line on stderr, 'wq: error[KIND]: message', KIND
  being invalid_url, invalid_header, invalid_method, connect, timeout, tls,
  protocol, incomplete, too_large, too_many_redirects, status, decode, io,
  or usage for the command line itself.

Examples:
  wq example.com                          GET http://example.com/
  wq :8080/users/53                       GET http://localhost:8080/users/53
  wq :8080/search q=='rust http' page==2  GET /search?q=rust+http&page=2
  wq POST :8080/users name=Ada age:=36    JSON {\"name\":\"Ada\",\"age\":36}
  wq :8080/users name=Ada X-Trace:42      a JSON body (so POST) and a header
  wq -f :8080/login user=ada pw=s3cret    urlencoded form
  wq PUT :8080/users/53 --json @ada.json  a JSON document from a file
  wq --merge-patch :8080/users/53 email=ada@example.com phone:=null
                                          PATCH as application/merge-patch+json
  wq PUT :8080/blob --data @photo.jpg Content-Type:image/jpeg
  tar c dir | wq PUT :8080/backup.tar --data @-
  wq -a ada:s3cret :8080/private          HTTP Basic auth
  wq --bearer \"$TOKEN\" https://api.example.com/me
  wq -i :8080/health                      status line and headers, then body
  wq -v :8080/users name=Ada              the request too
  wq --offline PATCH :8080/users/53 age:=37
                                          show the request, send nothing
  wq -o ubuntu.iso https://example.com/ubuntu.iso
  wq --check-status :8080/health && echo up
  wq --timeout 2.5 --connect-timeout 0.5 :8080/slow
  wq --connect-to example.com:127.0.0.1:8443 --cacert ca.pem \\
     https://example.com/";

/// How the output is laid out and coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Pretty {
    /// Indent JSON and use colours (the default on a terminal)
    All,
    /// Colours only, the layout as sent
    Colors,
    /// Indent JSON, no colours
    Format,
    /// Nothing: raw bytes (the default anywhere else)
    None,
}

impl Pretty {
    /// Whether JSON is re-indented.
    pub fn formats(self) -> bool {
        matches!(self, Pretty::All | Pretty::Format)
    }

    /// Whether colours are used.
    pub fn colors(self) -> bool {
        matches!(self, Pretty::All | Pretty::Colors)
    }
}

/// The options, as clap parses them. Each has a one-line help for `-h` and, where there is
/// more to say, a long help (wrapped by hand: clap's `wrap_help` would pull in a crate) for
/// `--help`.
#[derive(Debug, Parser)]
#[command(
    name = "wq",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    override_usage = "wq [OPTIONS] [METHOD] URL [ITEM]...",
    after_help = EXAMPLES,
    after_long_help = LONG_HELP
)]
pub struct Args {
    /// GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, or any token (PURGE)
    #[arg(value_name = "METHOD")]
    method: Option<String>,

    /// 'example.com/x' (http:// is added), ':8080/x' (localhost)
    #[arg(value_name = "URL")]
    url: Option<String>,

    /// name=value, name:=json, Header:value, name==value
    #[arg(value_name = "ITEM")]
    items: Vec<String>,

    /// Print the status line and headers before the body
    #[arg(
        short,
        long,
        help_heading = "Output",
        long_help = "Print the response status line and headers before the body (curl -i)."
    )]
    pub include: bool,

    /// Also print the request head and body (implies -i)
    #[arg(
        short,
        long,
        help_heading = "Output",
        long_help = "Also print the request head, its lines marked '> ', and the request\n\
                     body before the response (implies -i). The head is rebuilt from what\n\
                     wq hands to the library, not captured from the socket."
    )]
    pub verbose: bool,

    /// Print the request as -v would, and do not send it
    #[arg(long, help_heading = "Output")]
    pub offline: bool,

    /// Write the body to FILE, with a progress bar
    #[arg(
        short,
        long,
        value_name = "FILE",
        help_heading = "Output",
        long_help = "Write the body to FILE instead of stdout ('-' is stdout). Heads from\n\
                     -i and -v still go to stdout. A progress bar shows on stderr when it\n\
                     is a terminal. FILE is created when the response arrives."
    )]
    pub output: Option<PathBuf>,

    /// all, colors, format or none [default: all on a tty]
    #[arg(
        long,
        value_enum,
        value_name = "STYLE",
        hide_possible_values = true,
        help_heading = "Output",
        long_help = "How to lay out and colour the output:\n  \
                     all     indent JSON and use colours (the default on a terminal)\n  \
                     colors  colours only, the layout as the server sent it\n  \
                     format  indent JSON, no colours\n  \
                     none    raw bytes (the default anywhere else)"
    )]
    pub pretty: Option<Pretty>,

    /// Exit 3, 4 or 5 for a 3xx, 4xx or 5xx status
    #[arg(
        long,
        help_heading = "Output",
        long_help = "Exit with 3, 4 or 5 when the status is 3xx, 4xx or 5xx, with an\n\
                     error line on stderr ('wq: error[status]: ...'). The body is still\n\
                     printed."
    )]
    pub check_status: bool,

    /// Send data items as a urlencoded form, not JSON
    #[arg(
        short,
        long,
        conflicts_with_all = ["json", "merge_patch"],
        help_heading = "Body",
        long_help = "Send the data items (name=value) as application/x-www-form-urlencoded\n\
                     instead of JSON; with --data, label the raw body so."
    )]
    pub form: bool,

    /// Send this JSON document (TEXT, @FILE or @-)
    #[arg(
        long,
        value_name = "TEXT",
        conflicts_with = "data",
        help_heading = "Body",
        long_help = "Send this JSON document as the body (Content-Type: application/json)\n\
                     after checking that it is JSON. '@FILE' reads it from a file, '@-'\n\
                     from stdin."
    )]
    pub json: Option<String>,

    /// Send a raw body (TEXT, @FILE, or @- for stdin)
    #[arg(
        short,
        long,
        value_name = "TEXT",
        help_heading = "Body",
        long_help = "Send a raw body: the text itself, '@FILE' for a file's bytes, '@-'\n\
                     (or '-') for stdin. Up to 16 MiB goes with Content-Length; more is\n\
                     streamed (a file with Content-Length, stdin chunked). No Content-Type\n\
                     is added, except with --form or --merge-patch: add a Content-Type\n\
                     item for one."
    )]
    pub data: Option<String>,

    /// Send the JSON body as a merge patch (RFC 7396)
    #[arg(
        long,
        help_heading = "Body",
        long_help = "Send the JSON body (data items, --json or --data) as a JSON Merge\n\
                     Patch (RFC 7396): Content-Type: application/merge-patch+json, and the\n\
                     method PATCH unless one is given. 'name:=null' removes a member."
    )]
    pub merge_patch: bool,

    /// HTTP Basic authentication
    #[arg(
        short,
        long,
        value_name = "USER[:PASS]",
        help_heading = "Authentication",
        long_help = "HTTP Basic authentication. Without ':PASS' the password is empty (wq\n\
                     does not prompt). Credentials in the URL (http://u:p@host/) work too."
    )]
    pub auth: Option<String>,

    /// Send 'Authorization: Bearer TOKEN'
    #[arg(
        long,
        value_name = "TOKEN",
        conflicts_with = "auth",
        help_heading = "Authentication"
    )]
    pub bearer: Option<String>,

    /// Deadline for the whole exchange [default: none]
    #[arg(
        long,
        value_name = "SECS",
        value_parser = parse_secs,
        help_heading = "Connection",
        long_help = "Give up after SECS for the whole exchange, redirects and body\n\
                     included (curl's --max-time); fractions allowed. Exit status 2.\n\
                     [default: none]"
    )]
    pub timeout: Option<Duration>,

    /// Longest wait to connect, TLS too [default: 30]
    #[arg(long, value_name = "SECS", value_parser = parse_secs, help_heading = "Connection")]
    pub connect_timeout: Option<Duration>,

    /// Longest wait for the next bytes [default: 30]
    #[arg(long, value_name = "SECS", value_parser = parse_secs, help_heading = "Connection")]
    pub read_timeout: Option<Duration>,

    /// Follow at most N redirects [default: 30]
    #[arg(long, value_name = "N", help_heading = "Connection")]
    pub max_redirects: Option<u32>,

    /// Print a redirect instead of following it
    #[arg(long, help_heading = "Connection")]
    pub no_follow: bool,

    /// Connect to ADDR whenever the URL's host is HOST
    #[arg(
        long,
        value_name = "HOST:ADDR",
        help_heading = "Connection",
        long_help = "Connect to ADDR (IP:PORT, [IPv6]:PORT or NAME:PORT) for every\n\
                     connection to HOST, whatever the URL's port, as curl --connect-to.\n\
                     The Host header and the TLS name still come from the URL.\n\
                     Repeatable. curl's own form HOST:PORT:ADDR applies only when the\n\
                     URL's port is PORT."
    )]
    pub connect_to: Vec<String>,

    /// Also trust the CA certificates in this PEM file
    #[arg(long, value_name = "FILE", help_heading = "Connection")]
    pub cacert: Option<PathBuf>,

    /// Accept any TLS certificate (testing only)
    #[arg(
        short = 'k',
        long,
        help_heading = "Connection",
        long_help = "Accept any TLS certificate, as requests' verify=False: for tests and\n\
                     networks you control only, since anyone on the path can read and\n\
                     change the traffic."
    )]
    pub insecure: bool,
}

/// Seconds, fractions allowed, above zero.
fn parse_secs(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if secs.is_nan() || secs <= 0.0 {
        return Err(format!("{s:?}: the time must be above zero"));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{s:?} is too long"))
}

/// Parses the command line. Help and version are printed here (exit 0); errors become the
/// usual error line (exit 2).
pub fn parse() -> Result<Args, ExitCode> {
    match Args::try_parse() {
        Ok(args) => Ok(args),
        Err(e) => {
            use clap::error::ErrorKind as K;
            if matches!(e.kind(), K::DisplayHelp | K::DisplayVersion) {
                // Nothing useful can be done if stdout is gone.
                let _ = e.print();
                return Err(ExitCode::SUCCESS);
            }
            // clap's text starts with "error: "; keep its tips and usage under our error line.
            let rendered = e.render().to_string();
            let text = rendered.strip_prefix("error: ").unwrap_or(&rendered);
            let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
            eprintln!("{}", error_line("usage", first));
            eprint!("{rest}");
            Err(ExitCode::from(2))
        }
    }
}

/// The positional words, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Positionals {
    /// The method, when one was given.
    pub method: Option<Method>,
    /// The URL after the shorthands.
    pub url: String,
    /// The item words, unparsed.
    pub items: Vec<String>,
}

impl Args {
    /// Splits the positional words into METHOD, URL and items.
    pub fn positionals(&self) -> Result<Positionals, Failure> {
        let words: Vec<&String> = self
            .method
            .iter()
            .chain(self.url.iter())
            .chain(self.items.iter())
            .collect();
        split_positionals(&words)
    }
}

fn split_positionals(words: &[&String]) -> Result<Positionals, Failure> {
    let Some(first) = words.first() else {
        return Err(Failure::usage("a URL is required"));
    };
    let (method, rest) = match method_word(first) {
        Some(m) if words.len() >= 2 => (Some(m?), &words[1..]),
        _ => (None, words),
    };
    let url = expand_url(rest[0]);
    let items = rest[1..].iter().map(|s| s.to_string()).collect();
    Ok(Positionals { method, url, items })
}

const STANDARD_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
];

/// Whether a word is a method rather than a URL: a standard method in any case, or an
/// all-uppercase word (`PURGE`, `PROPFIND`). `localhost` and `example` stay URLs.
fn method_word(word: &str) -> Option<Result<Method, Failure>> {
    if word.is_empty() || !word.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-') {
        return None;
    }
    let upper = word.to_ascii_uppercase();
    if STANDARD_METHODS.contains(&upper.as_str()) {
        return Some(upper.parse::<Method>().map_err(Failure::usage));
    }
    if word == upper {
        return Some(word.parse::<Method>().map_err(Failure::usage));
    }
    None
}

/// The URL shorthands: `:8080/x` → `http://localhost:8080/x`, `:/x` → `http://localhost/x`,
/// and `http://` in front of anything without a scheme.
pub fn expand_url(word: &str) -> String {
    let word = word.trim();
    if let Some(rest) = word.strip_prefix(':') {
        // `:8080/x`, `:/x`, `:` — but not `://x`, which is a mistake to report as it is.
        if !rest.starts_with("//") {
            let (port, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            if port.bytes().all(|b| b.is_ascii_digit()) {
                let port = if port.is_empty() {
                    String::new()
                } else {
                    format!(":{port}")
                };
                return format!("http://localhost{port}{path}");
            }
        }
    }
    if has_scheme(word) {
        word.to_owned()
    } else {
        format!("http://{word}")
    }
}

/// `scheme://` at the start, with a scheme as RFC 3986 spells it.
fn has_scheme(word: &str) -> bool {
    let Some((scheme, _)) = word.split_once("://") else {
        return false;
    };
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// One `--connect-to` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    /// The URL host it applies to.
    pub host: String,
    /// With curl's four-part form, the URL port it applies to.
    pub port: Option<u16>,
    /// Where to connect instead.
    pub addr: SocketAddr,
}

/// Parses `HOST:ADDR` (ADDR being `IP:PORT`, `[IPv6]:PORT` or `NAME:PORT`) or curl's
/// `HOST:PORT:ADDRHOST:ADDRPORT` (PORT may be empty).
pub fn parse_connect_to(spec: &str) -> Result<ConnectTo, Failure> {
    let bad = |why: &str| {
        Failure::Local(
            ErrorKind::InvalidUrl,
            format!("--connect-to {spec:?}: {why} (expected HOST:ADDR, e.g. example.com:127.0.0.1:8080)"),
        )
    };
    // The host may be a bracketed IPv6 literal, which holds colons of its own.
    let (host, rest) = if spec.starts_with('[') {
        let end = spec.find(']').ok_or_else(|| bad("unclosed '['"))?;
        let rest = spec[end + 1..]
            .strip_prefix(':')
            .ok_or_else(|| bad("no address"))?;
        (&spec[..=end], rest)
    } else {
        spec.split_once(':').ok_or_else(|| bad("no address"))?
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let host = host.to_owned();
    // A literal socket address first: no lookup, and `127.0.0.1:8080` is not read as curl's
    // PORT `127` followed by `0.0.1:8080`.
    if let Ok(addr) = rest.parse::<SocketAddr>() {
        return Ok(ConnectTo {
            host,
            port: None,
            addr,
        });
    }
    if let Some((port, target)) = rest.split_once(':') {
        if port.bytes().all(|b| b.is_ascii_digit()) && target.contains(':') {
            let port = if port.is_empty() {
                None
            } else {
                Some(port.parse::<u16>().map_err(|_| bad("bad port"))?)
            };
            let addr = resolve(target).ok_or_else(|| bad("cannot resolve the address"))?;
            return Ok(ConnectTo { host, port, addr });
        }
    }
    let addr = resolve(rest).ok_or_else(|| bad("cannot resolve the address"))?;
    Ok(ConnectTo {
        host,
        port: None,
        addr,
    })
}

fn resolve(target: &str) -> Option<SocketAddr> {
    if let Ok(addr) = target.parse::<SocketAddr>() {
        return Some(addr);
    }
    target.to_socket_addrs().ok()?.next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(words: &[&str]) -> Result<Positionals, Failure> {
        let owned: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        let refs: Vec<&String> = owned.iter().collect();
        split_positionals(&refs)
    }

    #[test]
    fn positionals_method_is_recognised_only_before_a_url() {
        let p = split(&["post", "example.com", "a=1"]).unwrap();
        assert_eq!(p.method, Some(Method::POST));
        assert_eq!(p.url, "http://example.com");
        assert_eq!(p.items, ["a=1"]);

        let p = split(&["PURGE", "example.com"]).unwrap();
        assert_eq!(p.method.unwrap().as_str(), "PURGE");

        // A lone word is the URL, and lowercase non-standard words are hosts.
        assert_eq!(split(&["get"]).unwrap().url, "http://get");
        let p = split(&["localhost", "a=1"]).unwrap();
        assert_eq!(p.method, None);
        assert_eq!(p.url, "http://localhost");
        assert!(matches!(split(&[]), Err(Failure::Usage(_))));
    }

    #[test]
    fn url_shorthands_expand() {
        assert_eq!(expand_url(":8080/x"), "http://localhost:8080/x");
        assert_eq!(expand_url(":/x"), "http://localhost/x");
        assert_eq!(expand_url(":"), "http://localhost");
        assert_eq!(expand_url("example.com"), "http://example.com");
        assert_eq!(expand_url("localhost:3000/a"), "http://localhost:3000/a");
        assert_eq!(expand_url("https://example.com"), "https://example.com");
        assert_eq!(expand_url("ftp://example.com"), "ftp://example.com");
        assert_eq!(
            expand_url("example.com/?next=http://x"),
            "http://example.com/?next=http://x"
        );
    }

    #[test]
    fn connect_to_forms_parse() {
        let c = parse_connect_to("example.com:127.0.0.1:8080").unwrap();
        assert_eq!(c.host, "example.com");
        assert_eq!(c.port, None);
        assert_eq!(c.addr, "127.0.0.1:8080".parse().unwrap());

        let c = parse_connect_to("example.com:443:127.0.0.1:8443").unwrap();
        assert_eq!(c.port, Some(443));
        assert_eq!(c.addr, "127.0.0.1:8443".parse().unwrap());

        let c = parse_connect_to("example.com::127.0.0.1:8443").unwrap();
        assert_eq!(c.port, None);

        let c = parse_connect_to("[::1]:[::1]:9000").unwrap();
        assert_eq!(c.host, "[::1]");
        assert_eq!(c.addr, "[::1]:9000".parse().unwrap());

        assert!(parse_connect_to("example.com").is_err());
        assert!(parse_connect_to(":127.0.0.1:80").is_err());
    }

    #[test]
    fn secs_parse() {
        assert_eq!(parse_secs("1.5").unwrap(), Duration::from_millis(1500));
        assert!(parse_secs("0").is_err());
        assert!(parse_secs("-1").is_err());
        assert!(parse_secs("NaN").is_err());
        assert!(parse_secs("soon").is_err());
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
