//! The JUnit XML read back with an XML parser: one testsuite per file, one testcase per case,
//! a failure element with the mismatch for a failed case, names escaped.

use flowlink_flowtest::{junit, parse_test_file, run_offline, Options};
use quick_xml::events::Event;
use quick_xml::Reader;

use crate::support::flow_set;

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Element {
    fn attr(&self, key: &str) -> &str {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Every start (or empty) element in document order, with its unescaped attributes.
fn elements(xml: &str) -> Vec<Element> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => out.push(Element {
                name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                attrs: e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.unescape_value().unwrap().into_owned(),
                        )
                    })
                    .collect(),
            }),
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn junit_xml_parses_back_with_suites_cases_and_failures() {
    let a = parse_test_file(
        "a.test.yaml",
        "flow: Main IVR\ncases:\n  - name: support <&> \"quoted\"\n    call: {digits: [\"2\"]}\n    expect: {outcome: {transferred: Support}}\n  - name: wrong\n    call: {digits: [\"2\"]}\n    expect: {outcome: {transferred: Sales}}\n",
    )
    .unwrap();
    let b = parse_test_file(
        "b.test.yaml",
        "flow: Failing Line\ncases:\n  - name: fails\n    expect: {outcome: {failed: has no mock}}\n",
    )
    .unwrap();
    let (results, _) = run_offline(&flow_set(), &[a, b], "x", &Options::default()).unwrap();
    let xml = junit::render(&results);
    let els = elements(&xml);
    let names: Vec<&str> = els.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "testsuites",
            "testsuite",
            "testcase",
            "testcase",
            "failure",
            "testsuite",
            "testcase"
        ]
    );
    assert_eq!(
        (
            els[1].attr("name"),
            els[1].attr("tests"),
            els[1].attr("failures"),
            els[1].attr("errors")
        ),
        ("a.test.yaml", "2", "1", "0")
    );
    assert_eq!(els[2].attr("name"), "support <&> \"quoted\"");
    assert_eq!(els[2].attr("classname"), "Main IVR");
    assert_eq!(els[2].attr("line"), "3");
    assert_eq!(
        els[4].attr("message"),
        "outcome: expected transferred: Sales"
    );
    assert_eq!(
        (
            els[5].attr("name"),
            els[5].attr("tests"),
            els[5].attr("failures")
        ),
        ("b.test.yaml", "1", "0")
    );
    // The failure's text carries expected, actual and the trace.
    assert!(
        xml.contains("expected: transferred: Sales\nactual:   transferred: Support\n"),
        "{xml}"
    );
}
