CREATE INDEX "idx_orders_created" ON "orders" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "idx_orders_paid" ON "orders" USING btree ("paid_at");--> statement-breakpoint
CREATE INDEX "idx_orders_status_created" ON "orders" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "idx_orders_user_status" ON "orders" USING btree ("user_id","status");--> statement-breakpoint
CREATE INDEX "idx_processed_images_created" ON "processed_images" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "idx_processed_images_user_created" ON "processed_images" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "idx_processed_images_style" ON "processed_images" USING btree ("style");--> statement-breakpoint
CREATE INDEX "idx_processed_images_user_style" ON "processed_images" USING btree ("user_id","style");