//! `--chart FILE.svg`: a simulation drawn as a hand-written SVG picture that any browser opens
//! (no script). Time runs left to right; one row per rule's age band (oldest at the top, then
//! the snapshots younger than every rule) holds a mark for each snapshot left at the end, where
//! its age put it, and a faint mark for each deleted one, where its age was when it went;
//! underneath, the snapshots held after each run; dates on the axis and a legend of the rules.

use std::fmt::Write;

use crate::core::achieved::{Life, Sample, band_of, bands};
use crate::core::plan::Settings;
use crate::core::policy::Policy;
use crate::core::span::human;
use crate::simulate::{Models, Schedule};
use crate::time::Timestamp;

/// The command line a simulation amounts to, for the picture's title: `-s`, the rules (oldest
/// AGE first), `--simulate` and the timing models that are on.
pub fn command_line(settings: &Settings, schedule: Schedule, models: &Models) -> String {
    let mut line = format!("do-snapshot -s {}", settings.snapshot_every);
    for rule in settings.policy.rules() {
        let _ = write!(line, " -k {rule}");
    }
    let _ = write!(line, " --simulate {}:{}", schedule.every, schedule.duration);
    for (flag, value) in [("--jitter", models.jitter), ("--latency", models.latency)] {
        if value > 0 {
            let _ = write!(line, " {flag} {value}");
        }
    }
    line
}

/// What the picture shows.
pub struct Chart<'a> {
    /// A line saying what was simulated (the command's policy and schedule).
    pub title: &'a str,
    pub policy: &'a Policy,
    pub lives: &'a [Life],
    pub samples: &'a [Sample],
    pub start: Timestamp,
    /// The end of the simulated period.
    pub end: Timestamp,
    /// The last run: the snapshots left are placed by their ages then.
    pub last_run: Timestamp,
}

const WIDTH: i64 = 1000;
const LEFT: i64 = 170;
const RIGHT: i64 = 30;
const TOP: i64 = 50;
const ROW: i64 = 34;
const HELD_HEIGHT: i64 = 110;
/// One colour per rule, oldest first (cycled); the young row is grey.
const COLOURS: [&str; 6] = [
    "#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16808a",
];
const YOUNG: &str = "#555555";

/// Escapes text for SVG.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A day-aligned step between date labels that gives at most about ten of them.
fn tick_step(span: i64) -> i64 {
    const STEPS: [i64; 9] = [
        3_600,
        6 * 3_600,
        86_400,
        7 * 86_400,
        14 * 86_400,
        30 * 86_400,
        91 * 86_400,
        182 * 86_400,
        365 * 86_400,
    ];
    STEPS
        .into_iter()
        .find(|s| span / s <= 10)
        .unwrap_or(730 * 86_400)
}

