//! The interpreter: runs a flow node by node on an explicit stack of frames (a module call
//! pushes a frame, its end pops it — no Rust recursion per call), counts every node against the
//! action budget, and turns failures into `failure` edges or error handling.

use std::borrow::Cow;
use std::sync::Arc;

use flowlink_model::expr::VarRef;
use flowlink_model::{
    DataTarget, FlowLogic, ModuleCall, Node, NodeKind, Outcome, Prompt, ValueSource,
};
use serde_json::{Map, Value};

use crate::eval::{eval, eval_bool, Env};
use crate::limits::{ErrorHandling, Limits, TraceLevel};
use crate::modules::{FlowToRun, ModuleResolver};
use crate::outcome::{failure_edge, find_edge, has_dtmf, Out};
use crate::result::{ExecutionResult, FinalOutcome};
use crate::sim::{DataActionMock, Simulation};
use crate::trace::{DataWrite, Event, Handling, PromptPlayed, Trace, TraceStep};
use crate::vars::{frame_slot, participant_key, resolve_name, Scope, Vars};

/// Runs `flow` to completion with a full trace. Always returns: the action budget bounds
/// every execution.
pub fn run(
    flow: &FlowToRun,
    sim: &Simulation,
    modules: &dyn ModuleResolver,
    limits: &Limits,
) -> ExecutionResult {
    run_with(flow, sim, modules, limits, TraceLevel::Full)
}

/// [`run`] with a choice of trace: [`TraceLevel::Off`] skips building trace steps (the fast
/// path for bulk runs); everything else in the result is identical.
pub fn run_with(
    flow: &FlowToRun,
    sim: &Simulation,
    modules: &dyn ModuleResolver,
    limits: &Limits,
    level: TraceLevel,
) -> ExecutionResult {
    let tracing = level == TraceLevel::Full;
    let mut vars = Vars::with_capacity(flow.logic.variables.len() + sim.input_data.len());
    vars.apply_defaults(&flow.logic, Scope::Flow);
    for (key, value) in &sim.input_data {
        let (scope, name) = resolve_name(&flow.logic, key, Scope::Flow);
        vars.set(scope, name, value.clone());
    }
    let mut top = Frame {
        logic: Arc::clone(&flow.logic),
        id: Cow::Borrowed(&flow.id),
        name: Cow::Borrowed(&flow.name),
        version: flow.version,
        error_handling: flow.error_handling,
        depth: 0,
        node: flow.logic.graph.entry,
        vars,
        archy: Default::default(),
    };
    let mut machine = Machine {
        sim,
        modules,
        limits,
        tracing,
        steps: if tracing {
            Vec::with_capacity(32)
        } else {
            Vec::new()
        },
        pending: None,
        actions: 0,
        budget: limits.max_actions,
        limit_hit: false,
        top_error_handling: flow.error_handling,
        digit_cursor: 0,
        participant: sim.participant_data.clone(),
        data_calls: std::collections::HashMap::new(),
        tags: Vec::new(),
        callers: Vec::new(),
        spare_vars: Vec::new(),
    };
    let outcome = machine.run_loop(&mut top);
    let top_frame = machine.callers.first().unwrap_or(&top);
    let mut output_data = Map::new();
    for var in top_frame.logic.variables.iter().filter(|v| v.output) {
        let (scope, name) = resolve_name(&top_frame.logic, &var.name, Scope::Flow);
        match top_frame.vars.get(scope, name) {
            Some(Value::Null) | None => {}
            Some(value) => {
                output_data.insert(var.name.clone(), value.clone());
            }
        }
    }
    ExecutionResult {
        outcome,
        trace: Trace {
            steps: machine.steps,
        },
        action_count: machine.actions,
        participant_data: machine.participant,
        tags: machine.tags,
        output_data,
    }
}

