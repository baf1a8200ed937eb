//! The download progress bar on stderr: bytes, rate, and the ETA when the length is known.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crate::style::{sgr, Style};

/// Downloads to a pipe show a bar once they pass this size (announced or received).
pub const THRESHOLD: u64 = 4 * 1024 * 1024;

/// The bar is redrawn at most this often.
const REDRAW: Duration = Duration::from_millis(100);

const BAR_WIDTH: usize = 24;

/// A progress bar that draws itself only where it should: on a terminal stderr, and for small
/// downloads only when asked (`-o`).
#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    always: bool,
    total: Option<u64>,
    done: u64,
    start: Instant,
    last_draw: Option<Instant>,
    drawn_width: usize,
    unicode: bool,
    style: Style,
}

impl Progress {
    /// A bar for a body of `total` bytes (when known). `enabled` is whether stderr is a
    /// terminal; `always` shows it whatever the size.
    pub fn new(total: Option<u64>, enabled: bool, always: bool, style: Style) -> Progress {
        Progress {
            enabled,
            always,
            total,
            done: 0,
            start: Instant::now(),
            last_draw: None,
            drawn_width: 0,
            unicode: locale_is_utf8(),
            style,
        }
    }

    fn visible(&self) -> bool {
        self.enabled
            && (self.always || self.total.is_some_and(|t| t > THRESHOLD) || self.done > THRESHOLD)
    }

    /// Counts `n` more bytes and redraws when it is time.
    pub fn advance(&mut self, n: usize) {
        self.done += n as u64;
        if self.visible() && self.last_draw.is_none_or(|t| t.elapsed() >= REDRAW) {
            self.draw(false);
        }
    }

    /// Draws the final state and ends the line.
    pub fn finish(&mut self) {
        if self.visible() {
            self.draw(true);
            eprintln!();
        }
    }

    /// Leaves the bar as it is and ends its line, so an error line can follow.
    pub fn abandon(&mut self) {
        if self.last_draw.is_some() {
            eprintln!();
        }
    }

    fn draw(&mut self, last: bool) {
        let line = self.render(last);
        let width = line.visible_width;
        let pad = self.drawn_width.saturating_sub(width);
        let mut err = io::stderr().lock();
        // A failed write to stderr leaves nothing to report it on.
        let _ = write!(err, "\r{}{}", line.text, " ".repeat(pad));
        let _ = err.flush();
        self.drawn_width = width;
        self.last_draw = Some(Instant::now());
    }

    fn render(&self, last: bool) -> Rendered {
        let elapsed = self.start.elapsed();
        let secs = elapsed.as_secs_f64();
        // Early frames would show a wild rate; the last one has the true average.
        let rate = (secs >= 0.05 || (last && secs > 0.0)).then(|| self.done as f64 / secs);
        let mut out = Rendered::default();
        if let Some(total) = self.total.filter(|&t| t > 0) {
            let frac = (self.done as f64 / total as f64).clamp(0.0, 1.0);
            out.plain(&format!("{:>3}% ", (frac * 100.0).floor() as u32));
            let filled = ((frac * BAR_WIDTH as f64).round() as usize).min(BAR_WIDTH);
            let (full, empty) = if self.unicode {
                ("█", "░")
            } else {
                ("#", "-")
            };
            out.painted(self.style, sgr::BAR_DONE, &full.repeat(filled));
            out.painted(self.style, sgr::BAR_LEFT, &empty.repeat(BAR_WIDTH - filled));
            out.plain(&format!(
                " {} / {}",
                human_bytes(self.done),
                human_bytes(total)
            ));
        } else {
            out.plain(&human_bytes(self.done));
        }
        if let Some(rate) = rate {
            out.plain(&format!("  {}/s", human_bytes(rate as u64)));
        }
        if last {
            out.plain(&format!("  in {}", human_duration(elapsed)));
        } else if let Some(total) = self.total {
            if let Some(rate) = rate.filter(|&r| r > 0.0 && total > self.done) {
                let eta = Duration::from_secs_f64((total - self.done) as f64 / rate);
                out.plain(&format!("  eta {}", human_duration(eta)));
            }
        } else {
            out.plain(&format!("  {}", human_duration(elapsed)));
        }
        out
    }
}

/// A line and how many columns it takes (escapes and multi-byte characters aside).
#[derive(Debug, Default)]
struct Rendered {
    text: String,
    visible_width: usize,
}

impl Rendered {
    fn plain(&mut self, s: &str) {
        self.text.push_str(s);
        self.visible_width += s.chars().count();
    }

    fn painted(&mut self, style: Style, code: &str, s: &str) {
        style.paint(&mut self.text, code, s);
        self.visible_width += s.chars().count();
    }
}

/// Whether the locale says the terminal takes UTF-8 (for the block characters).
fn locale_is_utf8() -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty())
        .is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("utf-8") || v.contains("utf8")
        })
}

/// `512 B`, `1.5 KiB`, `12.3 MiB`...
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `0.4s`, `12.0s`, `2m05s`, `1h02m`.
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
    }

    #[test]
    fn human_duration_units() {
        assert_eq!(human_duration(Duration::from_millis(400)), "0.4s");
        assert_eq!(human_duration(Duration::from_secs(125)), "2m05s");
        assert_eq!(human_duration(Duration::from_secs(3720)), "1h02m");
    }

    #[test]
    fn progress_hidden_when_small_or_not_a_terminal() {
        let mut p = Progress::new(Some(100), true, false, Style { colors: false });
        p.advance(100);
        assert!(!p.visible());
        let mut p = Progress::new(Some(THRESHOLD * 2), false, true, Style { colors: false });
        p.advance(10);
        assert!(!p.visible());
        let p = Progress::new(Some(THRESHOLD * 2), true, false, Style { colors: false });
        assert!(p.visible());
    }

    #[test]
    fn progress_render_shows_percent_bar_and_sizes() {
        let mut p = Progress::new(Some(2048), true, true, Style { colors: false });
        p.unicode = false;
        p.done = 1024;
        let r = p.render(false);
        assert!(
            r.text
                .starts_with(" 50% ############------------ 1.0 KiB / 2.0 KiB"),
            "{}",
            r.text
        );
        let r = p.render(true);
        assert!(r.text.contains("  in "), "{}", r.text);
    }
}
