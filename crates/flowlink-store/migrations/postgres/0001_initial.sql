-- flowlink initial schema (PostgreSQL). Migrations are append-only: never edit a released file,
-- add a new numbered one instead. Same model as migrations/sqlite: every tenant row carries
-- org_id; times are epoch milliseconds. Differences that PostgreSQL lets us enforce in the
-- schema rather than in code:
-- * composite foreign keys (org_id, flow_id) → flows(org_id, id), so no row can point at a flow
--   of another organization;
-- * text used for ordering is COLLATE "C" (byte order), which is what SQLite's BINARY collation
--   does, so both backends list in the same order whatever the database's locale.

CREATE TABLE organizations (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    created_ms  BIGINT NOT NULL
);

CREATE TABLE oauth_clients (
    id                  UUID PRIMARY KEY,
    org_id              UUID NOT NULL REFERENCES organizations(id),
    name                TEXT NOT NULL,
    -- argon2 PHC string; the secret itself is never stored.
    secret_hash         TEXT NOT NULL,
    scopes              TEXT[] NOT NULL,
    token_lifetime_secs BIGINT NOT NULL,
    created_ms          BIGINT NOT NULL
);
CREATE INDEX oauth_clients_org ON oauth_clients(org_id, created_ms);

CREATE TABLE access_tokens (
    -- SHA-256 of the bearer token; the token itself is never stored.
    token_hash  BYTEA PRIMARY KEY,
    client_id   UUID NOT NULL REFERENCES oauth_clients(id),
    org_id      UUID NOT NULL REFERENCES organizations(id),
    scopes      TEXT[] NOT NULL,
    expires_ms  BIGINT NOT NULL,
    created_ms  BIGINT NOT NULL
);
CREATE INDEX access_tokens_expiry ON access_tokens(expires_ms);

CREATE TABLE flows (
    id                  UUID PRIMARY KEY,
    org_id              UUID NOT NULL REFERENCES organizations(id),
    flow_type           TEXT COLLATE "C" NOT NULL,
    name                TEXT NOT NULL,
    -- Unicode-lowercased name/description, computed by the store (the same function as the
    -- SQLite backend), used for uniqueness and case-insensitive filtering.
    name_key            TEXT COLLATE "C" NOT NULL,
    description         TEXT,
    description_key     TEXT COLLATE "C",
    -- optimistic-concurrency token, bumped by every accepted change
    version             BIGINT NOT NULL,
    -- 'graph' | 'actions' | NULL (no logic yet)
    dialect             TEXT,
    active              BOOLEAN NOT NULL,
    deleted             BOOLEAN NOT NULL DEFAULT FALSE,
    locked_client_id    UUID,
    published_version   BIGINT,
    saved_version       BIGINT,
    checked_in_version  BIGINT,
    latest_version      BIGINT NOT NULL,
    published_ms        BIGINT,
    error_handling      TEXT,
    created_ms          BIGINT NOT NULL,
    modified_ms         BIGINT NOT NULL,
    UNIQUE (org_id, id)
);
-- Names are unique per organization and type among live flows; concurrent creators on several
-- replicas meet here (unique_violation, mapped to a DuplicateName conflict).
CREATE UNIQUE INDEX flows_unique_name ON flows(org_id, flow_type, name_key) WHERE NOT deleted;
CREATE INDEX flows_org_type ON flows(org_id, flow_type);

CREATE TABLE flow_versions (
    flow_id             UUID NOT NULL,
    number              BIGINT NOT NULL,
    org_id              UUID NOT NULL,
    -- the logic document exactly as written (JSON text)
    document            TEXT NOT NULL,
    dialect             TEXT,
    -- 'SAVE' | 'CHECKIN' | 'PUBLISH'
    kind                TEXT NOT NULL,
    created_ms          BIGINT NOT NULL,
    created_by_client   UUID,
    published_ms        BIGINT,
    PRIMARY KEY (flow_id, number),
    FOREIGN KEY (org_id, flow_id) REFERENCES flows(org_id, id)
);

-- The dependency index: which module (and pinned version, NULL = floating) each flow version
-- calls. Written in the same transaction as the version it describes, never rebuilt.
CREATE TABLE flow_dependencies (
    org_id            UUID NOT NULL,
    consumer_id       UUID NOT NULL,
    consumer_version  BIGINT NOT NULL,
    module_id         UUID NOT NULL,
    module_version    BIGINT,
    FOREIGN KEY (consumer_id, consumer_version) REFERENCES flow_versions(flow_id, number),
    FOREIGN KEY (org_id, consumer_id) REFERENCES flows(org_id, id),
    FOREIGN KEY (org_id, module_id) REFERENCES flows(org_id, id)
);
CREATE INDEX flow_dependencies_module ON flow_dependencies(org_id, module_id);
CREATE INDEX flow_dependencies_consumer ON flow_dependencies(consumer_id, consumer_version);

CREATE TABLE executions (
    id              UUID PRIMARY KEY,
    org_id          UUID NOT NULL,
    flow_id         UUID NOT NULL,
    flow_version    BIGINT NOT NULL,
    name            TEXT,
    status          TEXT NOT NULL,
    launched_ms     BIGINT NOT NULL,
    completed_ms    BIGINT,
    outcome         TEXT,
    action_count    BIGINT NOT NULL,
    trace           TEXT NOT NULL,
    output          TEXT NOT NULL,
    client_id       UUID,
    FOREIGN KEY (org_id, flow_id) REFERENCES flows(org_id, id)
);
CREATE INDEX executions_flow ON executions(org_id, flow_id, launched_ms);
