//! `--chart FILE.svg` through the real binary: a well-formed SVG with one solid mark per
//! snapshot left at the end.

use crate::harness::do_snapshot;
use crate::simulate::SEED_EXAMPLE;

#[test]
fn the_chart_is_well_formed_svg_with_a_mark_per_snapshot_kept() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("seed.svg");
    let file = path.display().to_string();
    let run = do_snapshot(&[SEED_EXAMPLE, &["--chart", &file, "--json"]].concat());
    run.expect_code(0).expect_no_panic();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let survivors: Vec<&str> = doc["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["created_at"].as_str().unwrap())
        .collect();
    let text = std::fs::read_to_string(&path).expect("the chart was written");
    let svg = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = svg.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let class = |name: &str| {
        svg.descendants()
            .filter(|n| n.attribute("class") == Some(name))
            .collect::<Vec<_>>()
    };
    let kept = class("kept");
    assert_eq!(kept.len(), survivors.len());
    for (mark, time) in kept.iter().zip(&survivors) {
        let title = mark
            .first_element_child()
            .and_then(|t| t.text())
            .unwrap_or("");
        assert!(title.starts_with(time), "{title} for {time}");
    }
    assert!(!class("deleted").is_empty());
    assert_eq!(class("held").len(), 1);
    let words: String = svg.descendants().filter_map(|n| n.text()).collect();
    for label in [
        "-k 1w:1m",
        "-k 2w:1w",
        "younger than every rule",
        "2018-11-",
        "snapshots held",
    ] {
        assert!(words.contains(label), "{label} not in the chart's text");
    }
    assert!(!svg.descendants().any(|n| n.tag_name().name() == "script"));
}

#[test]
fn a_chart_that_cannot_be_written_is_a_usage_error() {
    let run = do_snapshot(&[SEED_EXAMPLE, &["--chart", "/nonexistent/dir/x.svg"]].concat());
    run.expect_code(2).expect_no_panic();
    run.expect_stderr("--chart /nonexistent/dir/x.svg: cannot write it:");
    assert!(run.stdout.is_empty());
}
