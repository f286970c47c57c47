//! Running Archy nodes (SPEC §9 "Simulating Archy voice flows"): containers and menus, jumps
//! and task calls, loops, switch, collectInput, data tables, participant data, queues,
//! transfers, hold music and schedule groups. Actions with a JSON-dialect meaning run through
//! the machine's own code; an action the engine does not simulate ends the call
//! `failed {reason: "<action> is not simulated"}`.

use flowlink_model::archy::{ArchyNode, ArchyOp, SwitchCase};
use flowlink_model::{DataTarget, Node, Outcome, Prompt, ValueSource};
use serde_json::{json, Map, Value};

use crate::machine::{text_of, Failure, Frame, Machine, Step};
use crate::outcome::Out;
use crate::result::FinalOutcome;
use crate::trace::{Event, PromptPlayed};

/// Per-frame Archy state: where running `callTask`s continue and the loops in progress.
#[derive(Debug, Default)]
pub(crate) struct ArchyFrame {
    /// The node after each running `callTask` (`None`: the calling container ends there too).
    pub(crate) returns: Vec<Option<usize>>,
    /// (loop node, iterations started).
    loops: Vec<(usize, i64)>,
}

fn default_target(node: &Node) -> Option<usize> {
    node.next
        .iter()
        .find(|(o, _)| *o == Outcome::Default)
        .map(|(_, t)| *t)
}

