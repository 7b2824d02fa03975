# Команды в меню Telegram
command-start = Запустить бота
command-help = Как это работает
command-language = Сменить язык

photoshoots = { $count ->
    [one] { $count } фотосессия
    [few] { $count } фотосессии
   *[many] { $count } фотосессий
}

welcome-new =
    Добро пожаловать, { $name }! 📸

    Пришлите фото товара, и я сделаю из него профессиональную фотосессию: четыре рекламных изображения в разных стилях — превью и PNG-файлы в полном качестве.

    Для начала у вас { photoshoots } бесплатно.

welcome-back =
    С возвращением, { $name }! 📸

    Пришлите фото товара, чтобы начать новую фотосессию. Осталось фотосессий: { $balance }.

help =
    Как это работает:
    1. Пришлите фото товара (как фото или как файл-изображение).
    2. Выберите соотношение сторон и источник стилей.
    3. Подтвердите — и получите четыре изображения: превью и PNG-файлы.

    Команды:
    /start — начать заново
    /balance — сколько фотосессий осталось
    /buy — купить фотосессии
    /cancel — отменить текущую фотосессию
    /history — прошлые фотосессии
    /styles — сохранённые стили
    /language — сменить язык
    /help — эта справка
    /paysupport — помощь с оплатой
    /terms — условия продажи

language-choose = Выберите язык:
language-changed = Язык переключён на русский.

unhandled-message = Я не понял сообщение. Пришлите фото товара или /help, чтобы узнать, что я умею.
payment-unavailable = Эта покупка недоступна. Деньги не списаны. Откройте /start и попробуйте ещё раз.
button-expired = Эта кнопка больше не активна.
error-generic = Извините, у нас что-то пошло не так. Ничего не списано. Попробуйте ещё раз чуть позже.

progress-queued = ⏳ Фотосессия в очереди: позиция { $position }, примерно { $minutes } мин.
progress-analysing = 🔍 Анализирую товар…
progress-generating = 🎨 Генерирую { $done }/{ $total }…
progress-delivering = 📤 Отправляю результаты…
progress-done = ✅ Фотосессия готова: { $count } изображения выше — превью и PNG-файлы.
progress-partial = ✅ Готово { $delivered } из { $total }. Остальные стили не получились — их можно повторить бесплатно.
progress-failed = 😔 Не удалось сделать фотосессию. Ничего не списано, попробуйте ещё раз.
progress-busy = 🛠 Сервис ИИ сейчас перегружен. Ничего не списано, попробуйте примерно через { $seconds } с.
progress-canceled = ✖️ Фотосессия отменена. { $charged ->
    [yes] Уже доставленные изображения списаны.
   *[no] Ничего не отправлено и не списано; уже готовые изображения удалены.
}
progress-rejected = 🚫 { $reason } Ничего не списано.
photo-not-an-image = Это не изображение. Пришлите фото товара в формате JPEG, PNG или WebP.
photo-unsupported-format = Этот формат не поддерживается. Пришлите фото в JPEG, PNG или WebP.
photo-too-many-pixels = Изображение слишком большое. Пришлите фото не больше 40 мегапикселей.
photo-corrupt = Изображение повреждено или не загрузилось полностью. Пришлите его ещё раз.
photo-too-big = Файл больше 20 МБ. Пришлите фото поменьше.

choose-ratio = 📐 Выберите соотношение сторон фотосессии:
choose-source = 🎨 Откуда взять стили?
source-analysis = 🔍 Проанализировать товар
source-random = 🎲 Случайные креативные стили
source-saved = ⭐ Мои сохранённые стили
button-back = ← Назад
button-generate = ✨ Создать
analysing-preview = 🔍 Анализирую товар, чтобы подобрать стили…
choose-saved = ⭐ Выберите сохранённый стиль — будет 4 варианта:
no-saved-styles = Сохранённых стилей пока нет.
confirm =
    Стили: { $styles }
    Соотношение сторон: { $ratio }
    Стоимость: 1 фотосессия. Ваш баланс: { $balance }.
no-balance = Фотосессии закончились, поэтому ничего не запущено.
already-running = У вас уже идёт фотосессия. Я пришлю результаты, как только она будет готова.
not-your-button = Эта кнопка не ваша.
preview-failed = Не удалось проанализировать товар. Попробуйте случайные стили или пришлите фото ещё раз.

