-- The dependency index answers "who calls this module" from one index range (SPEC §5).
--
-- Each row of flow_dependencies also says which of its consumer's version pointers currently
-- name the version it describes (published, checked in, or any of published / checked in /
-- saved = "current"), plus the consumer's type and lowercased name for filtering and ordering.
-- Triggers keep these columns exact in the same transaction as every write: a new row is
-- described from its consumer when inserted, and a change to a flow's name, pointers or
-- deleted flag re-describes all of that flow's rows. Nothing is ever rebuilt.

ALTER TABLE flow_dependencies ADD COLUMN consumer_type TEXT NOT NULL DEFAULT '';
ALTER TABLE flow_dependencies ADD COLUMN consumer_name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE flow_dependencies ADD COLUMN in_published INTEGER NOT NULL DEFAULT 0;
ALTER TABLE flow_dependencies ADD COLUMN in_checked_in INTEGER NOT NULL DEFAULT 0;
ALTER TABLE flow_dependencies ADD COLUMN in_current INTEGER NOT NULL DEFAULT 0;

UPDATE flow_dependencies SET
    consumer_type = (SELECT f.flow_type FROM flows f WHERE f.id = flow_dependencies.consumer_id),
    consumer_name_key = (SELECT f.name_key FROM flows f WHERE f.id = flow_dependencies.consumer_id),
    in_published = (SELECT f.deleted = 0 AND f.published_version IS flow_dependencies.consumer_version
                    FROM flows f WHERE f.id = flow_dependencies.consumer_id),
    in_checked_in = (SELECT f.deleted = 0 AND f.checked_in_version IS flow_dependencies.consumer_version
                     FROM flows f WHERE f.id = flow_dependencies.consumer_id),
    in_current = (SELECT f.deleted = 0 AND (f.published_version IS flow_dependencies.consumer_version
                         OR f.checked_in_version IS flow_dependencies.consumer_version
                         OR f.saved_version IS flow_dependencies.consumer_version)
                  FROM flows f WHERE f.id = flow_dependencies.consumer_id);

-- One partial index per consumer filter, in listing order, covering the filters: a page of
-- consumers and its total are one range scan each, however many flows the organization has.
CREATE INDEX flow_dependencies_published ON flow_dependencies
    (org_id, module_id, consumer_name_key, consumer_id, consumer_version, module_version, consumer_type)
    WHERE in_published = 1;
CREATE INDEX flow_dependencies_checked_in ON flow_dependencies
    (org_id, module_id, consumer_name_key, consumer_id, consumer_version, module_version, consumer_type)
    WHERE in_checked_in = 1;
CREATE INDEX flow_dependencies_current ON flow_dependencies
    (org_id, module_id, consumer_name_key, consumer_id, consumer_version, module_version, consumer_type)
    WHERE in_current = 1;

CREATE TRIGGER flow_dependencies_describe AFTER INSERT ON flow_dependencies
BEGIN
    UPDATE flow_dependencies SET
        consumer_type = (SELECT flow_type FROM flows WHERE id = NEW.consumer_id),
        consumer_name_key = (SELECT name_key FROM flows WHERE id = NEW.consumer_id),
        in_published = (SELECT deleted = 0 AND published_version IS NEW.consumer_version
                        FROM flows WHERE id = NEW.consumer_id),
        in_checked_in = (SELECT deleted = 0 AND checked_in_version IS NEW.consumer_version
                         FROM flows WHERE id = NEW.consumer_id),
        in_current = (SELECT deleted = 0 AND (published_version IS NEW.consumer_version
                             OR checked_in_version IS NEW.consumer_version
                             OR saved_version IS NEW.consumer_version)
                      FROM flows WHERE id = NEW.consumer_id)
    WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER flows_dependency_roles
AFTER UPDATE OF name_key, deleted, published_version, checked_in_version, saved_version ON flows
WHEN OLD.name_key IS NOT NEW.name_key OR OLD.deleted IS NOT NEW.deleted
    OR OLD.published_version IS NOT NEW.published_version
    OR OLD.checked_in_version IS NOT NEW.checked_in_version
    OR OLD.saved_version IS NOT NEW.saved_version
BEGIN
    UPDATE flow_dependencies SET
        consumer_name_key = NEW.name_key,
        in_published = (NEW.deleted = 0 AND consumer_version IS NEW.published_version),
        in_checked_in = (NEW.deleted = 0 AND consumer_version IS NEW.checked_in_version),
        in_current = (NEW.deleted = 0 AND (consumer_version IS NEW.published_version
                      OR consumer_version IS NEW.checked_in_version
                      OR consumer_version IS NEW.saved_version))
    WHERE consumer_id = NEW.id;
END;
