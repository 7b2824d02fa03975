CREATE TYPE "public"."credit_state" AS ENUM('reserved', 'committed', 'released', 'free');--> statement-breakpoint
CREATE TYPE "public"."style_source" AS ENUM('analysis', 'random', 'saved', 'same', 'retry');--> statement-breakpoint
CREATE TABLE "photoshoot_drafts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "photoshoot_drafts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"chat_id" bigint NOT NULL,
	"photos" jsonb NOT NULL,
	"aspect_ratio" text,
	"style_source" "style_source",
	"styles" jsonb,
	"submitted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "saved_styles" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "saved_styles_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"slot" integer NOT NULL,
	"name" text NOT NULL,
	"scene" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "saved_styles_slot_range" CHECK ("saved_styles"."slot" between 1 and 4)
);
--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "chat_id" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "source_file_unique_id" text;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "style_source" "style_source" DEFAULT 'analysis' NOT NULL;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "credit_state" "credit_state" DEFAULT 'reserved' NOT NULL;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "batch_id" text;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "parent_id" integer;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "heartbeat_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "progress_message_id" bigint;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "cancel_requested" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "processed_images" ADD COLUMN "position" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "processed_images" ADD COLUMN "preview_file_id" text;--> statement-breakpoint
ALTER TABLE "photoshoot_drafts" ADD CONSTRAINT "photoshoot_drafts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "saved_styles" ADD CONSTRAINT "saved_styles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_photoshoot_drafts_user" ON "photoshoot_drafts" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_saved_styles_user_slot" ON "saved_styles" USING btree ("user_id","slot");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_photoshoots_one_active_per_user" ON "photoshoots" USING btree ("user_id") WHERE "photoshoots"."status" in ('queued', 'running') and "photoshoots"."batch_id" is null;--> statement-breakpoint
CREATE INDEX "idx_photoshoots_queue" ON "photoshoots" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "idx_photoshoots_user_created" ON "photoshoots" USING btree ("user_id","created_at");