/// One running flow or module.
pub(crate) struct Frame<'r> {
    pub(crate) logic: Arc<FlowLogic>,
    id: Cow<'r, str>,
    name: Cow<'r, str>,
    version: u32,
    error_handling: ErrorHandling,
    depth: u32,
    /// The node to run next; in a caller frame, the call node waiting for its module.
    pub(crate) node: Option<usize>,
    vars: Vars,
    /// Archy: where each running `callTask` continues, and the loops in progress.
    pub(crate) archy: crate::archy_exec::ArchyFrame,
}

/// What running one node asks the loop to do.
pub(crate) enum Step<'r> {
    /// Follow the edge for this outcome.
    Next(Out<'r>),
    /// Push this module frame; the current node is the call.
    Enter(Frame<'r>),
    /// The execution is over.
    End(FinalOutcome),
    /// The node failed.
    Fail(Failure),
    /// Continue at this node of the frame (`None`: the container ends) — Archy jumps, task
    /// calls, loops and menus.
    Goto(Option<usize>),
}

/// A failure at the current node of the current frame.
pub(crate) struct Failure {
    /// `Some` for module calls: the trace then names the module.
    module: Option<(String, Option<u32>)>,
    reason: String,
    /// Where a failure climbing out of modules started, with its cause; kept once so reasons
    /// stay linear in the nesting depth.
    origin: Option<String>,
}

impl Failure {
    pub(crate) fn node(reason: String) -> Self {
        Self {
            module: None,
            reason,
            origin: None,
        }
    }

    fn module_call(module_id: &str, version: Option<u32>, reason: String) -> Self {
        Self {
            module: Some((module_id.to_owned(), version)),
            reason,
            origin: None,
        }
    }
}

pub(crate) struct Machine<'r> {
    pub(crate) sim: &'r Simulation,
    modules: &'r dyn ModuleResolver,
    limits: &'r Limits,
    pub(crate) tracing: bool,
    steps: Vec<TraceStep>,
    /// The event of the node being run, set by `exec` when tracing.
    pub(crate) pending: Option<Event>,
    actions: u32,
    /// Actions allowed in total; raised once by error handling `continue` at the limit.
    budget: u32,
    limit_hit: bool,
    top_error_handling: ErrorHandling,
    pub(crate) digit_cursor: usize,
    pub(crate) participant: Map<String, Value>,
    /// Calls made so far per data action name (list answers are taken in order).
    pub(crate) data_calls: std::collections::HashMap<String, usize>,
    tags: Vec<String>,
    /// Frames waiting for a module call to return; `callers[0]` is the top flow.
    callers: Vec<Frame<'r>>,
    /// Variable stores of returned frames, reused by the next call.
    spare_vars: Vec<Vars>,
}

impl<'r> Machine<'r> {
    fn run_loop(&mut self, cur: &mut Frame<'r>) -> FinalOutcome {
        loop {
            let Some(idx) = cur.node else {
                // An Archy task called by `callTask` ended: continue after the call.
                if let Some(ret) = cur.archy.returns.pop() {
                    cur.node = ret;
                    continue;
                }
                // The frame ran out of nodes: the flow ends, or the module returns.
                let Some(caller) = self.callers.pop() else {
                    return FinalOutcome::Disconnected;
                };
                let callee = std::mem::replace(cur, caller);
                if let Err(failure) = self.return_to(cur, callee) {
                    if let Some(end) = self.fail(cur, failure) {
                        return end;
                    }
                }
                continue;
            };
            let logic = Arc::clone(&cur.logic);
            let Some(node) = logic.graph.nodes.get(idx) else {
                return FinalOutcome::Failed {
                    reason: format!(
                        "internal error: node index {idx} out of range in {}",
                        cur.id
                    ),
                };
            };
            if self.actions >= self.budget {
                if let Some(end) = self.limit_reached(cur, node) {
                    return end;
                }
            }
            self.actions += 1;
            match self.exec(cur, node) {
                Step::Next(out) => self.follow(cur, node, out),
                Step::Enter(frame) => {
                    self.record(cur, node, None, None);
                    self.callers.push(std::mem::replace(cur, frame));
                }
                Step::End(outcome) => {
                    self.record(cur, node, None, None);
                    return outcome;
                }
                Step::Goto(next) => {
                    cur.node = next;
                    let taken = next.map(|t| ("goto".to_string(), t));
                    self.record(cur, node, None, taken);
                }
                Step::Fail(failure) => {
                    if let Some(end) = self.fail(cur, failure) {
                        return end;
                    }
                }
            }
        }
    }