fn detail(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

impl<'r> Machine<'r> {
    fn archy_event(&mut self, node: &Node, pairs: &[(&str, Value)]) {
        let action = node.type_name.clone();
        self.event(|| Event::Archy {
            action,
            detail: detail(pairs),
        });
    }

    /// Runs one Archy node.
    pub(crate) fn archy(&mut self, cur: &mut Frame<'r>, node: &Node, a: &ArchyNode) -> Step<'r> {
        match &a.op {
            ArchyOp::Core(kind) => self.exec_kind(cur, node, kind),
            ArchyOp::Flow | ArchyOp::Container => {
                self.archy_event(node, &[("enter", Value::String(node.name.clone()))]);
                // A menu choice's inline task lists its actions under `task`.
                Step::Next(Out::Named("@task"))
            }
            ArchyOp::Menu { audio } => self.menu(cur, node, audio.as_ref()),
            ArchyOp::Jump { target } => {
                self.archy_event(node, &[("target", json!(target))]);
                Step::Goto(Some(*target))
            }
            ArchyOp::CallTask { target } => {
                cur.archy.returns.push(default_target(node));
                self.archy_event(node, &[("target", json!(target))]);
                Step::Goto(Some(*target))
            }
            ArchyOp::EndTask => {
                self.archy_event(node, &[]);
                Step::Goto(None)
            }
            ArchyOp::Loop { count, index } => self.run_loop_node(cur, node, count, index.as_ref()),
            ArchyOp::LoopExit { loop_node } => {
                cur.archy.loops.retain(|(l, _)| l != loop_node);
                let after = cur
                    .logic
                    .graph
                    .nodes
                    .get(*loop_node)
                    .and_then(default_target);
                self.archy_event(node, &[]);
                Step::Goto(after)
            }
            ArchyOp::LoopNext { loop_node } => {
                self.archy_event(node, &[]);
                Step::Goto(Some(*loop_node))
            }
            ArchyOp::Switch {
                value,
                cases,
                default_edge,
            } => self.switch(cur, node, value.as_ref(), cases, default_edge.as_deref()),
            ArchyOp::CollectInput { audio, target } => {
                let played = match audio {
                    Some(p) => match self.play(cur, p) {
                        Ok(p) => p,
                        Err(reason) => return Step::Fail(Failure::node(reason)),
                    },
                    None => None,
                };
                let digits = self.next_digits();
                self.event(|| Event::InputCollected {
                    prompt: played,
                    digits: digits.clone(),
                });
                match digits {
                    Some(d) => {
                        if let Some(t) = target {
                            if let Err(reason) = self.write(cur, t, Value::String(d)) {
                                return Step::Fail(Failure::node(reason));
                            }
                        }
                        Step::Next(Out::Success)
                    }
                    None => Step::Next(Out::Failure),
                }
            }
            ArchyOp::DataTableLookup {
                table,
                key,
                outputs,
            } => self.table_lookup(cur, node, table, key, outputs),
            ArchyOp::GetParticipantData { pairs } => {
                for (name, target) in pairs {
                    let value = self.participant.get(name).cloned().unwrap_or(Value::Null);
                    if let Err(reason) = self.write(cur, target, value) {
                        return Step::Fail(Failure::node(reason));
                    }
                }
                let names: Vec<Value> = pairs.iter().map(|(n, _)| json!(n)).collect();
                self.archy_event(node, &[("attributes", Value::Array(names))]);
                Step::Next(Out::Default)
            }
            ArchyOp::FindQueue { name, result } => {
                let name = match text_of(&self.env(cur), name, "queue name") {
                    Ok(n) => n.into_owned(),
                    Err(reason) => return Step::Fail(Failure::node(reason)),
                };
                let found = self
                    .sim
                    .queues
                    .as_ref()
                    .is_none_or(|q| q.contains_key(&name));
                if found {
                    if let Some(t) = result {
                        let queue = json!({"id": name, "name": name});
                        if let Err(reason) = self.write(cur, t, queue) {
                            return Step::Fail(Failure::node(reason));
                        }
                    }
                }
                let outcome = if found { "found" } else { "notFound" };
                self.archy_event(node, &[("queue", json!(name)), ("result", json!(outcome))]);
                Step::Next(Out::Named(outcome))
            }
            ArchyOp::TransferToVoicemail { queue } => {
                let queue = match queue {
                    Some(q) => match text_of(&self.env(cur), q, "queue") {
                        Ok(q) => q.into_owned(),
                        Err(reason) => return Step::Fail(Failure::node(reason)),
                    },
                    None => String::new(),
                };
                let target = format!("voicemail:{queue}");
                let traced = target.clone();
                self.event(|| Event::Transfer { queue: traced });
                Step::End(FinalOutcome::Transferred { queue: target })
            }
            ArchyOp::TransferToFlow { flow } => {
                let target = format!("flow:{flow}");
                let traced = target.clone();
                self.event(|| Event::Transfer { queue: traced });
                Step::End(FinalOutcome::Transferred { queue: target })
            }
            ArchyOp::HoldMusic { prompt } => {
                // A hold prompt that is NOT_SET (e.g. `Flow.HoldPrompt` with no queue hold
                // music configured) plays the default hold music, as Architect does.
                let played = match prompt {
                    Some(p) => match self.play(cur, p) {
                        Ok(played) => played,
                        Err(reason) if reason.contains("NOT_SET") => None,
                        Err(reason) => return Step::Fail(Failure::node(reason)),
                    },
                    None => None,
                };
                if self.tracing {
                    let prompt = played.unwrap_or(PromptPlayed {
                        text: None,
                        locale: None,
                        prompt_id: Some("PromptSystem.on_hold_music".into()),
                    });
                    self.pending = Some(Event::PromptPlayed { prompt });
                }
                Step::Next(Out::Default)
            }
            ArchyOp::PlayEstimatedWaitTime => {
                let wait = self
                    .sim
                    .queues
                    .as_ref()
                    .and_then(|q| q.values().find_map(|i| i.estimated_wait_seconds));
                let text = match wait {
                    Some(s) => format!("Your estimated wait time is {} minutes", s.div_ceil(60)),
                    None => "Your estimated wait time is unknown".to_string(),
                };
                if self.tracing {
                    self.pending = Some(Event::PromptPlayed {
                        prompt: PromptPlayed {
                            text: Some(text),
                            locale: self.sim.language.clone(),
                            prompt_id: None,
                        },
                    });
                }
                Step::Next(Out::Default)
            }
            ArchyOp::EvaluateScheduleGroup { group, emergency } => {
                self.schedule_group(cur, node, group.as_ref(), emergency.as_ref())
            }
            ArchyOp::Unsimulated => Step::End(FinalOutcome::Failed {
                reason: format!("{} is not simulated", node.type_name),
            }),
        }
    }

    /// The next digits the caller presses, if any are left.
    fn next_digits(&mut self) -> Option<String> {
        let digits = self.sim.digits.get(self.digit_cursor).cloned();
        if digits.is_some() {
            self.digit_cursor += 1;
        }
        digits
    }

    /// A menu: its audio, then the caller's digit picks a choice; a digit with no choice plays
    /// the menu again; no digit left ends the call (Architect disconnects after its retries).
    fn menu(&mut self, cur: &mut Frame<'r>, node: &Node, audio: Option<&Prompt>) -> Step<'r> {
        let played = match audio {
            Some(p) => match self.play(cur, p) {
                Ok(p) => p,
                Err(reason) => return Step::Fail(Failure::node(reason)),
            },
            None => None,
        };
        let digits = self.next_digits();
        self.event(|| Event::InputCollected {
            prompt: played,
            digits: digits.clone(),
        });
        let Some(digits) = digits else {
            return Step::End(FinalOutcome::Disconnected);
        };
        let choice = node
            .next
            .iter()
            .find(|(o, _)| matches!(o, Outcome::Dtmf(d) if *d == digits))
            .map(|(_, t)| *t);
        match choice {
            Some(target) => Step::Goto(Some(target)),
            None => Step::Goto(cur.node),
        }
    }

    fn run_loop_node(
        &mut self,
        cur: &mut Frame<'r>,
        node: &Node,
        count: &ValueSource,
        index: Option<&DataTarget>,
    ) -> Step<'r> {
        let Some(here) = cur.node else {
            return Step::Next(Out::Default);
        };
        let started = match cur.archy.loops.iter().find(|(l, _)| *l == here) {
            Some((_, n)) => *n,
            None => 0,
        };
        let total = match self.value_of(cur, count) {
            Ok(Value::Number(n)) => n.as_i64().unwrap_or(0),
            Ok(Value::String(s)) => s.trim().parse().unwrap_or(0),
            Ok(Value::Null) => 0,
            Ok(other) => {
                return Step::Fail(Failure::node(format!(
                    "loop count must be a number, found {other}"
                )))
            }
            Err(reason) => return Step::Fail(Failure::node(reason)),
        };
        let has_body = node
            .next
            .iter()
            .any(|(o, _)| matches!(o, Outcome::Named(n) if n == "loop"));
        if started >= total || !has_body {
            cur.archy.loops.retain(|(l, _)| *l != here);
            self.archy_event(node, &[("iterations", json!(started))]);
            return Step::Next(Out::Default);
        }
        if let Some(t) = index {
            if let Err(reason) = self.write(cur, t, json!(started)) {
                return Step::Fail(Failure::node(reason));
            }
        }
        match cur.archy.loops.iter_mut().find(|(l, _)| *l == here) {
            Some(slot) => slot.1 = started + 1,
            None => cur.archy.loops.push((here, 1)),
        }
        self.archy_event(node, &[("index", json!(started))]);
        Step::Next(Out::Named("loop"))
    }

    fn switch(
        &mut self,
        cur: &mut Frame<'r>,
        node: &Node,
        value: Option<&ValueSource>,
        cases: &[SwitchCase],
        default_edge: Option<&str>,
    ) -> Step<'r> {
        let subject = match value.map(|v| self.value_of(cur, v)).transpose() {
            Ok(v) => v,
            Err(reason) => return Step::Fail(Failure::node(reason)),
        };
        for (i, case) in cases.iter().enumerate() {
            let v = match self.value_of(cur, &case.value) {
                Ok(v) => v,
                Err(reason) => return Step::Fail(Failure::node(format!("case {i}: {reason}"))),
            };
            let hit = match &subject {
                None => v == Value::Bool(true),
                Some(s) => loose_eq(s, &v),
            };
            if hit {
                self.archy_event(node, &[("case", json!(i))]);
                return Step::Goto(edge_or_default(node, &case.edge));
            }
        }
        self.archy_event(node, &[("case", json!("default"))]);
        match default_edge {
            Some(edge) => Step::Goto(edge_or_default(node, edge)),
            None => Step::Next(Out::Default),
        }
    }

    fn table_lookup(
        &mut self,
        cur: &mut Frame<'r>,
        node: &Node,
        table: &str,
        key: &ValueSource,
        outputs: &[(String, DataTarget)],
    ) -> Step<'r> {
        let key = match self.value_of(cur, key) {
            Ok(Value::String(s)) => s,
            Ok(Value::Null) => {
                return Step::Fail(Failure::node("dataTableLookup key is NOT_SET".into()))
            }
            Ok(other) => other.to_string(),
            Err(reason) => return Step::Fail(Failure::node(reason)),
        };
        let sim = self.sim;
        let row = sim
            .data_tables
            .get(table)
            .and_then(|rows| rows.get(&key))
            .and_then(Value::as_object);
        let Some(row) = row else {
            self.archy_event(
                node,
                &[
                    ("table", json!(table)),
                    ("key", json!(key)),
                    ("result", json!("notFound")),
                ],
            );
            return Step::Next(Out::Named("notFound"));
        };
        for (column, target) in outputs {
            let value = row.get(column).cloned().unwrap_or(Value::Null);
            if let Err(reason) = self.write(cur, target, value) {
                return Step::Fail(Failure::node(format!("column {column}: {reason}")));
            }
        }
        self.archy_event(
            node,
            &[
                ("table", json!(table)),
                ("key", json!(key)),
                ("result", json!("found")),
            ],
        );
        Step::Next(Out::Named("found"))
    }

    fn schedule_group(
        &mut self,
        cur: &mut Frame<'r>,
        node: &Node,
        group: Option<&ValueSource>,
        emergency: Option<&ValueSource>,
    ) -> Step<'r> {
        let sim = self.sim;
        let name_of = |m: &Self,
                       cur: &Frame<'r>,
                       v: Option<&ValueSource>|
         -> Result<Option<String>, String> {
            match v {
                None => Ok(None),
                Some(v) => match m.value_of(cur, v)? {
                    Value::Null => Ok(None),
                    Value::String(s) => Ok(Some(s)),
                    Value::Object(o) => {
                        Ok(o.get("name").and_then(Value::as_str).map(str::to_string))
                    }
                    other => Ok(Some(other.to_string())),
                },
            }
        };
        let emergency = match name_of(self, cur, emergency) {
            Ok(e) => e,
            Err(reason) => return Step::Fail(Failure::node(reason)),
        };
        if let Some(e) = &emergency {
            if sim
                .schedules
                .get(e)
                .is_some_and(|s| s.eq_ignore_ascii_case("emergency"))
            {
                self.archy_event(
                    node,
                    &[("emergencyGroup", json!(e)), ("result", json!("emergency"))],
                );
                return Step::Next(Out::Named("emergency"));
            }
        }
        let group = match name_of(self, cur, group) {
            Ok(g) => g,
            Err(reason) => return Step::Fail(Failure::node(reason)),
        };
        let state = group
            .as_ref()
            .and_then(|g| sim.schedules.get(g))
            .map(|s| s.to_ascii_lowercase())
            .filter(|s| matches!(s.as_str(), "open" | "closed" | "holiday"))
            .unwrap_or_else(|| "open".to_string());
        let out: &'static str = match state.as_str() {
            "closed" => "closed",
            "holiday" => "holiday",
            _ => "open",
        };
        self.archy_event(
            node,
            &[("scheduleGroup", json!(group)), ("result", json!(out))],
        );
        Step::Next(Out::Named(out))
    }
}

/// The target of the edge named `name`, else of the `default` edge (an output with no
/// actions falls through).
fn edge_or_default(node: &Node, name: &str) -> Option<usize> {
    node.next
        .iter()
        .find(|(o, _)| matches!(o, Outcome::Named(n) if n == name))
        .map(|(_, t)| *t)
        .or_else(|| default_target(node))
}

/// Equality for `firstMatch`: same JSON, or the same text (Architect compares typed values;
/// the simulation's literals may be written as text).
fn loose_eq(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    matches!((text(a), text(b)), (Some(x), Some(y)) if x == y)
}
