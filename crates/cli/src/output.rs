//! What goes to stdout and to the `-o` file: heads, bodies, and how they are laid out.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use wirequest::{Response, ResponseReader};

use crate::failure::Failure;
use crate::json::{self, Layout};
use crate::progress::{human_bytes, Progress};
use crate::request::{Shown, ShownBody};
use crate::style::{sgr, Style};

/// Bodies over this size are printed as they are, never re-laid out.
const FORMAT_LIMIT: usize = 16 * 1024 * 1024;

/// Read size while streaming a body.
const CHUNK: usize = 64 * 1024;

/// How output is written, decided once from the options and the terminals.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Re-indent JSON.
    pub format: bool,
    /// Colours on stdout.
    pub style: Style,
    /// Colours on stderr (the progress bar).
    pub err_style: Style,
    /// Whether stdout is a terminal (binary bodies are held back, a final newline is added).
    pub stdout_tty: bool,
    /// Whether stderr is a terminal (the progress bar is drawn there).
    pub stderr_tty: bool,
}

impl Output {
    /// The request as `-v` and `--offline` print it: the head with each line marked `> `, a
    /// lone `>` line, the body, and a blank line.
    pub fn request(&self, shown: &Shown) -> String {
        let s = self.style;
        let mut out = String::new();
        s.paint(&mut out, sgr::DIM, "> ");
        s.paint(&mut out, sgr::METHOD, &shown.method);
        out.push(' ');
        out.push_str(&shown.target);
        out.push(' ');
        s.paint(&mut out, sgr::VERSION, "HTTP/1.1");
        out.push('\n');
        for (name, value) in &shown.headers {
            s.paint(&mut out, sgr::DIM, "> ");
            s.paint(&mut out, sgr::HEADER_NAME, name);
            out.push_str(": ");
            out.push_str(value);
            out.push('\n');
        }
        s.paint(&mut out, sgr::DIM, ">");
        out.push('\n');
        match &shown.body {
            ShownBody::None => {}
            ShownBody::Text(text) => {
                out.push_str(&self.json_or_text(text));
                if !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            ShownBody::Binary(n) => {
                let note = format!("[binary body: {}]", human_bytes(*n as u64));
                s.paint(&mut out, sgr::DIM, &note);
                out.push('\n');
            }
            ShownBody::Streamed { from, len } => {
                let size = len.map(|n| format!(", {}", human_bytes(n)));
                let note = format!("[body streamed from {from}{}]", size.unwrap_or_default());
                s.paint(&mut out, sgr::DIM, &note);
                out.push('\n');
            }
        }
        out.push('\n');
        out
    }

    /// A text laid out as JSON when it is JSON and the options ask for it.
    fn json_or_text(&self, text: &str) -> String {
        if (self.format || self.style.colors) && json::is_valid(text) {
            let layout = if self.format {
                Layout::Indented
            } else {
                Layout::Original
            };
            if let Some(s) = json::format(text.trim(), layout, self.style) {
                return s;
            }
        }
        text.to_owned()
    }

    /// The status line and header fields, then a blank line. Values go out as the bytes the
    /// server sent, even when they are not UTF-8.
    pub fn response_head(&self, resp: &Response) -> Vec<u8> {
        let s = self.style;
        let mut line = String::new();
        s.paint(&mut line, sgr::VERSION, &resp.version().to_string());
        line.push(' ');
        let status = format!("{} {}", resp.status(), resp.reason());
        s.paint(
            &mut line,
            Style::status_code(resp.status()),
            status.trim_end(),
        );
        line.push('\n');
        let mut out = line.into_bytes();
        for (name, value) in resp.headers().iter_bytes() {
            let mut n = String::new();
            s.paint(&mut n, sgr::HEADER_NAME, name);
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.push(b'\n');
        }
        out.push(b'\n');
        out
    }

    /// Writes the body to stdout: JSON laid out and coloured when asked, anything else
    /// streamed as it arrives.
    pub fn body_to_stdout(&self, resp: Response, out: &mut impl Write) -> Result<(), Failure> {
        let content_type = resp.header("content-type").map(str::to_owned);
        let total = decoded_length(&resp);
        let mut reader = resp.into_reader();
        let mut prefix = Vec::new();
        let labelled = content_type
            .as_deref()
            .is_some_and(json::is_json_media_type);
        let sniff = json::may_be_unlabelled_json(content_type.as_deref());
        if (self.format || self.style.colors) && (labelled || sniff) {
            (&mut reader)
                .take(FORMAT_LIMIT as u64 + 1)
                .read_to_end(&mut prefix)
                .map_err(Failure::body_read)?;
            if let Some(text) = self.laid_out(&prefix, labelled) {
                out.write_all(text.as_bytes())
                    .and_then(|()| out.flush())
                    .map_err(|e| Failure::stdout(&e))?;
                return Ok(());
            }
        }
        let mut sink = Sink {
            out,
            to_terminal: self.stdout_tty,
            progress: Progress::new(
                total,
                !self.stdout_tty && self.stderr_tty,
                false,
                self.err_style,
            ),
            style: self.style,
            content_type,
            total,
            wrote_any: false,
            last_byte: None,
        };
        if !prefix.is_empty() && !sink.write(&prefix)? {
            return Ok(());
        }
        let mut buf = vec![0u8; CHUNK];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if !sink.write(&buf[..n])? {
                        return Ok(());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    sink.progress.abandon();
                    // Keep the error line off the end of a half-printed line.
                    sink.end_line()?;
                    return Err(Failure::body_read(e));
                }
            }
        }
        sink.end()
    }

    /// The whole body laid out as JSON, ending in a newline; `None` when it is not JSON (or
    /// too large to lay out).
    fn laid_out(&self, body: &[u8], labelled: bool) -> Option<String> {
        if body.len() > FORMAT_LIMIT {
            return None;
        }
        let text = std::str::from_utf8(body).ok()?;
        // Unlabelled bodies must at least look like a document, so `42` in a text/plain
        // body stays plain text.
        if !labelled && !text.trim_start().starts_with(['{', '[']) {
            return None;
        }
        if !json::is_valid(text) {
            return None;
        }
        let mut s = self.json_or_text(text);
        if !s.ends_with('\n') {
            s.push('\n');
        }
        Some(s)
    }

    /// Writes the body to `path` (created when the response arrives, so a failed request
    /// leaves an existing file alone), with a progress bar on a terminal stderr.
    pub fn body_to_file(&self, resp: Response, path: &Path) -> Result<(), Failure> {
        let total = decoded_length(&resp);
        let reader = resp.into_reader();
        let shown = path.display();
        let file = File::create(path)
            .map_err(|e| Failure::io(format_args!("-o: creating {shown}"), &e))?;
        let mut w = BufWriter::with_capacity(CHUNK, file);
        let mut progress = Progress::new(total, self.stderr_tty, true, self.err_style);
        let result = copy_with_progress(reader, &mut w, &mut progress).and_then(|()| {
            w.flush()
                .map_err(|e| Failure::io(format_args!("-o: writing {shown}"), &e))
        });
        match result {
            Ok(()) => {
                progress.finish();
                Ok(())
            }
            Err(e) => {
                progress.abandon();
                Err(e)
            }
        }
    }
}