button-again = 🔁 Те же стили ещё раз (1 фотосессия)
button-other = 🎨 Другие стили
button-retry = ♻️ Повторить неудавшиеся (бесплатно)
button-save = ⭐ Сохранить «{ $name }»
style-saved = ⭐ Стиль «{ $name }» сохранён. В следующий раз выберите его в «Мои сохранённые стили».
styles-full = У вас уже 4 сохранённых стиля. Сначала удалите один через /styles.
already-retried = Эти стили уже повторялись.
cancel-none = Нет фотосессии, которую можно отменить.
cancel-done = ✖️ { $count ->
    [1] Фотосессия отменена.
   *[other] Отменено фотосессий: { $count }.
} Больше ничего не придёт (уже готовые изображения удалены), и ничего не списано. { $released ->
    [0] Баланс не изменился: { $balance }.
   *[other] Возвращено на баланс: { $released }. Теперь на балансе: { $balance }.
}
command-cancel = Отменить текущую фотосессию
command-balance = Ваш баланс

history-empty = Готовых фотосессий пока нет. Пришлите фото товара, чтобы сделать первую.
history-title = 🗂 Ваши фотосессии (сначала новые):
history-item = #{ $id } · { $date } · { $ratio } · изображений: { $count }
button-resend = 📥 Прислать #{ $id } ещё раз
button-prev = ← Новее
button-next = Старше →
styles-empty = Сохранённых стилей нет. Сохраните стиль кнопкой ⭐ под готовой фотосессией.
styles-title = ⭐ Ваши сохранённые стили (не больше 4):
button-delete-style = 🗑 Удалить «{ $name }»
style-deleted = Стиль удалён.
command-history = Ваши прошлые фотосессии
command-styles = Ваши сохранённые стили

batch-offer = 📦 Пакетный режим: для каждого фото — своя фотосессия в тех же стилях, 1 фотосессия за фото.
confirm-batch =
    Стили: { $styles }
    Соотношение сторон: { $ratio }
    Фото: { $photos }. Стоимость: { photoshoots-count }. Ваш баланс: { $balance }.
photoshoots-count = { $photos ->
    [one] { $photos } фотосессия
    [few] { $photos } фотосессии
   *[many] { $photos } фотосессий
}

