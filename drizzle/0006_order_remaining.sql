ALTER TABLE "orders" ADD COLUMN "remaining" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD COLUMN "order_id" integer;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD CONSTRAINT "photoshoots_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_photoshoots_order" ON "photoshoots" USING btree ("order_id") WHERE "photoshoots"."order_id" is not null;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_remaining_range" CHECK ("orders"."remaining" between 0 and "orders"."photoshoots");