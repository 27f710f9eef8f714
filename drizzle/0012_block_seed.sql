CREATE TABLE "block_seed" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"prefect_version" varchar NOT NULL,
	"document" json NOT NULL,
	CONSTRAINT "block_seed_one_row" CHECK ("block_seed"."id" = 1)
);