    /// Takes the edge for `out` (or ends the frame) and records the step.
    fn follow(&mut self, cur: &mut Frame<'r>, node: &Node, out: Out<'_>) {
        let edge = find_edge(node, out);
        cur.node = edge.map(|(_, target)| target);
        if self.tracing {
            let taken = edge.map(|(o, t)| (o.as_wire(), t));
            self.record(cur, node, Some(out.wire().into_owned()), taken);
        }
    }

    /// Pushes a trace step for `node` with the pending event.
    fn record(
        &mut self,
        frame: &Frame<'_>,
        node: &Node,
        outcome: Option<String>,
        edge: Option<(String, usize)>,
    ) {
        if !self.tracing {
            return;
        }
        let event = self.pending.take().unwrap_or(Event::Disconnect);
        let (edge, next) = match edge {
            Some((wire, target)) => (
                Some(wire),
                frame.logic.graph.nodes.get(target).map(|n| n.id.clone()),
            ),
            None => (None, None),
        };
        self.steps.push(TraceStep {
            flow_id: frame.id.clone().into_owned(),
            flow_version: frame.version,
            depth: frame.depth,
            node_id: node.id.clone(),
            node_name: node.name.clone(),
            node_type: node.type_name.clone(),
            event,
            outcome,
            edge,
            next,
        });
    }

    pub(crate) fn event(&mut self, make: impl FnOnce() -> Event) {
        if self.tracing {
            self.pending = Some(make());
        }
    }

