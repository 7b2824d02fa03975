DROP INDEX "idx_processed_images_user_style";--> statement-breakpoint
CREATE INDEX "idx_users_username_lower" ON "users" USING btree (lower("username"));--> statement-breakpoint
CREATE INDEX "idx_processed_images_user_style" ON "processed_images" USING btree ("user_id","style","aspect_ratio","status");