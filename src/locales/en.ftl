# Commands shown in Telegram's menu
command-start = Start the bot
command-help = How it works
command-language = Change language

photoshoots = { $count ->
    [one] { $count } photoshoot
   *[other] { $count } photoshoots
}

welcome-new =
    Welcome, { $name }! 📸

    Send me a photo of your product and I will turn it into a professional photoshoot: four marketing images in different styles, as previews and as full-quality PNG files.

    You have { photoshoots } free to start with.

welcome-back =
    Welcome back, { $name }! 📸

    Send me a product photo to start a new photoshoot. Photoshoots left: { $balance }.

help =
    How it works:
    1. Send a photo of your product (as a photo or as an image file).
    2. Choose the aspect ratio and where the styles come from.
    3. Confirm, and receive four images as previews and PNG files.

    Commands:
    /start – start over
    /balance – photoshoots left
    /cancel – cancel the running photoshoot
    /history – earlier photoshoots
    /styles – saved styles
    /language – change language
    /help – this message

language-choose = Choose your language:
language-changed = Language set to English.

unhandled-message = I did not understand that. Send me a photo of your product, or /help to see what I can do.
payment-unavailable = This purchase is not available. Nothing was charged. Please open /start and try again.
button-expired = This button is no longer active.
error-generic = Sorry, something went wrong on our side. Nothing was charged. Please try again in a moment.

progress-queued = ⏳ Your photoshoot is in the queue: position { $position }, about { $minutes } min.
progress-analysing = 🔍 Analysing the product…
progress-generating = 🎨 Generating { $done }/{ $total }…
progress-delivering = 📤 Sending the results…
progress-done = ✅ Your photoshoot is ready: { $count } images above, as previews and as PNG files.
progress-partial = ✅ { $delivered } of { $total } images are ready. The other styles failed; you can retry them for free.
progress-failed = 😔 We could not generate your photoshoot. Nothing was charged; please try again.
progress-busy = 🛠 The AI service is busy right now. Nothing was charged; please try again in about { $seconds } s.
progress-canceled = ✖️ Photoshoot cancelled. { $charged ->
    [yes] Images already delivered were charged.
   *[no] Nothing was charged.
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
cancel-none = There is no photoshoot to cancel.
cancel-done = ✖️ Cancelled. { $released ->
    [0] Nothing was charged.
   *[other] { photoshoots } returned to your balance.
}
cancel-stopping = ✖️ Stopping your photoshoot. Images not yet delivered will not be charged.
balance = 💳 You have { photoshoots } left.
command-cancel = Cancel the running photoshoot
command-balance = Your balance

history-empty = You have no finished photoshoots yet. Send a product photo to make one.
history-title = 🗂 Your photoshoots (newest first):
history-item = #{ $id } · { $date } · { $ratio } · { $count } images
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