    /// Runs one node's effect.
    fn exec(&mut self, cur: &mut Frame<'r>, node: &Node) -> Step<'r> {
        self.exec_kind(cur, node, &node.kind)
    }

    /// Runs one node's effect as `kind` (an Archy node runs its core kind through here).
    pub(crate) fn exec_kind(
        &mut self,
        cur: &mut Frame<'r>,
        node: &Node,
        kind: &NodeKind,
    ) -> Step<'r> {
        match kind {
            NodeKind::Archy(archy) => self.archy(cur, node, archy),
            NodeKind::SetData { data } => {
                let mut writes = self.tracing.then(|| Vec::with_capacity(data.len()));
                for (target, source) in data {
                    let value = match self.value_of(cur, source) {
                        Ok(v) => v,
                        Err(reason) => return Step::Fail(Failure::node(reason)),
                    };
                    if let Some(writes) = &mut writes {
                        writes.push(DataWrite {
                            key: target_key(target),
                            value: value.clone(),
                        });
                    }
                    if let Err(reason) = self.write(cur, target, value) {
                        return Step::Fail(Failure::node(reason));
                    }
                }
                if let Some(data) = writes {
                    self.pending = Some(Event::SetData { data });
                }
                Step::Next(Out::Default)
            }
            NodeKind::TagInteraction { tags } => {
                let mut added = self.tracing.then(|| Vec::with_capacity(tags.len()));
                let mut env = Env::new(&cur.vars, &self.participant, &self.sim.ani, &self.sim.dnis);
                env.now = self.sim.now.as_deref();
                env.language = self.sim.language.as_deref();
                for source in tags {
                    let tag = match text_of(&env, source, "tag") {
                        Ok(t) => t,
                        Err(reason) => return Step::Fail(Failure::node(reason)),
                    };
                    if let Some(added) = &mut added {
                        added.push(tag.clone().into_owned());
                    }
                    // Allocate only for a tag the interaction does not have yet.
                    if !self.tags.iter().any(|t| *t == *tag) {
                        self.tags.push(tag.into_owned());
                    }
                }
                if let Some(tags) = added {
                    self.pending = Some(Event::TagsAdded { tags });
                }
                Step::Next(Out::Default)
            }
            NodeKind::PlayPrompt { prompt } => match self.play(cur, prompt) {
                Ok(played) => {
                    if let Some(prompt) = played {
                        self.pending = Some(Event::PromptPlayed { prompt });
                    }
                    Step::Next(Out::Default)
                }
                Err(reason) => Step::Fail(Failure::node(reason)),
            },
            NodeKind::CallModule(call) => self.call_module(cur, call),
            NodeKind::DataAction {
                name,
                inputs,
                outputs,
            } => self.data_action(cur, node, name, inputs, outputs),
            NodeKind::Decision { expression, text } => {
                let env = self.env(cur);
                match eval_bool(expression, &env) {
                    Ok(value) => {
                        self.event(|| Event::Decision {
                            expression: text.clone(),
                            value,
                        });
                        Step::Next(if value { Out::True } else { Out::False })
                    }
                    Err(e) => Step::Fail(Failure::node(format!("expression `{text}`: {e}"))),
                }
            }
            NodeKind::CollectInput { prompt, .. } => {
                let played = match prompt {
                    Some(p) => match self.play(cur, p) {
                        Ok(played) => played,
                        Err(reason) => return Step::Fail(Failure::node(reason)),
                    },
                    None => None,
                };
                let sim: &'r Simulation = self.sim;
                let digits = sim.digits.get(self.digit_cursor).map(String::as_str);
                if digits.is_some() {
                    self.digit_cursor += 1;
                }
                self.event(|| Event::InputCollected {
                    prompt: played,
                    digits: digits.map(str::to_owned),
                });
                Step::Next(match digits {
                    None => Out::Timeout,
                    Some(d) if has_dtmf(node, d) => Out::Dtmf(d),
                    Some(_) => Out::NoMatch,
                })
            }
            NodeKind::TransferToAcd { queue } => match queue_name(&self.env(cur), queue) {
                Ok(queue) if queue.is_empty() => {
                    Step::Fail(Failure::node("transfer queue is empty".into()))
                }
                Ok(queue) => {
                    let queue = queue.into_owned();
                    self.event(|| Event::Transfer {
                        queue: queue.clone(),
                    });
                    Step::End(FinalOutcome::Transferred { queue })
                }
                Err(reason) => Step::Fail(Failure::node(reason)),
            },
            NodeKind::Disconnect => {
                self.event(|| Event::Disconnect);
                Step::End(FinalOutcome::Disconnected)
            }
        }
    }

