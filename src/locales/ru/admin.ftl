# Admin screens, ledger reasons and order lines
ledger-signup_bonus = приветственный подарок
ledger-photoshoot_reserve = фотосессия #{ $id } зарезервирована
ledger-photoshoot_release = фотосессия #{ $id } возвращена (ничего не доставлено)
ledger-purchase = покупка, заказ #{ $id }
ledger-refund = возврат, заказ #{ $id }
ledger-admin_grant = подарок от команды
# Статус заказа и отметка об оплате словами ($status, $reason — коды)
order-status = { $status ->
    [all] все
    [pending] ожидает оплаты
    [paid] оплачен
    [refunded] возвращён
    [canceled] отменён
    [failed] не прошёл
   *[other] { $status }
}
payment-flag = { $reason ->
    [paid_after_expiry] оплачен после истечения счёта
    [unknown_order] оплата не соответствует ни одному заказу
    [order_not_pending] заказ уже не ждал оплаты
    [other_payer] оплатил не тот, кто оформил заказ
    [wrong_amount] сумма не совпадает с ценой заказа
   *[other] { $reason }
}
order-line = #{ $id } · { photoshoots } · { $stars } ⭐ · { order-status } · { $date }{ $flag }
order-flag = {" "}· ⚠️ { payment-flag }
admin-refund-usage = Использование: /refund <номер заказа или charge id>
admin-refund-unknown = Заказ «{ $reference }» не найден.
admin-refund-done = ↩️ Заказ #{ $order } возвращён: { $stars } ⭐. Куплено фотосессий в заказе: { $bought }; списано с баланса: { $debited }, уже использовано: { $shortfall }.{ $running ->
    [0] {""}
   *[other] {" "}Из использованных ещё выполняется: { $running }; если ничего не будет доставлено, фотосессия не вернётся на баланс.
} Баланс продавца: { $balance } (куплено: { $paid }, бесплатных: { $free }).
admin-refund-already = Заказ #{ $order } уже возвращён. Больше ничего делать не нужно.
admin-refund-not-paid = Заказ #{ $order }: { order-status }; вернуть можно только оплаченный заказ.
admin-refund-failed = Telegram не вернул оплату заказа #{ $order }: { $reason }
admin-payment-flagged = ⚠️ Оплата требует внимания ({ payment-flag }): заказ #{ $order }, пользователь { $user }, { $stars } ⭐, зачислено фотосессий: { $photoshoots }. Charge: { $charge }
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
command-stats = Статистика бизнеса
command-user = Данные пользователя
command-grant = Начислить фотосессии
command-orders = Заказы по статусу
command-refund = Вернуть оплату заказа
command-reply = Ответить на запрос в поддержку
admin-stats =
    📊 Статистика ({ $source ->
        [cached] из кэша
       *[fresh] свежая
    }, { $at })

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
    👤 { $user } · язык { $language }
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
admin-grant-done = 🎁 { $count ->
    [one] Начислена
   *[other] Начислено
} { photoshoots } пользователю { $user }. Его баланс теперь: { $balance }.
admin-orders-usage = Использование: /orders [статус] [страница]; статус — all или один из: { $statuses }.
admin-orders-title = 🧾 Заказы ({ order-status }), страница { $page }, сначала новые:
admin-orders-line = #{ $id } · { order-status } · { $stars } ⭐ · { photoshoots } · { $date } · { $user }{ $flag }
admin-orders-empty = Заказов ({ order-status }) нет.
admin-orders-beyond = Заказов ({ order-status }) на странице { $page } нет.
button-first-page = « Первая страница
admin-payment-waiting = 🚨 Оплата всё ещё не записана спустя { $minutes } мин (база данных недоступна): пользователь { $user }, { $stars } ⭐, charge { $charge }. Бот продолжает попытки и зачислит её сам; если не получится, зачислите её как покупку:
    { $command }
admin-payment-recovered = ✅ Задержанная оплата (charge { $charge }, пользователь { $user }, { $stars } ⭐) теперь записана ботом: заказ #{ $order }. /credit не нужен.
command-credit = Зачислить Stars-оплату по её charge id
admin-credit-usage = Использование: /credit <charge id> <звёзды> <telegram id пользователя> [payload счёта], как в Stars-транзакции бота (getStarTransactions: id, amount, source.user.id, source.invoice_payload).
admin-credit-unknown-user = Пользователь с Telegram id { $user } не запускал бота; ничего не зачислено.
admin-credit-done = ✅ Charge { $charge } зачислен как покупка: заказ #{ $order }, { $stars } ⭐, { photoshoots } пользователю { $user }; его баланс: { $balance }.{ $flag }
admin-credit-flag = {" "}Отметка: { payment-flag }.
admin-credit-duplicate = Charge { $charge } уже записан (заказ #{ $order }, { order-status }). Больше ничего не зачислено.
admin-generation-unconfigured = ⚙️ Фотосессии не генерируются: не задана переменная { $variable }. Продавцам об этом сообщается до любого списания. Задайте { $variable } в окружении бота (или в .env) и перезапустите бота.
admin-upstream-incident = 🚨 Сервис { $upstream } отклоняет аккаунт бота: { $reason }. Фотосессии не принимаются (без списаний), пока он не заработает; бот проверяет каждые { $seconds } с и сообщит о восстановлении.
admin-upstream-recovered = ✅ Сервис { $upstream } снова работает (был недоступен примерно { $minutes } мин). Фотосессии принимаются.
help-admin =
    🛠 Команды администратора (эту часть видят только администраторы):
    /stats — показатели бизнеса (/stats fresh пересчитывает их)
    /user <telegram id или @username> — данные продавца
    /grant <telegram id или @username> <фотосессий> — начислить продавцу фотосессии
    /orders [статус] [страница] — заказы, сначала новые
    /refund <номер заказа или charge id> — вернуть звёзды за заказ
    /credit <charge id> <звёзды> <telegram id> [payload счёта] — записать Stars-оплату, которую бот пропустил
    /reply <telegram id> <текст> — ответить на запрос в поддержку
    /gallery — галерея стилей для продавцов (/gallery build в подписи к фото образца товара делает недостающие примеры, /gallery rebuild — все заново)
