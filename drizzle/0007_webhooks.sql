CREATE TABLE "webhook" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"description" varchar DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"template" text NOT NULL,
	"service_account_id" uuid,
	"slug" varchar NOT NULL,
	"window_start" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"window_hits" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "uq_webhook__slug" ON "webhook" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "ix_webhook__name" ON "webhook" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_webhook__updated" ON "webhook" USING btree ("updated");