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
    /// Data table rows for `dataTableLookup`: table → key → `{column: value}`; a table or key
    /// not here takes `notFound`.
    pub data_tables: HashMap<String, Map<String, Value>>,
    /// The simulated clock (ISO-8601 UTC) for date-time functions and schedules; `None` = the
    /// host's clock, supplied by the host.
    pub now: Option<String>,
    /// Schedule (and emergency) group answers by name: `open`, `closed`, `holiday`,
    /// `emergency`. A group not named here is `open`.
    pub schedules: HashMap<String, String>,
    /// Queues that exist, with their estimated wait; `None` = every queue exists.
    pub queues: Option<HashMap<String, QueueInfo>>,
    /// The interaction's language (`en-us`).
    pub language: Option<String>,
    /// Participant data present before the call starts.
    pub participant_data: Map<String, Value>,
}

/// What the simulation knows of a queue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueInfo {
    pub estimated_wait_seconds: Option<u64>,
}

/// The mocked reply of one data action. Wire form: `{"outputs": {...}}`, `{"fail": true}`,
/// `{"timeout": true}`, or a list of those answered in order on successive calls (the last one
/// repeats).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "MockWireAny")]
pub enum DataActionMock {
    /// The action succeeds with these output values.
    Outputs(Map<String, Value>),
    /// The action fails (takes the `failure` edge or triggers error handling).
    Fail,
    /// No answer in time: the `timeout` output if the action has one, else `failure`.
    Timeout,
    /// Successive calls get successive answers; the last repeats.
    Sequence(Vec<DataActionMock>),
}

impl DataActionMock {
    /// The answer to the `call`-th call (0-based).
    pub fn answer(&self, call: usize) -> &DataActionMock {
        match self {
            DataActionMock::Sequence(list) => match list.get(call).or_else(|| list.last()) {
                Some(m) => m.answer(0),
                None => &DataActionMock::Fail,
            },
            other => other,
        }
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum MockWireAny {
    One(MockWire),
    List(Vec<MockWire>),
}

#[derive(Serialize, Deserialize)]
struct MockWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outputs: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    fail: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    timeout: bool,
}

fn one(wire: MockWire) -> Result<DataActionMock, String> {
    match (wire.fail, wire.timeout, wire.outputs) {
        (true, false, None) => Ok(DataActionMock::Fail),
        (false, true, None) => Ok(DataActionMock::Timeout),
        (false, false, Some(outputs)) => Ok(DataActionMock::Outputs(outputs)),
        (false, false, None) => Ok(DataActionMock::Outputs(Map::new())),
        _ => Err(
            "a data action mock has one of `outputs`, `fail: true` or `timeout: true`, not both"
                .into(),
        ),
    }
}

fn one_value(value: Value) -> Result<DataActionMock, String> {
    let wire: MockWire = serde_json::from_value(value).map_err(|e| e.to_string())?;
    one(wire)
}

impl TryFrom<Value> for DataActionMock {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        match value {
            Value::Array(list) => Ok(DataActionMock::Sequence(
                list.into_iter().map(one_value).collect::<Result<_, _>>()?,
            )),
            other => one_value(other),
        }
    }
}

fn wire_one(mock: DataActionMock) -> MockWire {
    match mock {
        DataActionMock::Outputs(outputs) => MockWire {
            outputs: Some(outputs),
            fail: false,
            timeout: false,
        },
        DataActionMock::Fail | DataActionMock::Sequence(_) => MockWire {
            outputs: None,
            fail: true,
            timeout: false,
        },
        DataActionMock::Timeout => MockWire {
            outputs: None,
            fail: false,
            timeout: true,
        },
    }
}

impl From<DataActionMock> for MockWireAny {
    fn from(mock: DataActionMock) -> Self {
        match mock {
            DataActionMock::Sequence(list) => {
                MockWireAny::List(list.into_iter().map(wire_one).collect())
            }
            other => MockWireAny::One(wire_one(other)),
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
