CREATE TABLE "block_document" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"data" json DEFAULT '{}'::json NOT NULL,
	"is_anonymous" boolean DEFAULT false NOT NULL,
	"block_type_name" varchar,
	"block_type_id" uuid NOT NULL,
	"block_schema_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "block_document_reference" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"parent_block_document_id" uuid NOT NULL,
	"reference_block_document_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "block_schema" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"checksum" varchar NOT NULL,
	"fields" json DEFAULT '{}'::json NOT NULL,
	"capabilities" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"version" varchar DEFAULT 'non-versioned' NOT NULL,
	"block_type_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "block_schema_reference" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"parent_block_schema_id" uuid NOT NULL,
	"reference_block_schema_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "block_type" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"slug" varchar NOT NULL,
	"logo_url" varchar,
	"documentation_url" varchar,
	"description" varchar,
	"code_example" varchar,
	"is_protected" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
ALTER TABLE "block_document" ADD CONSTRAINT "block_document_block_type_id_block_type_id_fk" FOREIGN KEY ("block_type_id") REFERENCES "public"."block_type"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "block_document" ADD CONSTRAINT "block_document_block_schema_id_block_schema_id_fk" FOREIGN KEY ("block_schema_id") REFERENCES "public"."block_schema"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "block_document_reference" ADD CONSTRAINT "block_document_reference_parent_block_document_id_block_document_id_fk" FOREIGN KEY ("parent_block_document_id") REFERENCES "public"."block_document"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "block_document_reference" ADD CONSTRAINT "block_document_reference_reference_block_document_id_block_document_id_fk" FOREIGN KEY ("reference_block_document_id") REFERENCES "public"."block_document"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "block_schema" ADD CONSTRAINT "block_schema_block_type_id_block_type_id_fk" FOREIGN KEY ("block_type_id") REFERENCES "public"."block_type"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "block_schema_reference" ADD CONSTRAINT "block_schema_reference_parent_block_schema_id_block_schema_id_fk" FOREIGN KEY ("parent_block_schema_id") REFERENCES "public"."block_schema"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "block_schema_reference" ADD CONSTRAINT "block_schema_reference_reference_block_schema_id_block_schema_id_fk" FOREIGN KEY ("reference_block_schema_id") REFERENCES "public"."block_schema"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_block__type_id_name" ON "block_document" USING btree ("block_type_id","name");--> statement-breakpoint
CREATE INDEX "ix_block_document__name" ON "block_document" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_block_document__is_anonymous" ON "block_document" USING btree ("is_anonymous");--> statement-breakpoint
CREATE INDEX "ix_block_document__block_type_name__name" ON "block_document" USING btree ("block_type_name","name");--> statement-breakpoint
CREATE INDEX "ix_block_document__block_schema_id" ON "block_document" USING btree ("block_schema_id");--> statement-breakpoint
CREATE INDEX "ix_block_document_reference__parent" ON "block_document_reference" USING btree ("parent_block_document_id");--> statement-breakpoint
CREATE INDEX "ix_block_document_reference__reference" ON "block_document_reference" USING btree ("reference_block_document_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_block_schema__checksum_version" ON "block_schema" USING btree ("checksum","version");--> statement-breakpoint
CREATE INDEX "ix_block_schema__block_type_id" ON "block_schema" USING btree ("block_type_id");--> statement-breakpoint
CREATE INDEX "ix_block_schema__created" ON "block_schema" USING btree ("created");--> statement-breakpoint
CREATE INDEX "ix_block_schema__capabilities" ON "block_schema" USING gin ("capabilities");--> statement-breakpoint
CREATE INDEX "ix_block_schema_reference__parent" ON "block_schema_reference" USING btree ("parent_block_schema_id");--> statement-breakpoint
CREATE INDEX "ix_block_schema_reference__reference" ON "block_schema_reference" USING btree ("reference_block_schema_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_block_type__slug" ON "block_type" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "ix_block_type__name" ON "block_type" USING btree ("name");