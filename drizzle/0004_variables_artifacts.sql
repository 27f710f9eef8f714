CREATE TABLE "artifact" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"key" varchar,
	"type" varchar,
	"data" json,
	"description" varchar,
	"metadata_" json,
	"task_run_id" uuid,
	"flow_run_id" uuid
);
--> statement-breakpoint
CREATE TABLE "artifact_collection" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"key" varchar NOT NULL,
	"latest_id" uuid NOT NULL,
	"task_run_id" uuid,
	"flow_run_id" uuid,
	"type" varchar,
	"data" json,
	"description" varchar,
	"metadata_" json
);
--> statement-breakpoint
CREATE TABLE "variable" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"value" jsonb,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "ix_artifact__key" ON "artifact" USING btree ("key");--> statement-breakpoint
CREATE INDEX "ix_artifact__key_created_desc" ON "artifact" USING btree ("key","created" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_artifact__flow_run_id" ON "artifact" USING btree ("flow_run_id");--> statement-breakpoint
CREATE INDEX "ix_artifact__task_run_id" ON "artifact" USING btree ("task_run_id");--> statement-breakpoint
CREATE INDEX "ix_artifact__updated" ON "artifact" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_artifact_collection__key" ON "artifact_collection" USING btree ("key");--> statement-breakpoint
CREATE INDEX "ix_artifact_collection__key_latest_id" ON "artifact_collection" USING btree ("key","latest_id");--> statement-breakpoint
CREATE INDEX "ix_artifact_collection__updated" ON "artifact_collection" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_variable__name" ON "variable" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_variable__updated" ON "variable" USING btree ("updated");