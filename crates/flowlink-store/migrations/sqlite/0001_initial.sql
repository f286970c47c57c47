-- flowlink initial schema (SQLite). Migrations are append-only: never edit a released file,
-- add a new numbered one instead. Every row carries org_id so every query can be scoped by
-- organization; ids are lowercase hyphenated UUID text; times are epoch milliseconds.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
);

CREATE TABLE oauth_clients (
    id                  TEXT PRIMARY KEY NOT NULL,
    org_id              TEXT NOT NULL REFERENCES organizations(id),
    name                TEXT NOT NULL,
    -- argon2 PHC string; the secret itself is never stored.
    secret_hash         TEXT NOT NULL,
    -- space-separated granted scopes
    scopes              TEXT NOT NULL,
    token_lifetime_secs INTEGER NOT NULL,
    created_ms          INTEGER NOT NULL
);
CREATE INDEX oauth_clients_org ON oauth_clients(org_id);

CREATE TABLE access_tokens (
    -- SHA-256 of the bearer token; the token itself is never stored.
    token_hash  BLOB PRIMARY KEY NOT NULL,
    client_id   TEXT NOT NULL REFERENCES oauth_clients(id),
    org_id      TEXT NOT NULL REFERENCES organizations(id),
    scopes      TEXT NOT NULL,
    expires_ms  INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL
);
CREATE INDEX access_tokens_expiry ON access_tokens(expires_ms);

CREATE TABLE flows (
    id                  TEXT PRIMARY KEY NOT NULL,
    org_id              TEXT NOT NULL REFERENCES organizations(id),
    flow_type           TEXT NOT NULL,
    name                TEXT NOT NULL,
    -- Unicode-lowercased name/description, computed by the store, used for uniqueness and
    -- case-insensitive filtering.
    name_key            TEXT NOT NULL,
    description         TEXT,
    description_key     TEXT,
    -- optimistic-concurrency token, bumped by every accepted change
    version             INTEGER NOT NULL,
    -- 'graph' | 'actions' | NULL (no logic yet)
    dialect             TEXT,
    active              INTEGER NOT NULL,
    deleted             INTEGER NOT NULL DEFAULT 0,
    locked_client_id    TEXT,
    published_version   INTEGER,
    saved_version       INTEGER,
    checked_in_version  INTEGER,
    latest_version      INTEGER NOT NULL,
    published_ms        INTEGER,
    error_handling      TEXT,
    created_ms          INTEGER NOT NULL,
    modified_ms         INTEGER NOT NULL
);
CREATE UNIQUE INDEX flows_unique_name ON flows(org_id, flow_type, name_key) WHERE deleted = 0;
CREATE INDEX flows_org_type ON flows(org_id, flow_type);

CREATE TABLE flow_versions (
    flow_id             TEXT NOT NULL REFERENCES flows(id),
    number              INTEGER NOT NULL,
    org_id              TEXT NOT NULL REFERENCES organizations(id),
    -- the logic document exactly as written (JSON text)
    document            TEXT NOT NULL,
    dialect             TEXT,
    -- 'SAVE' | 'CHECKIN' | 'PUBLISH'
    kind                TEXT NOT NULL,
    created_ms          INTEGER NOT NULL,
    created_by_client   TEXT,
    published_ms        INTEGER,
    PRIMARY KEY (flow_id, number)
);

-- The dependency index: which module (and pinned version, NULL = floating) each flow version
-- calls. Written in the same transaction as the version it describes, never rebuilt.
CREATE TABLE flow_dependencies (
    org_id            TEXT NOT NULL REFERENCES organizations(id),
    consumer_id       TEXT NOT NULL REFERENCES flows(id),
    consumer_version  INTEGER NOT NULL,
    module_id         TEXT NOT NULL,
    module_version    INTEGER
);
CREATE INDEX flow_dependencies_module ON flow_dependencies(org_id, module_id);
CREATE INDEX flow_dependencies_consumer ON flow_dependencies(consumer_id, consumer_version);

CREATE TABLE executions (
    id              TEXT PRIMARY KEY NOT NULL,
    org_id          TEXT NOT NULL REFERENCES organizations(id),
    flow_id         TEXT NOT NULL REFERENCES flows(id),
    flow_version    INTEGER NOT NULL,
    name            TEXT,
    status          TEXT NOT NULL,
    launched_ms     INTEGER NOT NULL,
    completed_ms    INTEGER,
    outcome         TEXT,
    action_count    INTEGER NOT NULL,
    trace           TEXT NOT NULL,
    output          TEXT NOT NULL,
    client_id       TEXT
);
CREATE INDEX executions_flow ON executions(org_id, flow_id, launched_ms);
