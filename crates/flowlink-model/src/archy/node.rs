//! What an Archy node is in the canonical graph: the action's meaning for the engine
//! ([`ArchyOp`]) plus its fields as written ([`ArchyNode::raw`], nested action lists removed —
//! they are edges), which is what export writes back.

use serde_json::Value;

use crate::graph::{DataTarget, NodeKind, Prompt, ValueSource};

/// An Archy action, menu choice, container or the document itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchyNode {
    pub op: ArchyOp,
    /// The fields as written (JSON form of the YAML), without nested action lists.
    pub raw: Value,
}

/// One case of a `switch`: the edge it takes and what selects it.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchCase {
    /// The edge name (`Named(path)`) leading to the case's actions.
    pub edge: String,
    /// `firstTrue`: a boolean; `firstMatch`: the value compared with the switch's value.
    pub value: ValueSource,
}

/// What an Archy node does when a call reaches it.
#[derive(Debug, Clone, PartialEq)]
pub enum ArchyOp {
    /// The document (node 0): never run; its edges name the containers in file order.
    Flow,
    /// A task, state, bot, `startUpTaskActions` or a menu choice's inline task: runs its
    /// actions (`default` edge) and ends with them.
    Container,
    /// A menu: plays its audio, reads a digit and takes that choice's `dtmf:N` edge.
    Menu { audio: Option<Prompt> },
    /// An action with the same meaning as a JSON-dialect node: `playAudio` → `PlayPrompt`,
    /// `updateData`/`setParticipantData` → `SetData`, `decision`, `callData` → `DataAction`,
    /// `callCommonModule` → `CallModule`, `transferToAcd`, `disconnect` (also the menu
    /// choices `menuDisconnect`/`menuTransferToAcd`, and `initialGreeting`).
    Core(NodeKind),
    /// `jumpToTask`, `jumpToMenu`, `menuJumpToTask`, `menuJumpToMenu`, `changeState`: go to
    /// the container at this node index for good.
    Jump { target: usize },
    /// `callTask`: run the task at this index, then continue after the call.
    CallTask { target: usize },
    /// `endTask` / `endState`: the container ends here.
    EndTask,
    /// `loop`: runs its `loop` branch `count` times, writing the index to `index`.
    Loop {
        count: ValueSource,
        index: Option<DataTarget>,
    },
    /// `loopExit`: leaves the loop at this index.
    LoopExit { loop_node: usize },
    /// `loopNext`: next iteration of the loop at this index.
    LoopNext { loop_node: usize },
    /// `switch`: the first matching case's edge, else `default`'s branch (`Named(path)`), else
    /// on.
    Switch {
        /// `None` for `firstTrue`; the compared value for `firstMatch`.
        value: Option<ValueSource>,
        cases: Vec<SwitchCase>,
        default_edge: Option<String>,
    },
    /// `collectInput`: plays `audio`, reads digits into `target` → `success` / `failure`.
    CollectInput {
        audio: Option<Prompt>,
        target: Option<DataTarget>,
    },
    /// `dataTableLookup`: a row of `table` by key → `found` (columns to variables) / `notFound`.
    DataTableLookup {
        table: String,
        key: ValueSource,
        outputs: Vec<(String, DataTarget)>,
    },
    /// `getParticipantData`: attribute name → variable.
    GetParticipantData { pairs: Vec<(String, DataTarget)> },
    /// `findQueue` / `findQueueById` → `found` / `notFound`.
    FindQueue {
        name: ValueSource,
        result: Option<DataTarget>,
    },
    /// `transferToVoicemail` (a queue's voicemail): ends the call transferred.
    TransferToVoicemail { queue: Option<ValueSource> },
    /// `transferToFlow` / `transferToFlowSecure` / `menuTransferToFlow`: ends the call in
    /// that flow.
    TransferToFlow { flow: String },
    /// `holdMusic`: plays the prompt.
    HoldMusic { prompt: Option<Prompt> },
    /// `playEstimatedWaitTime`: plays the wait time of the simulation's queue.
    PlayEstimatedWaitTime,
    /// `evaluateScheduleGroup` → `open` / `closed` / `holiday` / `emergency`.
    EvaluateScheduleGroup {
        group: Option<ValueSource>,
        emergency: Option<ValueSource>,
    },
    /// A real Architect action the engine does not simulate: stored and exported; a call that
    /// reaches it fails naming it.
    Unsimulated,
}
