//! Architect's vocabulary: the flow types (root keys) and every action and menu-choice key an
//! Archy file may use (reference `archy-format.md` §1.1 and §2: the SDK's `ArchAction*`
//! classes in lowerCamel). A name outside it is an invented action and fails the import.

/// Root key → Genesys flow type.
const FLOW_TYPES: &[(&str, &str)] = &[
    ("inboundCall", "INBOUNDCALL"),
    ("inqueueCall", "INQUEUECALL"),
    ("outboundCall", "OUTBOUNDCALL"),
    ("secureCall", "SECURECALL"),
    ("commonModule", "COMMONMODULE"),
    ("inboundShortMessage", "INBOUNDSHORTMESSAGE"),
    ("inboundEmail", "INBOUNDEMAIL"),
    ("inboundChat", "INBOUNDCHAT"),
    ("inqueueEmail", "INQUEUEEMAIL"),
    ("inqueueShortMessage", "INQUEUESHORTMESSAGE"),
    ("workflow", "WORKFLOW"),
    ("workitem", "WORKITEM"),
    ("botFlow", "BOT"),
    ("digitalBot", "DIGITALBOT"),
    ("surveyInvite", "SURVEYINVITE"),
    ("voiceSurvey", "VOICESURVEY"),
    ("voicemail", "VOICEMAIL"),
    ("emailSend", "EMAILSEND"),
    ("voice", "VOICE"),
];

/// The Genesys flow type of a root key (`inboundCall` → `INBOUNDCALL`, `botFlow` → `BOT`).
pub fn flow_type_for_root(root: &str) -> Option<&'static str> {
    FLOW_TYPES.iter().find(|(r, _)| *r == root).map(|(_, t)| *t)
}

/// The root key for a Genesys flow type, any case (`INBOUNDCALL` → `inboundCall`).
pub fn root_for_flow_type(flow_type: &str) -> Option<&'static str> {
    FLOW_TYPES
        .iter()
        .find(|(r, t)| t.eq_ignore_ascii_case(flow_type) || r.eq_ignore_ascii_case(flow_type))
        .map(|(r, _)| *r)
}

/// Every action key of Architect (plus the menu choices), sorted.
pub const ARCHY_ACTIONS: &[&str] = &[
    "abortSurveyInvite",
    "addFlowMilestone",
    "askForAuthentication",
    "askForBoolean",
    "askForIntent",
    "askForPayment",
    "askForSlot",
    "askSurveyQuestion",
    "audioMonitoring",
    "callAgenticVirtualAgent",
    "callAudioConnector",
    "callBotFlow",
    "callCommonModule",
    "callData",
    "callDataSecure",
    "callDecisionTable",
    "callDialogEngineBot",
    "callDialogflowBot",
    "callDialogflowCxBot",
    "callDigitalBotFlow",
    "callGuide",
    "callLexBot",
    "callNuanceMixBot",
    "callTask",
    "changeState",
    "clearActiveIntent",
    "clearPostFlow",
    "clearSlot",
    "clearUtilizationLabel",
    "clearVoicemailSnippet",
    "collectInput",
    "communicate",
    "completeSend",
    "completeSurveyInvite",
    "createCallback",
    "dataTableLookup",
    "decision",
    "decryptData",
    "detectIntent",
    "detectSilence",
    "dialByExtension",
    "digitalMenu",
    "disconnect",
    "disconnectWorkitem",
    "enableParticipantRecord",
    "encryptData",
    "endState",
    "endTask",
    "endWorkflow",
    "evaluateSchedule",
    "evaluateScheduleGroup",
    "exitBotFlow",
    "exitWorkitemFlow",
    "extractSecureData",
    "findEmergencyGroup",
    "findGrammar",
    "findGrammarById",
    "findGroup",
    "findKnowledgeBaseDocumentById",
    "findLanguageSkill",
    "findQueue",
    "findQueueById",
    "findSchedule",
    "findScheduleGroup",
    "findSkill",
    "findSystemPrompt",
    "findUser",
    "findUserById",
    "findUserPrompt",
    "findUsersById",
    "findUtilizationLabel",
    "flushAudio",
    "getAssignedCustomerIntents",
    "getConversationData",
    "getExternalContact",
    "getExternalOrganization",
    "getJourneyCustomer",
    "getJourneyCustomerSession",
    "getJourneyOutcome",
    "getJourneySegment",
    "getParticipantData",
    "getRawSIPHeaders",
    "getResponse",
    "getSIPHeaders",
    "getSecuredData",
    "holdMusic",
    "initializeFlowOutcome",
    "jumpToMenu",
    "jumpToTask",
    "loop",
    "loopAnythingElse",
    "loopExit",
    "loopNext",
    "loopUntil",
    "menuDialByExtension",
    "menuDisconnect",
    "menuJumpToMenu",
    "menuJumpToTask",
    "menuPreviousMenu",
    "menuRepeatMenu",
    "menuSubMenu",
    "menuTask",
    "menuTransferToAcd",
    "menuTransferToFlow",
    "menuTransferToFlowSecure",
    "menuTransferToGroup",
    "menuTransferToNumber",
    "menuTransferToUser",
    "menuTransferToVoicemail",
    "playAudio",
    "playAudioOnSilence",
    "playEstimatedWaitTime",
    "playPositionInQueue",
    "playUserGreeting",
    "playUserName",
    "previousMenu",
    "processVoicemailInput",
    "promoteExternalContact",
    "returnToAgent",
    "searchExternalContacts",
    "sendAutoReply",
    "sendInteractiveApplication",
    "sendKnowledgeFeedback",
    "sendNotification",
    "sendResponse",
    "sendRichLink",
    "setConversationData",
    "setExternalTag",
    "setFlowOutcome",
    "setIntent",
    "setLanguage",
    "setParticipantData",
    "setPostFlow",
    "setPriority",
    "setScreenPop",
    "setSecuredData",
    "setSkills",
    "setUUIData",
    "setUtilizationLabel",
    "setWhisperAudio",
    "setWrapupCode",
    "showKnowledgeArticle",
    "switch",
    "terminateWorkitem",
    "transcription",
    "transferToAcd",
    "transferToFlow",
    "transferToFlowSecure",
    "transferToGroup",
    "transferToNumber",
    "transferToUser",
    "transferToVoicemail",
    "updateData",
    "updateWorkitem",
    "wait",
    "waitForInput",
];

/// Whether `name` is an Architect action or menu choice key (exact spelling).
pub fn is_archy_action(name: &str) -> bool {
    ARCHY_ACTIONS.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_is_sorted_for_binary_search() {
        assert!(ARCHY_ACTIONS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_archy_action("callCommonModule") && !is_archy_action("playMusic"));
    }

    #[test]
    fn flow_types_map_both_ways() {
        assert_eq!(flow_type_for_root("botFlow"), Some("BOT"));
        assert_eq!(root_for_flow_type("inboundcall"), Some("inboundCall"));
    }
}
