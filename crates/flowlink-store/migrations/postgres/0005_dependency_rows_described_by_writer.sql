-- A dependency row the store inserts already described (a write knows its flow's row as just
-- written: type, name key and pointers) skips the describe trigger, whose per-row function
-- re-read the consumer's row: a bulk link of a thousand flows ran it thousands of times. Rows
-- inserted undescribed (consumer_type still '') are described as before. Same values either
-- way (0002). Same change as SQLite's 0006.

DROP TRIGGER flow_dependencies_describe ON flow_dependencies;

CREATE TRIGGER flow_dependencies_describe BEFORE INSERT ON flow_dependencies
    FOR EACH ROW WHEN (NEW.consumer_type = '')
    EXECUTE FUNCTION flowlink_dependency_describe();
