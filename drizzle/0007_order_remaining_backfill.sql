-- Bought photoshoots still on each balance, as the old rule counted them: min(balance,
-- purchases - refunds). They are attributed to the user's newest paid orders (free credits were
-- spent first, so what is left of the bought ones came last).
WITH "paid_left" AS (
  SELECT "u"."id" AS "user_id",
         least("u"."balance", greatest(0, coalesce((
           SELECT sum("l"."delta") FROM "balance_ledger" "l"
            WHERE "l"."user_id" = "u"."id" AND "l"."reason" IN ('purchase', 'refund')), 0)))::int AS "left"
    FROM "users" "u"
), "newest_first" AS (
  SELECT "o"."id", "o"."user_id", "o"."photoshoots",
         coalesce(sum("o"."photoshoots") OVER (PARTITION BY "o"."user_id" ORDER BY "o"."paid_at" DESC NULLS LAST, "o"."id" DESC
                                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::int AS "newer"
    FROM "orders" "o" WHERE "o"."status" = 'paid'
)
UPDATE "orders" SET "remaining" = greatest(0, least("n"."photoshoots", "p"."left" - "n"."newer"))
  FROM "newest_first" "n" JOIN "paid_left" "p" ON "p"."user_id" = "n"."user_id"
 WHERE "orders"."id" = "n"."id";
--> statement-breakpoint
-- A photoshoot in flight that was paid with a bought credit takes that credit from the newest
-- paid order with photoshoots already spent, so its release returns it to that order.
WITH "spent" AS (
  SELECT "id", "user_id", "photoshoots" - "remaining" AS "spent",
         sum("photoshoots" - "remaining") OVER (PARTITION BY "user_id" ORDER BY "paid_at" DESC NULLS LAST, "id" DESC)::int AS "upto"
    FROM "orders" WHERE "status" = 'paid'
), "in_flight" AS (
  SELECT "id", "user_id", row_number() OVER (PARTITION BY "user_id" ORDER BY "id")::int AS "k"
    FROM "photoshoots" WHERE "credit_state" = 'reserved' AND NOT "is_free"
)
UPDATE "photoshoots" SET "order_id" = "s"."id"
  FROM "in_flight" "j" JOIN "spent" "s" ON "s"."user_id" = "j"."user_id" AND "j"."k" > "s"."upto" - "s"."spent" AND "j"."k" <= "s"."upto"
 WHERE "photoshoots"."id" = "j"."id";
