# Один стиль, ставший несколькими изображениями (варианты сохранённого стиля).
style-variations = { $name } · { $count ->
    [one] { $count } вариант
    [few] { $count } варианта
    [many] { $count } вариантов
   *[other] { $count } варианта
}
style-already-saved = ⭐ Этот стиль у вас уже сохранён под названием «{ $name }».

# /history: строка на фотосессию; бесплатный повтор считается внутри своей фотосессии.
history-entry = #{ $id } · { $date } · { $ratio } · { $styles } · { $images ->
    [one] { $images } изображение
    [few] { $images } изображения
    [many] { $images } изображений
   *[other] { $images } изображения
}{ $retried ->
    [0] {""}
    [one] , { $retried } переделано бесплатно
    [few] , { $retried } переделаны бесплатно
    [many] , { $retried } переделаны бесплатно
   *[other] , { $retried } переделаны бесплатно
}
history-thumb = #{ $id } · { $styles }
history-title-page = 🗂 Ваши фотосессии, страница { $page } (сначала новые):
