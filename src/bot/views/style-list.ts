/** Texts with variables in the reader's language (an update's context, or a bound translator). */
interface Texts {
  t(key: string, variables?: Record<string, string | number>): string;
}

/**
 * The styles of a photoshoot as the seller reads them: each name once, in order, and a style
 * that makes several images (the variations of a saved style) named with their number:
 * "Morning kitchen · 4 variations", or "Studio, Kitchen, Loft, Pop".
 */
export function styleList(texts: Texts, names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts]
    .map(([name, count]) => (count > 1 ? texts.t('style-variations', { name, count }) : name))
    .join(', ');
}
