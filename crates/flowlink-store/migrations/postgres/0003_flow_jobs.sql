-- Architect jobs (SPEC §9): flow import and export jobs, and the secrets that sign their
-- upload and download URLs. Rows live in the database, not in a server's memory, so a job
-- registered on one replica can be uploaded to, processed and polled on any other.

CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    -- random bytes, created once by whichever replica asks first
    value       BYTEA NOT NULL,
    created_ms  BIGINT NOT NULL
);

CREATE TABLE flow_jobs (
    id           UUID PRIMARY KEY,
    org_id       UUID NOT NULL REFERENCES organizations(id),
    -- 'import' | 'export'
    kind         TEXT NOT NULL,
    -- 'Registered' | 'Started' | 'Success' | 'Failure'
    status       TEXT NOT NULL,
    -- 'Publish' | 'Create' | 'Update' | 'Export', once known
    command      TEXT,
    -- the request: import {createStubs}, export {flows: [...]}
    request      TEXT NOT NULL,
    client_id    UUID,
    -- import: the flow created or updated
    flow_id      UUID,
    -- [{dateTime, type, text}]
    messages     TEXT NOT NULL,
    total_flows  BIGINT NOT NULL,
    -- export: the file to download and its name
    result       BYTEA,
    result_name  TEXT,
    created_ms   BIGINT NOT NULL,
    modified_ms  BIGINT NOT NULL
);
CREATE INDEX flow_jobs_org ON flow_jobs(org_id, created_ms);
-- The housekeeping purge of old jobs.
CREATE INDEX flow_jobs_modified ON flow_jobs(modified_ms);