# Packages and payments (Telegram Stars)
command-buy = Купить фотосессии
command-paysupport = Помощь с оплатой
command-terms = Условия продажи
button-buy = 🛒 Купить фотосессии
buy-title = 🛒 Выберите пакет. Одна фотосессия — четыре изображения вашего товара в выбранных стилях: превью и PNG-файлы в полном качестве. Оплата в Telegram Stars.
buy-package = { photoshoots } · { $stars } ⭐
package-changed = Цены изменились; вот актуальные пакеты.
invoice-title = { photoshoots }
invoice-description = { photoshoots } для ваших товаров: каждая — четыре рекламных изображения в выбранных стилях, превью и PNG-файлы. Зачисляются на баланс сразу после оплаты.
payment-received = ✅ Оплата получена: добавлено { photoshoots }. Ваш баланс: { $balance }.
payment-delayed = ✅ Мы получили вашу оплату. Зачисление на баланс занимает больше времени, чем обычно; оно произойдёт автоматически, и я сразу напишу вам здесь.
checkout-unknown-order = Этот счёт больше недействителен. Получите новый через /buy.
checkout-not-yours = Этот счёт выставлен другому пользователю. Получите свой через /buy.
checkout-already-paid = Этот счёт уже оплачен. Смотрите /balance.
checkout-expired = Срок действия счёта истёк. Получите новый через /buy.
checkout-wrong-currency = Этот счёт можно оплатить только в Telegram Stars.
checkout-wrong-amount = Сумма не совпадает со счётом. Получите новый через /buy.
balance-summary = 💳 У вас осталось: { photoshoots } (куплено: { $paid }, бесплатных: { $free }).
balance-history = Последние изменения:
ledger-signup_bonus = приветственный подарок
ledger-photoshoot_reserve = фотосессия #{ $id }
ledger-photoshoot_release = фотосессия #{ $id } возвращена (ничего не доставлено)
ledger-purchase = покупка, заказ #{ $id }
ledger-refund = возврат, заказ #{ $id }
ledger-admin_grant = подарок от команды
refund-user = ↩️ Оплата заказа #{ $order } ({ $stars } ⭐) возвращена. { $debited ->
    [0] Из { $bought } купленных фотосессий неиспользованных не осталось, ничего не списано
   *[other] Из { $bought } купленных фотосессий списаны неиспользованные: { $debited }
}{ $used ->
    [0] {""}
   *[other] {" "}(уже использовано: { $used })
}. Ваш баланс: { $balance } (куплено: { $paid }, бесплатных: { $free }).
paysupport-prompt = 💬 Опишите проблему с оплатой одним сообщением: что купили, когда и что пошло не так. Я передам его команде вместе с вашими последними заказами, и вам ответят здесь. О возвратах — в /terms.
paysupport-sent = 📨 Отправлено команде. Вам ответят в этом чате.
paysupport-unavailable = Поддержка по оплатам сейчас недоступна. Попробуйте позже.
support-reply = 💬 Команда: { $text }
terms =
    📄 Условия продажи

    1. Фотосессии продаются пакетами за Telegram Stars. Одна фотосессия — один запуск по одному фото товара: четыре изображения в выбранных стилях, превью и PNG-файлы.
    2. Фотосессии зачисляются на баланс, как только Telegram подтвердит оплату, и не сгорают.
    3. Фотосессия списывается, только если доставлено хотя бы одно изображение. Если ничего не получилось, она автоматически возвращается на баланс; неудавшиеся стили можно повторить бесплатно.
    4. Возвраты: напишите в /paysupport в течение 14 дней после покупки. Stars возвращаются через Telegram; ещё не использованные фотосессии этой покупки списываются с баланса, уже использованные повторно не оплачиваются. Бесплатные и подаренные фотосессии всегда расходуются раньше купленных, и возврат их не списывает.
    5. Изображения создаёт ИИ, и они могут отличаться от реального товара; проверяйте их перед использованием. Вы отвечаете за присланные фото и должны иметь право их использовать.
    6. По вопросам оплаты используйте /paysupport. Поддержка Telegram не помогает с покупками в этом боте.
order-line = #{ $id } · { photoshoots } · { $stars } ⭐ · { $status } · { $date } · отметка: { $flag }

# Admins
admin-refund-usage = Использование: /refund <номер заказа или charge id>
admin-refund-unknown = Заказ «{ $reference }» не найден.
admin-refund-done = ↩️ Заказ #{ $order } возвращён: { $stars } ⭐; из { $bought } купленных фотосессий списано { $debited }, уже использовано { $shortfall }.{ $running ->
    [0] {""}
   *[other] {" "}Из использованных ещё выполняется: { $running }; если ничего не будет доставлено, фотосессия не вернётся на баланс.
} Баланс продавца: { $balance } (куплено: { $paid }, бесплатных: { $free }).
admin-refund-already = Заказ #{ $order } уже возвращён. Больше ничего делать не нужно.
admin-refund-not-paid = Заказ #{ $order } в статусе { $status }; вернуть можно только оплаченный заказ.
admin-refund-failed = Telegram не вернул оплату заказа #{ $order }: { $reason }
admin-payment-flagged = ⚠️ Оплата требует внимания ({ $reason }): заказ #{ $order }, пользователь { $user }, { $stars } ⭐, зачислено фотосессий: { $photoshoots }. Charge: { $charge }
admin-payment-unrecorded = 🚨 Не удалось записать оплату, повторов не будет: пользователь { $user }, { $stars } ⭐, charge { $charge }. Проверьте её в Stars-транзакциях бота и зачислите как покупку:
    { $command }
admin-refund-unknown-charge = ⚠️ Telegram сообщил о возврате { $stars } ⭐ (charge { $charge }) пользователю { $user }, но оплаченного заказа с ним нет.
admin-support-request =
    💬 Запрос в поддержку по оплате от { $user }:
    { $text }

    Последние заказы:
    { $orders }

    Ответ: /reply <id пользователя> <текст>.
admin-support-no-orders = нет
admin-reply-usage = Использование: /reply <telegram id пользователя> <текст>
admin-reply-sent = Отправлено пользователю { $user }.
admin-reply-failed = Не удалось отправить { $user }: { $reason }

