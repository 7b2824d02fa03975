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
    /language – change language
    /help – this message

language-choose = Choose your language:
language-changed = Language set to English.

unhandled-message = I did not understand that. Send me a photo of your product, or /help to see what I can do.
payment-unavailable = This purchase is not available. Nothing was charged. Please open /start and try again.
button-expired = This button is no longer active.
error-generic = Sorry, something went wrong on our side. Nothing was charged. Please try again in a moment.
