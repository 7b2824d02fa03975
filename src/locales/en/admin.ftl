# Admin screens, ledger reasons and order lines
ledger-signup_bonus = welcome gift
ledger-photoshoot_reserve = photoshoot #{ $id } reserved
ledger-photoshoot_release = photoshoot #{ $id } returned (nothing delivered)
ledger-purchase = purchase, order #{ $id }
ledger-refund = refund, order #{ $id }
ledger-admin_grant = gift from our team
# An order's status and a payment's flag in words ($status, $reason: the codes)
order-status = { $status ->
    [all] all
    [pending] pending
    [paid] paid
    [refunded] refunded
    [canceled] canceled
    [failed] failed
   *[other] { $status }
}
payment-flag = { $reason ->
    [paid_after_expiry] paid after its invoice expired
    [unknown_order] the payment matches no order
    [order_not_pending] its order was no longer awaiting payment
    [other_payer] paid by someone other than the order's buyer
    [wrong_amount] the amount differs from the order's price
   *[other] { $reason }
}
order-line = #{ $id } · { photoshoots } · { $stars } ⭐ · { order-status } · { $date }{ $flag }
order-flag = {" "}· ⚠️ { payment-flag }
admin-refund-usage = Usage: /refund <order number or charge id>
admin-refund-unknown = No order matches “{ $reference }”.
admin-refund-done = ↩️ Order #{ $order } refunded: { $stars } ⭐ returned; { $debited } of its { $bought ->
    [one] { $bought } bought photoshoot
   *[other] { $bought } bought photoshoots
} taken back, { $shortfall } already used.{ $running ->
    [0] {""}
   *[other] {" "}Of those, { $running } still running: if one delivers nothing, its photoshoot is not returned.
} The seller's balance: { $balance } ({ $paid } bought, { $free } free).
admin-refund-already = Order #{ $order } is already refunded. Nothing more to do.
admin-refund-not-paid = Order #{ $order } is { order-status }; only paid orders can be refunded.
admin-refund-failed = Telegram did not refund order #{ $order }: { $reason }
admin-payment-flagged = ⚠️ Payment needs attention ({ payment-flag }): order #{ $order }, from { $user }, { $stars } ⭐, { $photoshoots ->
    [one] { $photoshoots } photoshoot
   *[other] { $photoshoots } photoshoots
} credited. Charge: { $charge }
admin-payment-unrecorded = 🚨 A payment could not be recorded and will not be retried: from { $user }, { $stars } ⭐, charge { $charge }. Check it in the bot's Stars transactions and credit it as a purchase:
    { $command }
admin-refund-unknown-charge = ⚠️ Telegram reported a refund of { $stars } ⭐ (charge { $charge }) to { $user } that matches no paid order.
admin-support-request =
    💬 Payment support request from { $user }:
    { $text }

    Recent orders:
    { $orders }

    Answer with /reply <user id> <text>.
admin-support-no-orders = none
admin-reply-usage = Usage: /reply <telegram user id> <text>
admin-reply-sent = Sent to { $user }.
admin-reply-failed = Could not send to { $user }: { $reason }
command-stats = Business statistics
command-user = One user's details
command-grant = Give a user photoshoots
command-orders = Orders by status
command-refund = Refund an order
command-reply = Answer a support request
admin-stats =
    📊 Statistics ({ $source ->
        [cached] cached
       *[fresh] fresh
    }, { $at })

    👤 Users: { $usersTotal } · new today { $usersToday } · new 7 days { $usersWeek } · active 7 days { $usersActive }
    📸 Photoshoots: { $photoshootsTotal } · today { $photoshootsToday } · failed { $photoshootsFailed }
    🖼 Images: { $imagesTotal } · today { $imagesToday } · failed { $imagesFailed } · free { $imagesFree } · paid { $imagesPaid }
    🧾 Orders: { $ordersTotal } · paid { $ordersPaid } · pending { $ordersPending } · refunded { $ordersRefunded }
    ⭐ Revenue: { $revenueTotal } · today { $revenueToday } · 30 days { $revenueMonth }
    🤖 AI spend: ${ NUMBER($aiToday, minimumFractionDigits: 2, maximumFractionDigits: 2) } today · ${ NUMBER($aiMonth, minimumFractionDigits: 2, maximumFractionDigits: 2) } 30 days (images: { $aiImages }, per photoshoot: { $aiPerPhotoshoot ->
        [none] —
       *[other] ${ NUMBER($aiPerPhotoshoot, minimumFractionDigits: 2, maximumFractionDigits: 2) }
    })
    💳 Photoshoots on balances: { $outstanding }

    Top styles:
    { $top }