/// The length of the body as it will be read: `Content-Length`, unless a content coding
/// (which the library decodes) makes it the length of something else.
fn decoded_length(resp: &Response) -> Option<u64> {
    let coded = resp
        .header("content-encoding")
        .is_some_and(|c| !c.trim().eq_ignore_ascii_case("identity"));
    if coded {
        None
    } else {
        resp.content_length()
    }
}

fn copy_with_progress(
    mut reader: ResponseReader,
    w: &mut impl Write,
    progress: &mut Progress,
) -> Result<(), Failure> {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Failure::body_read(e)),
        };
        w.write_all(&buf[..n])
            .map_err(|e| Failure::io("-o: writing the file", &e))?;
        progress.advance(n);
    }
}

/// Raw body bytes on their way to stdout.
struct Sink<'a, W: Write> {
    out: &'a mut W,
    to_terminal: bool,
    progress: Progress,
    style: Style,
    content_type: Option<String>,
    total: Option<u64>,
    wrote_any: bool,
    last_byte: Option<u8>,
}

impl<W: Write> Sink<'_, W> {
    /// Writes a chunk; `false` means stop reading (a binary body held back from a terminal).
    fn write(&mut self, chunk: &[u8]) -> Result<bool, Failure> {
        if chunk.is_empty() {
            return Ok(true);
        }
        // Binary bytes would garble the terminal, so the first chunk decides, as HTTPie does.
        if self.to_terminal && !self.wrote_any && chunk.contains(&0) {
            let what = match (&self.content_type, self.total) {
                (Some(ct), Some(n)) => format!("{ct}, {}", human_bytes(n)),
                (Some(ct), None) => ct.clone(),
                (None, Some(n)) => human_bytes(n),
                (None, None) => "unknown size".into(),
            };
            let mut note = String::new();
            self.style.paint(
                &mut note,
                sgr::DIM,
                &format!("[binary body not shown ({what}); use -o FILE or a pipe]"),
            );
            note.push('\n');
            self.out
                .write_all(note.as_bytes())
                .and_then(|()| self.out.flush())
                .map_err(|e| Failure::stdout(&e))?;
            return Ok(false);
        }
        // Flushed at once so streams (logs, server-sent events) show as they come.
        self.out
            .write_all(chunk)
            .and_then(|()| self.out.flush())
            .map_err(|e| {
                self.progress.abandon();
                Failure::stdout(&e)
            })?;
        self.wrote_any = true;
        self.last_byte = chunk.last().copied();
        self.progress.advance(chunk.len());
        Ok(true)
    }

    /// Finishes the bar, and ends a terminal's last line.
    fn end(mut self) -> Result<(), Failure> {
        self.progress.finish();
        self.end_line()
    }

    /// On a terminal, ends a last line that has no newline of its own.
    fn end_line(&mut self) -> Result<(), Failure> {
        if self.to_terminal && self.wrote_any && self.last_byte != Some(b'\n') {
            self.last_byte = Some(b'\n');
            self.out
                .write_all(b"\n")
                .and_then(|()| self.out.flush())
                .map_err(|e| Failure::stdout(&e))?;
        }
        Ok(())
    }
}
