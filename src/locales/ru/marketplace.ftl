# Marketplace presets: the files made to a marketplace's image rules, and their checks
button-marketplace = 🏪 Для маркетплейса…
choose-marketplace = 🏪 Куда вы загрузите изображения? Каждый файл будет сделан по правилам этого маркетплейса и проверен.
marketplace-amazon-main = Amazon, главное фото
marketplace-wildberries = Wildberries
marketplace-ozon = Ozon
marketplace-etsy = Etsy
marketplace-shopify = Shopify
marketplace-ebay = eBay
marketplace-rules-amazon-main = чисто белый фон, товар занимает не меньше 85% кадра, JPEG 2000×2000. Только пэкшоты: на главном фото не бывает интерьерных сцен.
marketplace-rules-wildberries = вертикально 3:4, JPEG 1200×1600.
marketplace-rules-ozon = 3:4 целиком, JPEG 1200×1600.
marketplace-rules-etsy = JPEG 2667×2000 (2000 пикселей по короткой стороне), без прозрачности, по возможности меньше 1 МБ.
marketplace-rules-shopify = квадрат, JPEG 2048×2048.
marketplace-rules-ebay = квадрат, JPEG 1600×1600.
marketplace-chosen =
    🏪 { $preset }: { $rules }

    🎨 Откуда взять стили?
source-packshot = 📦 Пэкшоты на чисто белом
marketplace-lifestyle-refused = Для «{ $preset }» нужен только товар на чисто белом фоне, поэтому интерьерные сцены там не принимаются. Выберите «Пэкшоты на чисто белом» или вернитесь и выберите другой маркетплейс.
marketplace-confirm-ratio = { $ratio } для «{ $preset }»
marketplace-done = ✅ Фотосессия готова: выше { $count ->
    [one] { $count } изображение
    [few] { $count } изображения
    [many] { $count } изображений
   *[other] { $count } изображения
} — превью и файлы для «{ $preset }», каждый проверен по правилам (результат под файлом).
marketplace-off-rules = ⚠️ { $count ->
    [one] { $count } изображение не прошло
    [few] { $count } изображения не прошли
    [many] { $count } изображений не прошли
   *[other] { $count } изображения не прошли
} проверку по правилам «{ $preset }» даже со второй попытки; правило отмечено ✗ под файлом. { $charged ->
    [yes] «Переделать неудачные» сделает { $count ->
        [one] его
       *[other] их
    } заново бесплатно.
    [free] Эта фотосессия была бесплатной, ничего не списано.
   *[no] Ни одно изображение не прошло проверку, поэтому фотосессия не списана с баланса.
}
compliance-background = чисто белый фон
compliance-background-failed = фон не чисто белый (белого по краю { $percent }%)
compliance-fill = товар занимает { $percent }%
compliance-fill-failed = товар занимает { $percent }% (нужно { $min }%)
compliance-file = { $width }×{ $height } { $format }
compliance-size-failed = { $width }×{ $height } — не тот размер, который нужен для «{ $preset }»
compliance-ratio-failed = { $width }×{ $height } — не { $ratio }
compliance-format-failed = формат { $format } не принимается
compliance-colour = sRGB
compliance-colour-failed = не sRGB ({ $space })
compliance-transparent = есть прозрачные пиксели
compliance-bytes = { $mb } МБ
compliance-bytes-failed = { $mb } МБ (больше { $max } МБ)
compliance-upscaled = увеличено с { $width }×{ $height }
