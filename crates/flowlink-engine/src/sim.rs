//! What the simulated outside world answers during an execution: caller numbers, the digits the
//! caller presses, data action replies and the flow's input data.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One simulated interaction (SPEC §6 `simulation` plus `inputData`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Simulation {
    /// `Call.Ani`.
    pub ani: String,
    /// `Call.Dnis`.
    pub dnis: String,
    /// What the caller presses, one entry per `collectInput`, in order; when they run out a
    /// `collectInput` times out.
    pub digits: Vec<String>,
    /// Replies of data actions by action name; a data action without a mock fails.
    pub data_actions: HashMap<String, DataActionMock>,
    /// Initial values of the top flow's variables; keys with or without the `Flow.` prefix.
    pub input_data: Map<String, Value>,
}

/// The mocked reply of one data action. Wire form: `{"outputs": {...}}` or `{"fail": true}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "MockWire", into = "MockWire")]
pub enum DataActionMock {
    /// The action succeeds with these output values.
    Outputs(Map<String, Value>),
    /// The action fails (takes the `failure` edge or triggers error handling).
    Fail,
}

#[derive(Serialize, Deserialize)]
struct MockWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outputs: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    fail: bool,
}

impl TryFrom<MockWire> for DataActionMock {
    type Error = String;

    fn try_from(wire: MockWire) -> Result<Self, String> {
        match (wire.fail, wire.outputs) {
            (true, None) => Ok(DataActionMock::Fail),
            (false, Some(outputs)) => Ok(DataActionMock::Outputs(outputs)),
            (false, None) => Ok(DataActionMock::Outputs(Map::new())),
            (true, Some(_)) => {
                Err("a data action mock has either `outputs` or `fail: true`, not both".into())
            }
        }
    }
}

impl From<DataActionMock> for MockWire {
    fn from(mock: DataActionMock) -> Self {
        match mock {
            DataActionMock::Outputs(outputs) => MockWire {
                outputs: Some(outputs),
                fail: false,
            },
            DataActionMock::Fail => MockWire {
                outputs: None,
                fail: true,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mocks_read_both_wire_forms_and_refuse_a_mix() {
        let ok: HashMap<String, DataActionMock> = serde_json::from_value(serde_json::json!({
            "a": {"outputs": {"x": 1}}, "b": {"fail": true}
        }))
        .expect("both forms parse");
        assert_eq!(ok["b"], DataActionMock::Fail);
        assert!(matches!(&ok["a"], DataActionMock::Outputs(m) if m["x"] == 1));
        let bad = serde_json::from_value::<DataActionMock>(
            serde_json::json!({"outputs": {}, "fail": true}),
        );
        assert!(bad
            .expect_err("a mix is refused")
            .to_string()
            .contains("not both"));
    }
}
