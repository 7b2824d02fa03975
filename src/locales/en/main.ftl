# Commands shown in Telegram's menu
command-start = Start the bot
command-help = How it works
command-language = Change language

photoshoots = { $count ->
    [one] { $count } photoshoot
   *[other] { $count } photoshoots
}

language-choose = Choose your language:
language-changed = Language set to English.

unhandled-message = I did not understand that. Send me a photo of your product, or /help to see what I can do.
payment-unavailable = This purchase is not available. Nothing was charged. Please open /start and try again.
button-expired = This button is no longer active.
error-generic = Sorry, something went wrong on our side. Nothing was charged. Please try again in a moment.

progress-queued = ⏳ Your photoshoot is in the queue: position { $position }, about { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}.
progress-analysing = 🔍 Analysing the product…
progress-generating = 🎨 Generating { $done }/{ $total }…
progress-delivering = 📤 Sending the results…
progress-done = ✅ Your photoshoot is ready: { $count ->
    [one] { $count } image
   *[other] { $count } images
} above, as previews and as PNG files.
progress-partial = ✅ { $delivered } of { $total ->
    [one] { $total } image
   *[other] { $total } images
} { $delivered ->
    [one] is
   *[other] are
} ready. { $failed ->
    [one] The other style failed; you can retry it for free.
   *[other] The other { $failed } styles failed; you can retry them for free.
}
progress-failed = 😔 We could not generate your photoshoot. Nothing was charged; please try again.
progress-busy = 🛠 The AI service is busy right now. Nothing was charged; please try again in about { $seconds ->
    [one] { $seconds } second
   *[other] { $seconds } seconds
}.
progress-canceled = ✖️ Photoshoot cancelled. { $charged ->
    [yes] Images already delivered were charged.
   *[no] Nothing was sent or charged; images already made were discarded.
}
progress-rejected = 🚫 { $reason } Nothing was charged.
photo-not-an-image = This file is not an image. Please send a JPEG, PNG or WebP photo of your product.
photo-unsupported-format = This image format is not supported. Please send a JPEG, PNG or WebP photo.
photo-too-many-pixels = This image is too large. Please send a photo of at most 40 megapixels.
photo-corrupt = This image is damaged or incomplete. Please send it again.
photo-too-big = This file is larger than 20 MB. Please send a smaller photo.

choose-ratio = 📐 Choose the aspect ratio of your photoshoot:
choose-source = 🎨 Where should the styles come from?
source-analysis = 🔍 Analyse my product
source-random = 🎲 Random creative styles
source-saved = ⭐ My saved styles
button-back = ← Back
button-generate = ✨ Generate
analysing-preview = 🔍 Analysing your product to suggest styles…
choose-saved = ⭐ Choose a saved style; you will get 4 variations of it:
no-saved-styles = You have no saved styles yet.
confirm =
    Styles: { $styles }
    Aspect ratio: { $ratio }
    Cost: 1 photoshoot. Your balance: { $balance }.
no-balance = You have no photoshoots left, so nothing was started.
already-running = You already have a photoshoot in progress. I will send the results as soon as it is ready.
not-your-button = This button is not yours.
preview-failed = I could not analyse this product. Try random creative styles, or send the photo again.

button-again = 🔁 Same styles again (1 photoshoot)
button-other = 🎨 Other styles
button-retry = ♻️ Retry failed styles (free)
button-save = ⭐ Save “{ $name }”
style-saved = ⭐ Saved “{ $name }”. Pick it under “My saved styles” next time.
styles-full = You already have 4 saved styles. Delete one with /styles first.
already-retried = These styles were already retried.
cancel-done = ✖️ { $count ->
    [1] Photoshoot cancelled.
   *[other] { $count } photoshoots cancelled.
} Nothing more will be sent (images already made are discarded) and nothing is charged. { $released ->
    [0] Your balance is unchanged: { $balance }.
   *[other] Returned to your balance: { $released }. Balance now: { $balance }.
}
command-cancel = Cancel the running photoshoot
command-balance = Your balance

history-empty = You have no finished photoshoots yet. Send a product photo to make one.
history-title = 🗂 Your photoshoots (newest first):
}
button-resend = 📥 Send #{ $id } again
button-prev = ← Newer
button-next = Older →
styles-empty = You have no saved styles. Save one with the ⭐ button under a finished photoshoot.
styles-title = ⭐ Your saved styles (at most 4):
button-delete-style = 🗑 Delete “{ $name }”
style-deleted = Style deleted.
command-history = Your earlier photoshoots
command-styles = Your saved styles

batch-offer = 📦 Batch mode: each photo gets its own photoshoot in the same styles, 1 photoshoot per photo.
confirm-batch =
    Styles: { $styles }
    Aspect ratio: { $ratio }
    Photos: { $photos }. Cost: { photoshoots-count }. Your balance: { $balance }.
photoshoots-count = { $photos ->
    [one] { $photos } photoshoot
   *[other] { $photos } photoshoots
}