# Saving a style under a name
style-name-prompt = ⭐ Как назвать этот стиль? Пришлите название до { $max } символов или оставьте «{ $name }».
button-keep-name = Оставить «{ $name }»
style-name-invalid = Название — от 1 до { $max } символов. Пришлите другое.

# Admin reports
command-stats = Статистика бизнеса
command-user = Данные пользователя
command-grant = Начислить фотосессии
command-orders = Заказы по статусу
command-refund = Вернуть оплату заказа
command-reply = Ответить на запрос в поддержку
admin-stats =
    📊 Статистика ({ $source }, { $at } { $zone })

    👤 Пользователи: { $usersTotal } · новых сегодня { $usersToday } · новых за 7 дней { $usersWeek } · активных за 7 дней { $usersActive }
    📸 Фотосессии: { $photoshootsTotal } · сегодня { $photoshootsToday } · с ошибкой { $photoshootsFailed }
    🖼 Изображения: { $imagesTotal } · сегодня { $imagesToday } · с ошибкой { $imagesFailed } · бесплатных { $imagesFree } · платных { $imagesPaid }
    🧾 Заказы: { $ordersTotal } · оплачено { $ordersPaid } · ожидают { $ordersPending } · возвращено { $ordersRefunded }
    ⭐ Выручка: { $revenueTotal } · сегодня { $revenueToday } · за 30 дней { $revenueMonth }
    🤖 Расходы на ИИ: { NUMBER($aiToday, minimumFractionDigits: 2, maximumFractionDigits: 2) } $ сегодня · { NUMBER($aiMonth, minimumFractionDigits: 2, maximumFractionDigits: 2) } $ за 30 дней (изображений: { $aiImages }, на фотосессию: { $aiPerPhotoshoot ->
        [none] —
       *[other] { NUMBER($aiPerPhotoshoot, minimumFractionDigits: 2, maximumFractionDigits: 2) } $
    })
    💳 Фотосессий на балансах: { $outstanding }

    Популярные стили:
    { $top }
admin-user-usage = Использование: /user <telegram id или @username>
admin-user-unknown = Пользователь «{ $user }» не найден.
admin-user =
    👤 { $name } { $username } · id { $id } · язык { $language }
    С нами с { $joined } · был(а) { $seen }
    Баланс: { $balance } (куплено: { $bought }, бесплатных: { $free })
    Фотосессии: { $photoshoots } (готово { $photoshootsDone }, с ошибкой { $photoshootsFailed }) · последняя { $lastPhotoshoot }
    Изображения: готово { $imagesDone }, с ошибкой { $imagesFailed }
    Популярные стили: { $styles }
    Соотношения сторон: { $ratios }
    Сохранённые стили: { $saved }
    Заказы: { $orders } (оплачено { $paid }) · потрачено { $spent } ⭐
    Расходы на ИИ: { NUMBER($aiCost, minimumFractionDigits: 2, maximumFractionDigits: 2) } $ за последние фотосессии ({ $aiPhotoshoots }) · на фотосессию: { $aiPerPhotoshoot ->
        [none] —
       *[other] { NUMBER($aiPerPhotoshoot, minimumFractionDigits: 2, maximumFractionDigits: 2) } $
    }
    Последние изменения баланса:
    { $ledger }
admin-grant-usage = Использование: /grant <telegram id или @username> <фотосессий, от 1 до { $max }>
admin-grant-done = 🎁 Начислено { photoshoots } пользователю { $user }; его баланс: { $balance }.
grant-user = 🎁 Команда добавила вам { photoshoots }. Ваш баланс: { $balance }.
admin-orders-usage = Использование: /orders [статус] [страница]; статус — all или один из: { $statuses }.
admin-orders-title = 🧾 Заказы ({ $status }), страница { $page }, сначала новые:
admin-orders-line = #{ $id } · { $status } · { $stars } ⭐ · { photoshoots } · { $date } · { $user }{ $flag }
admin-orders-empty = Заказов ({ $status }) нет.
admin-orders-beyond = На странице { $page } заказов ({ $status }) нет.
button-first-page = « Первая страница

