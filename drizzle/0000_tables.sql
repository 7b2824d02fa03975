CREATE TYPE "public"."image_status" AS ENUM('pending', 'done', 'failed');--> statement-breakpoint
CREATE TYPE "public"."ledger_reason" AS ENUM('signup_bonus', 'photoshoot_reserve', 'photoshoot_release', 'purchase', 'refund', 'admin_grant');--> statement-breakpoint
CREATE TYPE "public"."order_status" AS ENUM('pending', 'paid', 'refunded', 'canceled', 'failed');--> statement-breakpoint
CREATE TYPE "public"."photoshoot_status" AS ENUM('queued', 'running', 'done', 'failed', 'canceled');--> statement-breakpoint
CREATE TABLE "balance_ledger" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "balance_ledger_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"delta" integer NOT NULL,
	"reason" "ledger_reason" NOT NULL,
	"reference" text,
	"balance_after" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "balance_ledger_delta_non_zero" CHECK ("balance_ledger"."delta" <> 0)
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "orders_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"package_code" text NOT NULL,
	"amount" integer NOT NULL,
	"photoshoots" integer NOT NULL,
	"status" "order_status" DEFAULT 'pending' NOT NULL,
	"invoice_payload" text NOT NULL,
	"telegram_payment_charge_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"paid_at" timestamp with time zone,
	"refunded_at" timestamp with time zone,
	CONSTRAINT "orders_invoice_payload_unique" UNIQUE("invoice_payload"),
	CONSTRAINT "orders_telegram_payment_charge_id_unique" UNIQUE("telegram_payment_charge_id"),
	CONSTRAINT "orders_amount_positive" CHECK ("orders"."amount" > 0),
	CONSTRAINT "orders_photoshoots_positive" CHECK ("orders"."photoshoots" > 0)
);
--> statement-breakpoint
CREATE TABLE "photoshoots" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "photoshoots_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"status" "photoshoot_status" DEFAULT 'queued' NOT NULL,
	"aspect_ratio" text NOT NULL,
	"source_file_id" text NOT NULL,
	"is_free" boolean DEFAULT false NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "processed_images" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "processed_images_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"photoshoot_id" integer,
	"order_id" integer,
	"style" text NOT NULL,
	"prompt" text,
	"aspect_ratio" text NOT NULL,
	"is_free" boolean DEFAULT false NOT NULL,
	"source_file_id" text,
	"result_file_id" text,
	"status" "image_status" DEFAULT 'pending' NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "users_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"telegram_id" bigint NOT NULL,
	"username" text,
	"first_name" text,
	"last_name" text,
	"language_code" text,
	"locale" text,
	"balance" integer DEFAULT 0 NOT NULL,
	"images_processed" integer DEFAULT 0 NOT NULL,
	"start_payload" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_telegram_id_unique" UNIQUE("telegram_id"),
	CONSTRAINT "users_balance_non_negative" CHECK ("users"."balance" >= 0),
	CONSTRAINT "users_images_processed_non_negative" CHECK ("users"."images_processed" >= 0)
);
--> statement-breakpoint
ALTER TABLE "balance_ledger" ADD CONSTRAINT "balance_ledger_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "photoshoots" ADD CONSTRAINT "photoshoots_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "processed_images" ADD CONSTRAINT "processed_images_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "processed_images" ADD CONSTRAINT "processed_images_photoshoot_id_photoshoots_id_fk" FOREIGN KEY ("photoshoot_id") REFERENCES "public"."photoshoots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "processed_images" ADD CONSTRAINT "processed_images_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_balance_ledger_user_created" ON "balance_ledger" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_balance_ledger_signup_bonus" ON "balance_ledger" USING btree ("user_id") WHERE "balance_ledger"."reason" = 'signup_bonus';--> statement-breakpoint
CREATE INDEX "idx_processed_images_photoshoot" ON "processed_images" USING btree ("photoshoot_id");