    pub(crate) fn env<'a>(&'a self, cur: &'a Frame<'_>) -> Env<'a> {
        let mut env = Env::new(&cur.vars, &self.participant, &self.sim.ani, &self.sim.dnis);
        env.now = self.sim.now.as_deref();
        env.language = self.sim.language.as_deref();
        env
    }

    /// The value a setting gives, as stored (NOT_SET is JSON `null`).
    pub(crate) fn value_of(&self, cur: &Frame<'_>, source: &ValueSource) -> Result<Value, String> {
        match source {
            ValueSource::Literal(value) => Ok(value.clone()),
            ValueSource::Expression { text, expr } => eval(expr, &self.env(cur))
                .map(|v| v.into_json())
                .map_err(|e| format!("expression `{text}`: {e}")),
        }
    }

    /// Resolves a prompt for playing; `None` when not tracing (nothing else observes it).
    pub(crate) fn play(
        &self,
        cur: &Frame<'_>,
        prompt: &Prompt,
    ) -> Result<Option<PromptPlayed>, String> {
        match prompt {
            Prompt::Tts { text, locale } => {
                // Evaluated even when not tracing: a failing prompt fails the node either way.
                let text = text_of(&self.env(cur), text, "prompt text")?;
                Ok(self.tracing.then(|| PromptPlayed {
                    text: Some(text.into_owned()),
                    locale: locale.clone(),
                    prompt_id: None,
                }))
            }
            Prompt::Stored { id } => Ok(self.tracing.then(|| PromptPlayed {
                text: None,
                locale: None,
                prompt_id: Some(id.clone()),
            })),
        }
    }

    /// Writes a value where a `setData` key or mapping target points.
    pub(crate) fn write(
        &mut self,
        cur: &mut Frame<'_>,
        target: &DataTarget,
        value: Value,
    ) -> Result<(), String> {
        let key = match target {
            DataTarget::Participant(key) => key.as_str(),
            DataTarget::Variable(VarRef::InteractionData(key)) => participant_key(key),
            DataTarget::Variable(
                var @ (VarRef::Flow(_) | VarRef::Common(_) | VarRef::Task(_) | VarRef::State(_)),
            ) => {
                if let Some((scope, name)) = frame_slot(var) {
                    cur.vars.set(scope, name, value);
                }
                return Ok(());
            }
            DataTarget::Variable(VarRef::CallAni) => return Err("Call.Ani is read-only".into()),
            DataTarget::Variable(VarRef::CallDnis) => return Err("Call.Dnis is read-only".into()),
            DataTarget::Variable(VarRef::Builtin(name)) => {
                return Err(format!("{name} is read-only"))
            }
        };
        // Overwrite in place so a repeated key allocates nothing.
        match self.participant.get_mut(key) {
            Some(slot) => *slot = value,
            None => {
                self.participant.insert(key.to_owned(), value);
            }
        }
        Ok(())
    }

    fn call_module(&mut self, cur: &mut Frame<'r>, call: &ModuleCall) -> Step<'r> {
        let failed = |reason: String, version: Option<u32>| {
            Step::Fail(Failure::module_call(&call.module_id, version, reason))
        };
        let max = self.limits.max_module_depth;
        if cur.depth >= max {
            return failed(
                format!(
                    "module nesting depth limit of {max} exceeded: module {} would run at depth {}",
                    call.module_id,
                    cur.depth + 1
                ),
                call.version,
            );
        }
        let module = match self.modules.resolve(&call.module_id, call.version) {
            Ok(m) => m,
            Err(unavailable) => return failed(unavailable.reason, call.version),
        };
        let mut vars = self.spare_vars.pop().unwrap_or_default();
        vars.apply_defaults(&module.logic, Scope::Common);
        let mut traced_inputs = self.tracing.then(Map::new);
        for (name, source) in &call.inputs {
            let value = match self.value_of(cur, source) {
                Ok(v) => v,
                Err(reason) => {
                    vars.clear();
                    self.spare_vars.push(vars);
                    return failed(format!("input {name}: {reason}"), Some(module.version));
                }
            };
            if let Some(inputs) = &mut traced_inputs {
                inputs.insert(name.clone(), value.clone());
            }
            let (scope, bare) = resolve_name(&module.logic, name, Scope::Common);
            vars.set(scope, bare, value);
        }
        if let Some(inputs) = traced_inputs {
            self.pending = Some(Event::ModuleEnter {
                module_id: module.id.clone(),
                module_name: module.name.clone(),
                version: module.version,
                inputs,
            });
        }
        Step::Enter(Frame {
            node: module.logic.graph.entry,
            logic: module.logic,
            id: Cow::Owned(module.id),
            name: Cow::Owned(module.name),
            version: module.version,
            error_handling: module.error_handling,
            depth: cur.depth + 1,
            vars,
            archy: Default::default(),
        })
    }

    /// A module ended normally: copy its outputs to the caller and continue after the call.
    fn return_to(&mut self, cur: &mut Frame<'r>, mut callee: Frame<'r>) -> Result<(), Failure> {
        let logic = Arc::clone(&cur.logic);
        let node = cur.node.and_then(|idx| logic.graph.nodes.get(idx));
        let Some((node, call)) = node.and_then(|n| module_call_of(&n.kind).map(|c| (n, c))) else {
            // Unreachable: only call nodes push frames. End the caller rather than panic.
            cur.node = None;
            return Ok(());
        };
        let mut outputs = self.tracing.then(Map::new);
        let mut result = Ok(());
        for (name, target) in &call.outputs {
            let (scope, bare) = resolve_name(&callee.logic, name, Scope::Common);
            let value = callee.vars.take(scope, bare).unwrap_or(Value::Null);
            if let Some(outputs) = &mut outputs {
                outputs.insert(name.clone(), value.clone());
            }
            if let Err(reason) = self.write(cur, target, value) {
                result = Err(Failure::module_call(
                    &call.module_id,
                    Some(callee.version),
                    format!("output {name}: {reason}"),
                ));
                break;
            }
        }
        if let Some(outputs) = outputs {
            self.pending = Some(Event::ModuleExit {
                module_id: callee.id.clone().into_owned(),
                version: callee.version,
                outputs,
            });
        }
        callee.vars.clear();
        self.spare_vars.push(callee.vars);
        result?;
        self.follow(cur, node, Out::Success);
        Ok(())
    }

    fn data_action(
        &mut self,
        cur: &mut Frame<'r>,
        node: &Node,
        name: &str,
        inputs: &[(String, ValueSource)],
        outputs: &[(String, DataTarget)],
    ) -> Step<'r> {
        let mut traced_inputs = self.tracing.then(Map::new);
        for (input, source) in inputs {
            // Inputs are evaluated even untraced: an input that fails fails the node.
            match self.value_of(cur, source) {
                Ok(value) => {
                    if let Some(traced) = &mut traced_inputs {
                        traced.insert(input.clone(), value);
                    }
                }
                Err(reason) => {
                    return Step::Fail(Failure::node(format!("input {input}: {reason}")))
                }
            }
        }
        let sim: &'r Simulation = self.sim;
        // Archy names a data action with its category; an answer may use either spelling.
        let category_key = archy_category(node).map(|c| format!("{c}/{name}"));
        let found = category_key
            .as_deref()
            .and_then(|k| sim.data_actions.get_key_value(k))
            .or_else(|| sim.data_actions.get_key_value(name));
        let Some((key, answers)) = found else {
            return Step::Fail(Failure::node(format!(
                "data action '{name}' has no mock in the simulation"
            )));
        };
        let calls = self.data_calls.entry(key.clone()).or_insert(0);
        let answer = answers.answer(*calls);
        *calls += 1;
        let mock = match answer {
            DataActionMock::Outputs(mock) => mock,
            DataActionMock::Timeout if node.next.iter().any(|(o, _)| *o == Outcome::Timeout) => {
                self.event(|| Event::Error {
                    reason: format!("data action '{name}' timed out (simulated)"),
                    handling: Handling::FailureEdge,
                });
                return Step::Next(Out::Timeout);
            }
            DataActionMock::Timeout => {
                return Step::Fail(Failure::node(format!(
                    "data action '{name}' timed out (simulated)"
                )))
            }
            DataActionMock::Fail | DataActionMock::Sequence(_) => {
                return Step::Fail(Failure::node(format!(
                    "data action '{name}' failed (simulated failure)"
                )))
            }
        };
        let mut written = self.tracing.then(Map::new);
        for (output, target) in outputs {
            let value = mock.get(output).cloned().unwrap_or(Value::Null);
            if let Some(written) = &mut written {
                written.insert(output.clone(), value.clone());
            }
            if let Err(reason) = self.write(cur, target, value) {
                return Step::Fail(Failure::node(format!("output {output}: {reason}")));
            }
        }
        if let (Some(inputs), Some(outputs)) = (traced_inputs, written) {
            self.pending = Some(Event::DataAction {
                name: name.to_owned(),
                inputs,
                outputs,
            });
        }
        Step::Next(Out::Success)
    }

    /// Handles a failure at `cur`'s current node: its `failure` edge, else the frame's error
    /// handling; a module that does not absorb it ends and its call fails in the caller, and so
    /// on up the stack. `Some` when the execution ends.
    fn fail(&mut self, cur: &mut Frame<'r>, mut failure: Failure) -> Option<FinalOutcome> {
        loop {
            let logic = Arc::clone(&cur.logic);
            let Some(node) = cur.node.and_then(|idx| logic.graph.nodes.get(idx)) else {
                return Some(FinalOutcome::Failed {
                    reason: failure.reason,
                });
            };
            let (handling, edge) = match failure_edge(node) {
                Some(edge) => (Handling::FailureEdge, Some(edge)),
                None => match cur.error_handling {
                    ErrorHandling::Continue => (Handling::Continue, find_edge(node, Out::Success)),
                    ErrorHandling::Disconnect if self.callers.is_empty() => {
                        (Handling::Disconnect, None)
                    }
                    ErrorHandling::Disconnect => (Handling::ReturnToCaller, None),
                },
            };
            cur.node = edge.map(|(_, t)| t);
            if self.tracing {
                self.pending = Some(match &failure.module {
                    Some((module_id, version)) => Event::ModuleCallFailed {
                        module_id: module_id.clone(),
                        version: *version,
                        reason: failure.reason.clone(),
                        handling,
                    },
                    None => Event::Error {
                        reason: failure.reason.clone(),
                        handling,
                    },
                });
                let taken = edge.map(|(o, t)| (o.as_wire(), t));
                self.record(cur, node, Some("failure".into()), taken);
            }
            match handling {
                Handling::FailureEdge | Handling::Continue => return None,
                Handling::Disconnect => {
                    return Some(FinalOutcome::Failed {
                        reason: format!("node '{}' ({}): {}", node.name, node.id, failure.reason),
                    })
                }
                Handling::ReturnToCaller => {
                    let caller = self.callers.pop()?;
                    let mut callee = std::mem::replace(cur, caller);
                    let origin = failure.origin.take().unwrap_or_else(|| {
                        format!(
                            "node '{}' ({}) in module {} v{}: {}",
                            node.name, node.id, callee.id, callee.version, failure.reason
                        )
                    });
                    failure = Failure {
                        module: Some((callee.id.clone().into_owned(), Some(callee.version))),
                        reason: format!(
                            "module '{}' ({} v{}) failed: {origin}",
                            callee.name, callee.id, callee.version
                        ),
                        origin: Some(origin),
                    };
                    callee.vars.clear();
                    self.spare_vars.push(callee.vars);
                }
            }
        }
    }

    /// The budget is spent before `node` runs: run the top flow's error handling once, then
    /// allow the extra actions; `Some` when the execution ends.
    fn limit_reached(&mut self, cur: &Frame<'r>, node: &Node) -> Option<FinalOutcome> {
        let max = self.limits.max_actions;
        let extra = self.limits.error_handling_extra;
        if !self.limit_hit {
            self.limit_hit = true;
            let handling = match self.top_error_handling {
                ErrorHandling::Disconnect => Handling::Disconnect,
                ErrorHandling::Continue => Handling::Continue,
            };
            let actions = self.actions;
            self.event(|| Event::ActionLimit {
                limit: max,
                actions,
                handling,
            });
            self.record(cur, node, None, None);
            if handling == Handling::Disconnect {
                return Some(FinalOutcome::Failed {
                    reason: format!(
                        "action limit exceeded: {max} actions executed; error handling disconnected the call"
                    ),
                });
            }
            self.budget = max.saturating_add(extra);
            if self.actions < self.budget {
                return None;
            }
        }
        let (limit, actions) = (self.budget, self.actions);
        self.event(|| Event::ActionLimit {
            limit,
            actions,
            handling: Handling::Disconnect,
        });
        self.record(cur, node, None, None);
        Some(FinalOutcome::Failed {
            reason: format!(
                "action limit exceeded: {max} actions plus {extra} after error handling executed; the call was disconnected"
            ),
        })
    }
}

