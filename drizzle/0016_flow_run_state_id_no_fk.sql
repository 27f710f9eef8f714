ALTER TABLE "flow_run" DROP CONSTRAINT "flow_run_state_id_flow_run_state_id_fk";
