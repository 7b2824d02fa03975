# What photoshoots cost: /start, /help and /buy (and the answer to a question about the price)
price-from = from { NUMBER($price, maximumFractionDigits: 1) } ⭐

welcome-new =
    Welcome, { $name }! 📸

    Send me a photo of your product and I will turn it into a professional photoshoot: four marketing images in different styles, as previews and as full-quality PNG files.

    { $count ->
        [0] A photoshoot costs { price-from }; the packages are in /buy.
        [one] Your first photoshoot is free. After that, a photoshoot costs { price-from } (packages in /buy).
       *[other] Your first { photoshoots } are free. After that, a photoshoot costs { price-from } (packages in /buy).
    }

    Tips for a good photo: /help.

welcome-back =
    Welcome back, { $name }! 📸

    Send me a product photo to start a new photoshoot. Your balance: { photoshoots }. More photoshoots cost { price-from } each in /buy.

help-photo-tips =
    📷 What makes a good photo:
    • good, even light (daylight from a window works well), no harsh shadows;
    • a plain, uncluttered background;
    • the whole product in the frame, nothing cut off;
    • one product per photo.

help-prices = 💳 Prices: { $count ->
        [0] a photoshoot costs { price-from }.
        [one] your first photoshoot is free; after that, { price-from } per photoshoot.
       *[other] your first { photoshoots } are free; after that, { price-from } per photoshoot.
    } The packages and what they save: /buy.

help =
    How it works:
    1. Send a photo of your product (as a photo or as an image file).
    2. Choose the aspect ratio and where the styles come from.
    3. Confirm, and receive four images as previews and PNG files.

    { help-photo-tips }

    { help-prices }

    Commands:
    /start – start over
    /balance – photoshoots left
    /buy – buy photoshoots
    /cancel – cancel the running photoshoot
    /history – earlier photoshoots
    /styles – saved styles
    /language – change language
    /help – this message
    /paysupport – help with a payment
    /terms – terms of sale

buy-title = 🛒 Choose a package. One photoshoot is four images of your product in the styles you pick, as previews and full-quality PNG files. Paid with Telegram Stars.
buy-line = • { photoshoots } — { $stars } ⭐ ({ NUMBER($price, maximumFractionDigits: 1) } ⭐ per photoshoot{ $saving ->
        [0] {""}
       *[other] , −{ $saving }%
    })
buy-package = { photoshoots } · { $stars } ⭐{ $saving ->
        [0] {""}
       *[other] {" "}· −{ $saving }%
    }
buy-saving-note = The percentage is what you save on each photoshoot against the smallest package ({ photoshoots }).