/// The text a setting gives (tags, prompt text, queue names), borrowed when it is a literal;
/// NOT_SET is an error.
pub(crate) fn text_of<'a>(
    env: &Env<'a>,
    source: &'a ValueSource,
    what: &str,
) -> Result<Cow<'a, str>, String> {
    match source {
        ValueSource::Literal(Value::String(s)) => Ok(Cow::Borrowed(s)),
        ValueSource::Literal(Value::Null) => Err(format!("{what} is NOT_SET")),
        ValueSource::Literal(other) => Ok(Cow::Owned(other.to_string())),
        ValueSource::Expression { text, expr } => {
            let value = eval(expr, env).map_err(|e| format!("expression `{text}`: {e}"))?;
            value
                .into_text()
                .ok_or_else(|| format!("{what} `{text}` is NOT_SET"))
        }
    }
}

/// The module call a node makes (an Archy `callCommonModule` holds it as its core kind).
fn module_call_of(kind: &NodeKind) -> Option<&ModuleCall> {
    match kind {
        NodeKind::CallModule(call) => Some(call),
        NodeKind::Archy(a) => match &a.op {
            flowlink_model::archy::ArchyOp::Core(NodeKind::CallModule(call)) => Some(call),
            _ => None,
        },
        _ => None,
    }
}

