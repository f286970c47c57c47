-- A dependency row the store writes already described (a single-flow write knows its flow's row
-- as just written: type, name key and pointers) skips the describe trigger, which re-read the
-- consumer's row and rewrote the new row with its five indexes: half a PUT's dependency cost.
-- Rows inserted undescribed (consumer_type still '') are described as before, from the
-- consumer's row. Same values either way (0002, 0005).

DROP TRIGGER flow_dependencies_describe;

CREATE TRIGGER flow_dependencies_describe AFTER INSERT ON flow_dependencies
WHEN NEW.consumer_type = ''
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
