-- Every event stored while an enabled automation exists waits in automation_event_queue for the
-- trigger evaluator (src/events/automations/). A statement trigger sees the rows of any INSERT into
-- event (ingestion and the server-side emitters that insert events in CTEs) and only rows that were
-- really inserted (ON CONFLICT DO NOTHING skips resent ids), in the writer's transaction.
CREATE OR REPLACE FUNCTION enqueue_events_for_automations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM automation WHERE enabled) THEN
    INSERT INTO automation_event_queue (event_id, occurred)
    SELECT id, occurred FROM new_events
    ON CONFLICT (event_id) DO NOTHING;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER event_enqueue_for_automations
AFTER INSERT ON event
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION enqueue_events_for_automations();
