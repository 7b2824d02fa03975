# Marketplace presets: the files made to a marketplace's image rules, and their checks
button-marketplace = 🏪 For a marketplace…
choose-marketplace = 🏪 Where will you upload the images? Each file is made to that marketplace's image rules and checked against them.
marketplace-amazon-main = Amazon main image
marketplace-wildberries = Wildberries
marketplace-ozon = Ozon
marketplace-etsy = Etsy
marketplace-shopify = Shopify
marketplace-ebay = eBay
marketplace-rules-amazon-main = pure white background, product filling 85% or more, 2000×2000 JPEG. Only packshots: no lifestyle scenes in a main image.
marketplace-rules-wildberries = vertical 3:4, 1200×1600 JPEG.
marketplace-rules-ozon = 3:4 shown in full, 1200×1600 JPEG.
marketplace-rules-etsy = 2667×2000 JPEG (2000 px on the shortest side), no transparency, under 1 MB where possible.
marketplace-rules-shopify = square 2048×2048 JPEG.
marketplace-rules-ebay = square 1600×1600 JPEG.
marketplace-chosen =
    🏪 { $preset }: { $rules }

    🎨 Where should the styles come from?
source-packshot = 📦 Packshots on pure white
marketplace-lifestyle-refused = { $preset } needs the product alone on pure white, so lifestyle scenes are not allowed there. Choose “Packshots on pure white”, or go back and pick another marketplace.
marketplace-confirm-ratio = { $ratio } for { $preset }
marketplace-done = ✅ Your photoshoot is ready: { $count ->
    [one] { $count } image
   *[other] { $count } images
} above, as previews and as files for { $preset }, each checked against its rules (the result is under each file).
marketplace-off-rules = ⚠️ { $count ->
    [one] { $count } image did
   *[other] { $count } images did
} not pass the { $preset } rules even after a second render; the rule is marked ✗ under the file. { $charged ->
    [yes] “Retry failed styles” makes { $count ->
        [one] it
       *[other] them
    } again for free.
    [free] This photoshoot was free, so nothing was charged.
   *[no] No image passed, so this photoshoot was not charged.
}
compliance-background = pure white background
compliance-background-failed = background not pure white ({ $percent }% of the edge is white)
compliance-fill = product fills { $percent }%
compliance-fill-failed = product fills { $percent }% (needs { $min }%)
compliance-file = { $width }×{ $height } { $format }
compliance-size-failed = { $width }×{ $height } is not the size { $preset } needs
compliance-ratio-failed = { $width }×{ $height } is not { $ratio }
compliance-format-failed = { $format } is not accepted
compliance-colour = sRGB
compliance-colour-failed = not sRGB ({ $space })
compliance-transparent = has transparent pixels
compliance-bytes = { $mb } MB
compliance-bytes-failed = { $mb } MB (over { $max } MB)
compliance-upscaled = enlarged from { $width }×{ $height }
