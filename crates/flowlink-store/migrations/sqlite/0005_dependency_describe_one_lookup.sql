-- A new dependency row is described from its consumer's row in one lookup, not one per column:
-- the store writes a version's dependency rows after the flow row's new pointers (so they are
-- described as they end up), one row per module call, thousands per bulk link. Same values as
-- 0002's trigger (PostgreSQL sets them in a BEFORE INSERT trigger, which SQLite cannot).

DROP TRIGGER flow_dependencies_describe;

CREATE TRIGGER flow_dependencies_describe AFTER INSERT ON flow_dependencies
BEGIN
    UPDATE flow_dependencies SET
        (consumer_type, consumer_name_key, in_published, in_checked_in, in_current) = (
            SELECT flow_type, name_key,
                   deleted = 0 AND published_version IS NEW.consumer_version,
                   deleted = 0 AND checked_in_version IS NEW.consumer_version,
                   deleted = 0 AND (published_version IS NEW.consumer_version
                                    OR checked_in_version IS NEW.consumer_version
                                    OR saved_version IS NEW.consumer_version)
            FROM flows WHERE id = NEW.consumer_id)
    WHERE rowid = NEW.rowid;
END;