/// The SVG document.
pub fn chart_svg(c: &Chart) -> String {
    let bands = bands(c.policy);
    let rules = c.policy.rules();
    let rows = bands.len() + 1;
    let plot_w = WIDTH - LEFT - RIGHT;
    let span = c.end.since(c.start).max(1);
    let x = |t: Timestamp| {
        LEFT as f64 + t.since(c.start).clamp(0, span) as f64 * plot_w as f64 / span as f64
    };
    let marks_bottom = TOP + rows as i64 * ROW;
    let held_top = marks_bottom + 50;
    let held_bottom = held_top + HELD_HEIGHT;
    let legend_top = held_bottom + 60;
    let height = legend_top + 16 + 22 * rows as i64 + 16;
    let row_of = |band: Option<usize>| band.unwrap_or(bands.len());
    let colour = |row: usize| {
        if row == bands.len() {
            YOUNG
        } else {
            COLOURS[row % COLOURS.len()]
        }
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{LEFT}\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
        esc(c.title)
    );
    // The rows, with their labels.
    for row in 0..rows {
        let y = TOP + row as i64 * ROW;
        let label = match rules.get(row) {
            Some(rule) => format!("-k {rule}"),
            None => "younger than every rule".to_string(),
        };
        let fill = if row % 2 == 0 { "#f4f6f8" } else { "#ffffff" };
        let _ = writeln!(
            svg,
            "<rect x=\"{LEFT}\" y=\"{y}\" width=\"{plot_w}\" height=\"{ROW}\" fill=\"{fill}\"/>\n\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{}\">{}</text>",
            LEFT - 8,
            y + ROW / 2 + 4,
            colour(row),
            esc(&label)
        );
    }
    // Deleted snapshots, faint: at most one mark per row and pixel column.
    let mut drawn = std::collections::BTreeSet::new();
    for life in c.lives {
        let Some(gone) = life.deleted else { continue };
        let row = row_of(band_of(&bands, gone.since(life.time)));
        let px = x(life.time).round() as i64;
        if drawn.insert((row, px)) {
            let y = TOP + row as i64 * ROW + 6;
            let _ = writeln!(
                svg,
                "<rect class=\"deleted\" x=\"{px}\" y=\"{y}\" width=\"1\" height=\"{}\" \
                 fill=\"{}\" fill-opacity=\"0.25\"/>",
                ROW - 12,
                colour(row)
            );
        }
    }
    // Snapshots left at the end, solid, each named in a tooltip.
    for life in c.lives.iter().filter(|l| l.deleted.is_none()) {
        let age = c.last_run.since(life.time);
        let row = row_of(band_of(&bands, age));
        let y = TOP + row as i64 * ROW + 4;
        let _ = writeln!(
            svg,
            "<rect class=\"kept\" x=\"{:.1}\" y=\"{y}\" width=\"3\" height=\"{}\" fill=\"{}\">\
             <title>{} ({} old at the end)</title></rect>",
            x(life.time) - 1.5,
            ROW - 8,
            colour(row),
            life.time,
            human(age)
        );
    }
    // The time axis, under the rows and under the held count.
    let step = tick_step(span);
    let first = c.start.as_second().div_euclid(step) * step + step;
    let mut tick = first;
    while tick < c.end.as_second() {
        let Some(t) = Timestamp::from_second(tick) else {
            break;
        };
        let px = x(t);
        let text = t.to_string();
        let label = if step < 86_400 {
            &text[..16]
        } else {
            &text[..10]
        };
        let _ = writeln!(
            svg,
            "<line x1=\"{px:.1}\" y1=\"{TOP}\" x2=\"{px:.1}\" y2=\"{held_bottom}\" \
             stroke=\"#d0d4d8\" stroke-width=\"1\"/>\n\
             <text x=\"{px:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#333\">{label}</text>",
            held_bottom + 16
        );
        tick += step;
    }
    let _ = writeln!(
        svg,
        "<text x=\"{LEFT}\" y=\"{}\" fill=\"#333\">{} to {} (simulated time)</text>",
        held_bottom + 34,
        c.start,
        c.end
    );
    // Snapshots held after each run: per pixel column, the band from the fewest to the most.
    let top = c.samples.iter().map(|s| s.held).max().unwrap_or(0).max(1);
    let y_of = |held: usize| held_bottom as f64 - held as f64 * HELD_HEIGHT as f64 / top as f64;
    let mut columns: Vec<(i64, usize, usize)> = Vec::new();
    for s in c.samples {
        let px = x(s.at).round() as i64;
        match columns.last_mut() {
            Some((last, low, high)) if *last == px => {
                *low = (*low).min(s.held);
                *high = (*high).max(s.held);
            }
            _ => columns.push((px, s.held, s.held)),
        }
    }
    let most = columns
        .iter()
        .map(|(px, _, high)| format!("{px},{:.1}", y_of(*high)));
    let fewest = columns
        .iter()
        .rev()
        .map(|(px, low, _)| format!("{px},{:.1}", y_of(*low)));
    let points: Vec<String> = most.clone().chain(fewest).collect();
    let (first_px, last_px) = (
        columns.first().map_or(LEFT, |c| c.0),
        columns.last().map_or(LEFT, |c| c.0),
    );
    let area: Vec<String> = most
        .chain([
            format!("{last_px},{held_bottom}"),
            format!("{first_px},{held_bottom}"),
        ])
        .collect();
    let _ = writeln!(
        svg,
        "<rect x=\"{LEFT}\" y=\"{held_top}\" width=\"{plot_w}\" height=\"{HELD_HEIGHT}\" \
         fill=\"none\" stroke=\"#999\"/>\n\
         <polygon points=\"{}\" fill=\"#e3e8ed\"/>\n\
         <polygon class=\"held\" points=\"{}\" fill=\"#9aa4ae\" stroke=\"#333\" \
         stroke-width=\"0.8\" stroke-linejoin=\"round\"/>\n\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">snapshots held</text>\n\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{top}</text>\n\
         <text x=\"{}\" y=\"{held_bottom}\" text-anchor=\"end\">0</text>",
        area.join(" "),
        points.join(" "),
        LEFT - 8,
        held_top + HELD_HEIGHT / 2 + 4,
        LEFT - 8,
        held_top + 10,
        LEFT - 8,
    );
    // The legend.
    let mut y = legend_top;
    let _ = writeln!(
        svg,
        "<text x=\"{LEFT}\" y=\"{y}\">Each mark stands where its snapshot was taken. Solid: \
         left at the end, in the row of its age then.</text>\n\
         <text x=\"{LEFT}\" y=\"{}\">Faint: deleted, in the row of its age when deleted. \
         The grey band: the fewest to the most snapshots held.</text>",
        y + 16
    );
    y += 16;
    for row in 0..rows {
        y += 22;
        let text = match rules.get(row) {
            Some(rule) => {
                let (from, to) = bands[row];
                let ages = if to == i64::MAX {
                    format!("ages {} and older", rule.age)
                } else if to == from {
                    "no ages: a rule with the same AGE comes first".to_string()
                } else {
                    format!("ages {} to {}", rule.age, rules[row - 1].age)
                };
                match rule.interval.seconds() {
                    0 => format!("-k {rule}: keeps none; {ages}"),
                    s => format!("-k {rule}: one per {}; {ages}", human(s)),
                }
            }
            None => "younger than every rule: all kept".to_string(),
        };
        let _ = writeln!(
            svg,
            "<rect x=\"{LEFT}\" y=\"{}\" width=\"14\" height=\"14\" fill=\"{}\"/>\n\
             <text x=\"{}\" y=\"{}\">{}</text>",
            y - 11,
            colour(row),
            LEFT + 22,
            y,
            esc(&text)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::policy::Rule;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn one_solid_mark_per_snapshot_left_and_faint_ones_for_the_deleted() {
        let policy = Policy::new(vec![Rule::parse("1w:1w").unwrap()]);
        let lives: Vec<Life> = (0..20)
            .map(|d| Life {
                time: t(d * 86_400),
                created_at: t(d * 86_400),
                deleted: (d % 3 != 0).then(|| t((d + 8) * 86_400)),
            })
            .collect();
        let samples: Vec<Sample> = (0..20)
            .map(|d| Sample {
                at: t(d * 86_400),
                held: d as usize,
            })
            .collect();
        let svg = chart_svg(&Chart {
            title: "-s 1d -k 1w:1w <test> & more",
            policy: &policy,
            lives: &lives,
            samples: &samples,
            start: t(0),
            end: t(20 * 86_400),
            last_run: t(19 * 86_400),
        });
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("class=\"kept\"").count(), 7);
        assert_eq!(svg.matches("class=\"deleted\"").count(), 13);
        assert!(svg.contains("-s 1d -k 1w:1w &lt;test&gt; &amp; more"));
        assert!(svg.contains(">1970-01-08<"), "a date on the axis");
        assert!(svg.contains("-k 1w:1w: one per 7d 0h; ages 1w and older"));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn date_labels_number_about_ten() {
        assert_eq!(tick_step(86_400), 3_600 * 6);
        assert_eq!(tick_step(90 * 86_400), 14 * 86_400);
        assert_eq!(tick_step(3_650 * 86_400), 365 * 86_400);
    }
}