/// The queue a transfer names: text, or a named object `{"name": X}` (Archy queue values).
fn queue_name<'a>(env: &Env<'a>, source: &'a ValueSource) -> Result<Cow<'a, str>, String> {
    let named = |v: &Value| {
        v.as_object()
            .and_then(|o| o.get("name").or_else(|| o.get("id")))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match source {
        ValueSource::Literal(v @ Value::Object(_)) => named(v)
            .map(Cow::Owned)
            .ok_or_else(|| "the queue has no name".to_string()),
        ValueSource::Expression { text, expr } => {
            let value = eval(expr, env)
                .map_err(|e| format!("expression `{text}`: {e}"))?
                .into_json();
            match value {
                Value::Null => Err(format!("queue `{text}` is NOT_SET")),
                Value::String(s) => Ok(Cow::Owned(s)),
                other => named(&other)
                    .map(Cow::Owned)
                    .ok_or_else(|| format!("queue `{text}` is not a queue")),
            }
        }
        other => text_of(env, other, "queue"),
    }
}

/// The `category` an Archy `callData` names its data action under.
fn archy_category(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Archy(a) => a
            .raw
            .get("category")?
            .as_object()?
            .keys()
            .next()
            .map(String::as_str),
        _ => None,
    }
}

/// How a write target reads in the trace: participant data by its bare key, variables with
/// their prefix.
fn target_key(target: &DataTarget) -> String {
    match target {
        DataTarget::Participant(key) => key.clone(),
        DataTarget::Variable(var) => match var {
            VarRef::InteractionData(key) => participant_key(key).to_owned(),
            VarRef::CallAni => "Call.Ani".into(),
            VarRef::CallDnis => "Call.Dnis".into(),
            VarRef::Builtin(name) => name.clone(),
            VarRef::Flow(_) | VarRef::Common(_) | VarRef::Task(_) | VarRef::State(_) => {
                match frame_slot(var) {
                    Some((scope, name)) => format!("{}{name}", scope.prefix()),
                    None => String::new(),
                }
            }
        },
    }
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
