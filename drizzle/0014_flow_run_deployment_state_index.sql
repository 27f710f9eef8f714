DROP INDEX "ix_flow_run__deployment_id";--> statement-breakpoint
CREATE INDEX "ix_flow_run__deployment_id_state_type" ON "flow_run" USING btree ("deployment_id","state_type");