-- A change to a flow's name, pointers or deleted flag re-describes only those of its
-- dependency rows whose description changes (in practice the rows of the versions a pointer
-- left and reached), not every row of every version it ever had: a flow linked k times has
-- O(k^2) rows, and rewriting them all (with their five indexes) on each write made a PUT's
-- cost grow with the flow's history. The rows left alone already hold exactly these values.

DROP TRIGGER flows_dependency_roles;

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
    WHERE consumer_id = NEW.id
      AND (consumer_name_key IS NOT NEW.name_key
           OR in_published IS NOT (NEW.deleted = 0 AND consumer_version IS NEW.published_version)
           OR in_checked_in IS NOT (NEW.deleted = 0 AND consumer_version IS NEW.checked_in_version)
           OR in_current IS NOT (NEW.deleted = 0 AND (consumer_version IS NEW.published_version
                                 OR consumer_version IS NEW.checked_in_version
                                 OR consumer_version IS NEW.saved_version)));
END;
