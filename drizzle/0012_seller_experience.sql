CREATE TABLE "style_gallery" (
	"style_key" text PRIMARY KEY NOT NULL,
	"file_id" text NOT NULL,
	"built_at" timestamp with time zone DEFAULT now() NOT NULL,
	"built_by" integer
);
--> statement-breakpoint
ALTER TABLE "photoshoot_drafts" ADD COLUMN "wish" text;--> statement-breakpoint
ALTER TABLE "photoshoot_drafts" ADD COLUMN "message_id" integer;--> statement-breakpoint
ALTER TABLE "photoshoot_drafts" ADD COLUMN "waiting_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "source_message_id" integer;--> statement-breakpoint
ALTER TABLE "saved_styles" ADD COLUMN "content_hash" text;--> statement-breakpoint
ALTER TABLE "saved_styles" ADD COLUMN "example_file_id" text;--> statement-breakpoint
ALTER TABLE "style_gallery" ADD CONSTRAINT "style_gallery_built_by_users_id_fk" FOREIGN KEY ("built_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_photoshoot_drafts_waiting" ON "photoshoot_drafts" USING btree ("user_id") WHERE "photoshoot_drafts"."waiting_since" is not null and "photoshoot_drafts"."submitted_at" is null;--> statement-breakpoint
-- The content of each saved style; a later duplicate of one already saved keeps a null hash (still listed once).
UPDATE "saved_styles" AS s SET "content_hash" = d."hash"
FROM (
	SELECT "id", md5(lower(regexp_replace(btrim("scene"), '\s+', ' ', 'g'))) AS "hash",
		row_number() OVER (PARTITION BY "user_id", md5(lower(regexp_replace(btrim("scene"), '\s+', ' ', 'g'))) ORDER BY "slot") AS "n"
	FROM "saved_styles"
) AS d
WHERE s."id" = d."id" AND d."n" = 1;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_saved_styles_user_content" ON "saved_styles" USING btree ("user_id","content_hash");