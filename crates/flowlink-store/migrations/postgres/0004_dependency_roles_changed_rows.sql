-- A change to a flow's name, pointers or deleted flag re-describes only those of its
-- dependency rows whose description changes (in practice the rows of the versions a pointer
-- left and reached), not every row of every version it ever had: a flow linked k times has
-- O(k^2) rows, and rewriting them all on each write made a PUT's cost (and the table's dead
-- tuples) grow with the flow's history. The rows left alone already hold exactly these values.

CREATE OR REPLACE FUNCTION flowlink_dependency_roles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE flow_dependencies SET
        consumer_name_key = NEW.name_key,
        in_published = (NOT NEW.deleted AND consumer_version IS NOT DISTINCT FROM NEW.published_version),
        in_checked_in = (NOT NEW.deleted AND consumer_version IS NOT DISTINCT FROM NEW.checked_in_version),
        in_current = (NOT NEW.deleted AND (consumer_version IS NOT DISTINCT FROM NEW.published_version
                      OR consumer_version IS NOT DISTINCT FROM NEW.checked_in_version
                      OR consumer_version IS NOT DISTINCT FROM NEW.saved_version))
    WHERE consumer_id = NEW.id
      AND (consumer_name_key IS DISTINCT FROM NEW.name_key
           OR in_published IS DISTINCT FROM
              (NOT NEW.deleted AND consumer_version IS NOT DISTINCT FROM NEW.published_version)
           OR in_checked_in IS DISTINCT FROM
              (NOT NEW.deleted AND consumer_version IS NOT DISTINCT FROM NEW.checked_in_version)
           OR in_current IS DISTINCT FROM
              (NOT NEW.deleted AND (consumer_version IS NOT DISTINCT FROM NEW.published_version
                                    OR consumer_version IS NOT DISTINCT FROM NEW.checked_in_version
                                    OR consumer_version IS NOT DISTINCT FROM NEW.saved_version)));
    RETURN NULL;
END
$$;