admin-user-usage = Usage: /user <telegram id or @username>
admin-user-unknown = No user “{ $user }”.
admin-user =
    👤 { $user } · language { $language }
    Joined { $joined } · last seen { $seen }
    Balance: { $balance } ({ $bought } bought, { $free } free)
    Photoshoots: { $photoshoots } (done { $photoshootsDone }, failed { $photoshootsFailed }) · last { $lastPhotoshoot }
    Images: done { $imagesDone }, failed { $imagesFailed }
    Top styles: { $styles }
    Aspect ratios: { $ratios }
    Saved styles: { $saved }
    Orders: { $orders } (paid { $paid }) · spent { $spent } ⭐
    AI cost: ${ NUMBER($aiCost, minimumFractionDigits: 2, maximumFractionDigits: 2) } over their last { $aiPhotoshoots ->
        [one] photoshoot
       *[other] { $aiPhotoshoots } photoshoots
    } · per photoshoot: { $aiPerPhotoshoot ->
        [none] —
       *[other] ${ NUMBER($aiPerPhotoshoot, minimumFractionDigits: 2, maximumFractionDigits: 2) }
    }
    Last balance changes:
    { $ledger }
admin-grant-usage = Usage: /grant <telegram id or @username> <photoshoots, 1 to { $max }>
admin-grant-done = 🎁 Granted { photoshoots } to { $user }. Their balance is now { $balance }.
admin-orders-usage = Usage: /orders [status] [page]; status is all or one of { $statuses }.
admin-orders-title = 🧾 Orders ({ order-status }), page { $page }, newest first:
admin-orders-line = #{ $id } · { order-status } · { $stars } ⭐ · { photoshoots } · { $date } · { $user }{ $flag }
admin-orders-empty = No orders ({ order-status }).
admin-orders-beyond = No orders ({ order-status }) on page { $page }.
button-first-page = « First page
admin-payment-waiting = 🚨 A payment is still not recorded after { $minutes } min (the database cannot be reached): from { $user }, { $stars } ⭐, charge { $charge }. The bot keeps retrying and will credit it by itself; if it cannot, credit it as a purchase:
    { $command }
admin-payment-recovered = ✅ The delayed payment (charge { $charge }, from { $user }, { $stars } ⭐) is now recorded by the bot: order #{ $order }. No /credit needed.
command-credit = Credit a Stars payment by its charge id
admin-credit-usage = Usage: /credit <charge id> <stars> <user's telegram id> [invoice payload], as in the bot's Stars transaction (getStarTransactions: id, amount, source.user.id, source.invoice_payload).
admin-credit-unknown-user = No user with Telegram id { $user } has started the bot; nothing was credited.
admin-credit-done = ✅ Charge { $charge } credited as a purchase: order #{ $order }, { $stars } ⭐, { photoshoots } for { $user }; their balance is { $balance }.{ $flag }
admin-credit-flag = {" "}Flag: { payment-flag }.
admin-credit-duplicate = Charge { $charge } is already recorded (order #{ $order }, { order-status }). Nothing more credited.
admin-generation-unconfigured = ⚙️ Photoshoots cannot be generated: { $variable } is not set. Sellers are told before anything is charged. Set { $variable } in the bot's environment (or .env) and restart the bot.
admin-upstream-incident = 🚨 The { $upstream } service refuses the bot's account: { $reason }. Photoshoots are refused before any charge until it works again; the bot retries every { $seconds } s and says when it recovers.
admin-upstream-recovered = ✅ The { $upstream } service works again (out for about { $minutes } min). Photoshoots are accepted.
help-admin =
    🛠 Admin commands (only admins see this part):
    /stats – business figures (/stats fresh recomputes them)
    /user <telegram id or @username> – one seller's details
    /grant <telegram id or @username> <photoshoots> – give a seller photoshoots
    /orders [status] [page] – orders, newest first
    /refund <order number or charge id> – refund an order's Stars
    /credit <charge id> <stars> <telegram id> [invoice payload] – record a Stars payment the bot missed
    /reply <telegram id> <text> – answer a support request
    /gallery – the style gallery sellers see (/gallery build as the caption of a sample product photo makes the missing examples, /gallery rebuild all of them)
