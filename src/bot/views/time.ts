/**
 * Telegram tells a bot nothing about a user's time zone, so sellers see times in UTC, said as
 * "UTC"; admins see them in STATS_TIME_ZONE, named the same way.
 */
export const SELLER_TIME_ZONE = 'UTC';

/** "2026-11-29 17:40" in `timeZone` (24-hour clock, the same in every language). */
export function formatTime(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);
}

/** "2026-11-29 17:40 UTC": the time with the zone it is in. */
export const formatZonedTime = (date: Date, timeZone: string) => `${formatTime(date, timeZone)} ${timeZone}`;

/** A time as a seller reads it. */
export const sellerTime = (date: Date) => formatZonedTime(date, SELLER_TIME_ZONE);
