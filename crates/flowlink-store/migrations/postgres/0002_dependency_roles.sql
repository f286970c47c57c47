-- The dependency index answers "who calls this module" from one index range (SPEC §5).
--
-- Each row of flow_dependencies also says which of its consumer's version pointers currently
-- name the version it describes (published, checked in, or any of published / checked in /
-- saved = "current"), plus the consumer's type and lowercased name for filtering and ordering.
-- Triggers keep these columns exact in the same transaction as every write: a new row is
-- described from its consumer when inserted, and a change to a flow's name, pointers or
-- deleted flag re-describes all of that flow's rows. Nothing is ever rebuilt. Same design as
-- the SQLite migration of the same number.

ALTER TABLE flow_dependencies
    ADD COLUMN consumer_type TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN consumer_name_key TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN in_published BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN in_checked_in BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN in_current BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE flow_dependencies d SET
    consumer_type = f.flow_type,
    consumer_name_key = f.name_key,
    in_published = (NOT f.deleted AND f.published_version IS NOT DISTINCT FROM d.consumer_version),
    in_checked_in = (NOT f.deleted AND f.checked_in_version IS NOT DISTINCT FROM d.consumer_version),
    in_current = (NOT f.deleted AND (f.published_version IS NOT DISTINCT FROM d.consumer_version
                  OR f.checked_in_version IS NOT DISTINCT FROM d.consumer_version
                  OR f.saved_version IS NOT DISTINCT FROM d.consumer_version))
FROM flows f WHERE f.id = d.consumer_id;

CREATE INDEX flow_dependencies_published ON flow_dependencies
    (org_id, module_id, consumer_name_key, consumer_id, consumer_version, module_version, consumer_type)
    WHERE in_published;
CREATE INDEX flow_dependencies_checked_in ON flow_dependencies
    (org_id, module_id, consumer_name_key, consumer_id, consumer_version, module_version, consumer_type)
    WHERE in_checked_in;
CREATE INDEX flow_dependencies_current ON flow_dependencies
    (org_id, module_id, consumer_name_key, consumer_id, consumer_version, module_version, consumer_type)
    WHERE in_current;

CREATE FUNCTION flowlink_dependency_describe() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT f.flow_type, f.name_key,
           (NOT f.deleted AND f.published_version IS NOT DISTINCT FROM NEW.consumer_version),
           (NOT f.deleted AND f.checked_in_version IS NOT DISTINCT FROM NEW.consumer_version),
           (NOT f.deleted AND (f.published_version IS NOT DISTINCT FROM NEW.consumer_version
            OR f.checked_in_version IS NOT DISTINCT FROM NEW.consumer_version
            OR f.saved_version IS NOT DISTINCT FROM NEW.consumer_version))
      INTO NEW.consumer_type, NEW.consumer_name_key, NEW.in_published, NEW.in_checked_in,
           NEW.in_current
      FROM flows f WHERE f.id = NEW.consumer_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER flow_dependencies_describe BEFORE INSERT ON flow_dependencies
    FOR EACH ROW EXECUTE FUNCTION flowlink_dependency_describe();

CREATE FUNCTION flowlink_dependency_roles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE flow_dependencies SET
        consumer_name_key = NEW.name_key,
        in_published = (NOT NEW.deleted AND consumer_version IS NOT DISTINCT FROM NEW.published_version),
        in_checked_in = (NOT NEW.deleted AND consumer_version IS NOT DISTINCT FROM NEW.checked_in_version),
        in_current = (NOT NEW.deleted AND (consumer_version IS NOT DISTINCT FROM NEW.published_version
                      OR consumer_version IS NOT DISTINCT FROM NEW.checked_in_version
                      OR consumer_version IS NOT DISTINCT FROM NEW.saved_version))
    WHERE consumer_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER flows_dependency_roles
    AFTER UPDATE OF name_key, deleted, published_version, checked_in_version, saved_version ON flows
    FOR EACH ROW
    WHEN (OLD.name_key IS DISTINCT FROM NEW.name_key OR OLD.deleted IS DISTINCT FROM NEW.deleted
          OR OLD.published_version IS DISTINCT FROM NEW.published_version
          OR OLD.checked_in_version IS DISTINCT FROM NEW.checked_in_version
          OR OLD.saved_version IS DISTINCT FROM NEW.saved_version)
    EXECUTE FUNCTION flowlink_dependency_roles();