# Payments the database could not take at once
payment-credited-late = ✅ Ваша оплата зачислена на баланс: добавлено { photoshoots }. Ваш баланс: { $balance }.
admin-payment-waiting = 🚨 Оплата всё ещё не записана спустя { $minutes } мин (база данных недоступна): пользователь { $user }, { $stars } ⭐, charge { $charge }. Бот продолжает попытки и зачислит её сам; если не получится, зачислите её как покупку:
    { $command }
admin-payment-recovered = ✅ Задержанная оплата (charge { $charge }, пользователь { $user }, { $stars } ⭐) теперь записана ботом: заказ #{ $order }. /credit не нужен.
command-credit = Зачислить Stars-оплату по её charge id
admin-credit-usage = Использование: /credit <charge id> <звёзды> <telegram id пользователя> [payload счёта], как в Stars-транзакции бота (getStarTransactions: id, amount, source.user.id, source.invoice_payload).
admin-credit-unknown-user = Пользователь с Telegram id { $user } не запускал бота; ничего не зачислено.
admin-credit-done = ✅ Charge { $charge } зачислен как покупка: заказ #{ $order }, { $stars } ⭐, { photoshoots } пользователю { $user }; его баланс: { $balance }.{ $flag }
admin-credit-flag = {" "}Отметка: { $reason }.
admin-credit-duplicate = Charge { $charge } уже записан (заказ #{ $order }, { $status }). Больше ничего не зачислено.
payment-delayed-team = ✅ Мы получили вашу оплату. Зачисление на баланс занимает больше времени, чем обычно; команда уже знает и скоро всё зачислит.

# Generation not configured, style names
generation-unavailable-photo = ⚙️ Фотосессии сейчас недоступны: сервис генерации изображений у бота ещё не настроен. Ничего не списано. Пришлите фото позже.
generation-unavailable = ⚙️ Фотосессии сейчас недоступны: сервис генерации изображений у бота ещё не настроен. Ничего не списано, ваш выбор сохранён: нажмите кнопку позже.
admin-generation-unconfigured = ⚙️ Фотосессии не генерируются: не задана переменная { $variable }. Продавцам об этом сообщается до любого списания. Задайте { $variable } в окружении бота (или в .env) и перезапустите бота.
style-name-invisible = В этом названии нет видимых символов или есть символы, меняющие направление текста. Пришлите название из обычных букв, цифр или эмодзи.

# Cancel
cancel-too-late = 📤 Остановить уже нельзя: { $count ->
    [1] фотосессия уже отправляется и будет списана как обычно.
   *[other] фотосессии ({ $count }) уже отправляются и будут списаны как обычно.
} Баланс: { $balance }.

# Result buttons
result-not-offered = Эта кнопка не предлагалась для этой фотосессии.
retry-nothing-delivered = В этой фотосессии ничего не доставлено, поэтому она не списана и бесплатно повторять нечего. Отправьте фото ещё раз, чтобы начать новую.
retry-nothing-failed = Все стили этой фотосессии доставлены: повторять нечего.

# Database resilience
error-busy = ⏳ Сервис сейчас перегружен. Ничего не списано, ваш выбор сохранён: повторите тот же шаг через минуту.

# Styles the image service declined
progress-style-declined = 🚫 { $count ->
    [one] Сервис изображений отклонил стиль { $styles } по своим правилам о содержании; он не списан.
   *[other] Сервис изображений отклонил стили ({ $styles }) по своим правилам о содержании; они не списаны.
}

# What the free retry does with a declined style
retry-declined-neutral = Стили, отклонённые сервисом изображений, повторяются в нейтральной студийной сцене.

# The image provider's pace and account incidents
progress-waiting-budget = ⏳ Ждём сервис изображений, примерно { $minutes } мин.
generation-outage = ⚙️ Сервис изображений сейчас недоступен. Ничего не списано, ваш выбор сохранён: нажмите кнопку ещё раз позже.
admin-upstream-incident = 🚨 Сервис { $upstream } отклоняет аккаунт бота: { $reason }. Фотосессии не принимаются (без списаний), пока он не заработает; бот проверяет каждые { $seconds } с и сообщит о восстановлении.
admin-upstream-recovered = ✅ Сервис { $upstream } снова работает (был недоступен примерно { $minutes } мин). Фотосессии принимаются.
