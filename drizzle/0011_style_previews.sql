CREATE TABLE "style_previews" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "style_previews_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"draft_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"chat_id" bigint NOT NULL,
	"message_id" integer NOT NULL,
	"locale" text NOT NULL,
	"file_id" text NOT NULL,
	"file_unique_id" text NOT NULL,
	"aspect_ratio" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"owner" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"heartbeat_at" timestamp with time zone,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "style_previews_status" CHECK ("style_previews"."status" in ('queued', 'running', 'done', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "style_previews" ADD CONSTRAINT "style_previews_draft_id_photoshoot_drafts_id_fk" FOREIGN KEY ("draft_id") REFERENCES "public"."photoshoot_drafts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "style_previews" ADD CONSTRAINT "style_previews_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_style_previews_active_draft" ON "style_previews" USING btree ("draft_id") WHERE "style_previews"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "idx_style_previews_queued" ON "style_previews" USING btree ("id") WHERE "style_previews"."status" = 'queued';