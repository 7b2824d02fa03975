/** Cyrillic letters (Russian and the common Ukrainian and Belarusian ones) in Latin, as on passports (ICAO 9303, simplified). */
const CYRILLIC: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'y',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
  і: 'i',
  ї: 'yi',
  є: 'ye',
  ґ: 'g',
  ў: 'u',
};

/** Longest slug in a file name: the position says which image it is, the slug only hints at the style. */
const SLUG_MAX = 32;

/**
 * A short ASCII slug of a style name: lower case, Cyrillic transliterated, accents dropped,
 * anything else a hyphen; empty when nothing of the name is left.
 */
export function asciiSlug(text: string): string {
  const latin = [...text.toLowerCase().normalize('NFC')]
    .map((ch) => CYRILLIC[ch] ?? ch)
    .join('')
    .normalize('NFKD');
  const slug = latin
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug.slice(0, SLUG_MAX).replace(/-+$/, '');
}

/**
 * The file name of a result: its position and the style's slug ("1-studiynyy-sofboks.png"),
 * never empty, ASCII only, so every client and file system keeps it as it is; a marketplace's
 * JPEG ends in .jpg.
 */
export function resultFileName(position: number, style: string, format: 'png' | 'jpeg' = 'png'): string {
  const slug = asciiSlug(style);
  const extension = format === 'jpeg' ? 'jpg' : 'png';
  return slug ? `${position + 1}-${slug}.${extension}` : `${position + 1}-style.${extension}`;
}
