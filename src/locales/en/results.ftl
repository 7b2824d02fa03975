# One style made into several images (the variations of a saved style).
style-variations = { $name } · { $count ->
    [one] { $count } variation
   *[other] { $count } variations
}
style-already-saved = ⭐ You already saved this style as “{ $name }”.

# /history: one line per photoshoot; a free retry counts inside the photoshoot it retried.
history-entry = #{ $id } · { $date } · { $ratio } · { $styles } · { $images ->
    [one] { $images } image
   *[other] { $images } images
}{ $retried ->
    [0] {""}
    [one] , { $retried } retried for free
   *[other] , { $retried } retried for free
}
history-thumb = #{ $id } · { $styles }
history-title-page = 🗂 Your photoshoots, page { $page } (newest first):