# Packages and payments (Telegram Stars)
command-buy = Buy photoshoots
command-paysupport = Help with a payment
command-terms = Terms of sale
button-buy = 🛒 Buy photoshoots
package-changed = Prices have changed; here are the current packages.
invoice-title = { photoshoots }
invoice-description = { photoshoots } for your products. Each is four marketing images in the styles you choose, as previews and PNG files. Added to your balance right after payment.
payment-received = ✅ Payment received: { photoshoots } added. Your balance: { $balance }.
payment-delayed = ✅ We received your payment. Adding it to your balance is taking longer than usual; it will be added automatically, and I will tell you here as soon as it is.
checkout-unknown-order = This invoice is no longer valid. Please use /buy to get a new one.
checkout-not-yours = This invoice was made for another user. Please use /buy to get your own.
checkout-already-paid = This invoice has already been paid. See /balance.
checkout-expired = This invoice has expired. Please use /buy to get a new one.
checkout-wrong-currency = This invoice can only be paid in Telegram Stars.
checkout-wrong-amount = The amount does not match this invoice. Please use /buy to get a new one.
balance-summary = 💳 You have { photoshoots } left ({ $paid } bought, { $free } free).
balance-history = Recent changes:
refund-user = ↩️ Your payment for order #{ $order } ({ $stars } ⭐) was refunded. { $bought ->
    [one] Its one bought photoshoot { $debited ->
        [0] was already used, so nothing was removed
       *[other] was still unused and was removed
    }
   *[other] { $debited ->
        [0] None of its { $bought } bought photoshoots was still unused, so nothing was removed
        [one] { $debited } of its { $bought } bought photoshoots was still unused and was removed
       *[other] { $debited } of its { $bought } bought photoshoots were still unused and were removed
    }
}{ $used ->
    [0] {""}
   *[other] {" "}({ $used } already used)
}. Your balance: { $balance } ({ $paid } bought, { $free } free).
paysupport-prompt = 💬 Describe the problem with your payment in one message: what you bought, when, and what went wrong. I will pass it to our team with your recent orders, and they will answer you here. Refunds are explained in /terms.
paysupport-sent = 📨 Sent to our team. They will answer you in this chat.
paysupport-unavailable = Payment support cannot be reached right now. Please try again later.
support-reply = 💬 Our team: { $text }
terms =
    📄 Terms of sale

    1. You buy photoshoots in packages, paid with Telegram Stars. One photoshoot is one run on one product photo: four images in the chosen styles, as previews and PNG files.
    2. Photoshoots are added to your balance as soon as Telegram confirms the payment, and do not expire.
    3. A photoshoot is charged only when at least one image is delivered. If none can be made, the photoshoot returns to your balance automatically; failed styles can be retried for free.
    4. Refunds: write to /paysupport within 14 days of a purchase. Stars are refunded through Telegram; the photoshoots of that purchase not yet used are removed from your balance, and those already used are not charged again. Free and gifted photoshoots are always used before bought ones, and a refund never removes them.
    5. Images are generated by AI and may differ from the real product; check them before use. You are responsible for the photos you send and must have the right to use them.
    6. For questions about a payment use /paysupport. Telegram support cannot help with purchases made in this bot.

# Admins

# Saving a style under a name
style-name-prompt = ⭐ What should I call this style? Send a name of up to { $max ->
    [one] { $max } character
   *[other] { $max } characters
}, or keep “{ $name }”.
button-keep-name = Keep “{ $name }”
style-name-invalid = A name has 1 to { $max ->
    [one] { $max } character
   *[other] { $max } characters
}. Please send another one.

# Admin reports
grant-user = 🎁 Our team added { photoshoots } to your balance. Your balance: { $balance }.

# Payments the database could not take at once
payment-credited-late = ✅ Your payment is now on your balance: { photoshoots } added. Your balance: { $balance }.
payment-delayed-team = ✅ We received your payment. Adding it to your balance is taking longer than usual; our team has been told and will add it shortly.

# Generation not configured, style names
generation-unavailable-photo = ⚙️ Photoshoots cannot be made right now: the bot's image service is not set up yet. Nothing was charged. Please send your photo again later.
generation-unavailable = ⚙️ Photoshoots cannot be made right now: the bot's image service is not set up yet. Nothing was charged and your choices are kept: press the button again later.
style-name-invisible = This name has nothing visible in it, or it holds characters that change the text direction. Please send a name with ordinary letters, digits or emoji.

# Cancel
cancel-too-late = 📤 Too late to stop { $count ->
    [1] your photoshoot: it is already being sent and is charged as usual.
   *[other] { $count } photoshoots: they are already being sent and are charged as usual.
} Balance: { $balance }.

# Result buttons
result-not-offered = This button was not offered for this photoshoot.
retry-nothing-delivered = This photoshoot delivered nothing, so it was not charged and there is nothing to retry for free. Send the photo again to start a new one.
retry-nothing-failed = Every style of this photoshoot was delivered: there is nothing to retry.

# Database resilience
error-busy = ⏳ The service is busy right now. Nothing was charged and nothing you chose is lost: try the same step again in a moment.

# Styles the image service declined
progress-style-declined = 🚫 { $count ->
    [1] The image service declined the style { $styles } under its content rules; it was not charged.
   *[other] The image service declined { $count } styles ({ $styles }) under its content rules; they were not charged.
}

# What the free retry does with a declined style
retry-declined-neutral = Styles the image service declined are retried in a neutral studio scene.

# The image provider's pace and account incidents
progress-waiting-budget = ⏳ Waiting for the image service, about { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}.
generation-outage = ⚙️ The image service is unavailable right now. Nothing was charged and your choices are kept: press the button again later.
