DROP INDEX "ix_deployment__name";--> statement-breakpoint
DROP INDEX "ix_deployment__work_queue_id";--> statement-breakpoint
CREATE INDEX "ix_deployment__name_id" ON "deployment" USING btree ("name","id");--> statement-breakpoint
CREATE INDEX "ix_deployment__work_queue_id_name" ON "deployment" USING btree ("work_queue_id","name","id");