ALTER TYPE "public"."style_source" ADD VALUE 'packshot';--> statement-breakpoint
ALTER TABLE "photoshoot_drafts" ADD COLUMN "marketplace" text;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "marketplace" text;--> statement-breakpoint
ALTER TABLE "processed_images" ADD COLUMN "compliance" jsonb;