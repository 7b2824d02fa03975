# The style gallery: the sellers' buttons and lists, and the admin's /gallery
gallery-button = 🖼 Style gallery
gallery-examples-button = 🖼 Examples
gallery-list-header = 🎲 The random creative styles (you get 4 of them). Example pictures are coming soon:
gallery-chosen-header = 🎲 Your styles:
gallery-unpictured-header = No example picture yet:
command-gallery = Style gallery: examples of the random styles
gallery-status =
    🖼 Style gallery: examples for { $built } of { $total } { $total ->
        [one] style
       *[other] styles
    }{ $at ->
        [none] .
       *[other] , the last made { $at }.
    }{ $missing ->
        [none] {""}
       *[other] {" "}Missing: { $missing }.
    }

    Send /gallery build as the caption of a product photo (or in reply to one) to make the missing examples; /gallery rebuild remakes them all. Each example is one image from the AI service, made once for every seller.
gallery-usage = Usage: send a product photo with the caption /gallery build (or reply to a photo with it) to make the missing examples; /gallery rebuild remakes them all. /gallery alone shows the gallery's state.
gallery-not-configured = The gallery cannot be built: image generation is not configured (OPENAI_API_KEY is not set).
gallery-busy = A gallery build is already running; its result will follow here.
gallery-complete = Every style already has an example. /gallery rebuild remakes them all.
gallery-progress = ⏳ Building the style gallery: { $done } of { $total } { $total ->
        [one] example
       *[other] examples
    } done…
gallery-done = ✅ Style gallery: { $made } new { $made ->
        [one] example
       *[other] examples
    }; examples for { $built } of { $total } { $total ->
        [one] style
       *[other] styles
    } now.
gallery-failed-styles = ⚠️ { $count ->
        [one] One style failed
       *[other] { $count } styles failed
    }: { $styles }. Send /gallery build on the photo again to make only the missing ones.
gallery-photo-failed = ❌ The gallery was not built: the photo could not be used ({ $reason }). No image was generated.
gallery-analysis-failed = ❌ The gallery was not built: the product could not be analysed ({ $reason }). No image was generated; try again later.
gallery-stopped = ⏹ The gallery build stopped (the bot is shutting down) after { $made } { $made ->
        [one] example
       *[other] examples
    }. Send /gallery build again to finish it.
