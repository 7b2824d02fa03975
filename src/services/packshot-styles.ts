import type { MarketplacePreset } from './marketplace-presets.js';
import type { StyleChoice } from './prompts.js';
import type { CatalogueLanguage } from './style-catalogue.js';

/**
 * Packshots: the product alone on a plain white background, from four angles. The only styles
 * a main-image preset (Amazon's) takes; every marketplace preset offers them. The scene is what
 * the image model gets (in English); the white is made exact by the compose step afterwards.
 */
const PLAIN =
  'alone on a seamless, plain pure white background (RGB 255,255,255), nothing else in the frame: no props, ' +
  'no surface texture, no added text, logos, badges, borders or watermarks; soft, even, shadowless studio light';

const PACKSHOTS: readonly { name: Readonly<Record<CatalogueLanguage, string>>; view: string }[] = [
  { name: { en: 'Packshot, front', ru: 'Пэкшот анфас' }, view: 'seen straight from the front at eye level' },
  {
    name: { en: 'Packshot, three-quarter', ru: 'Пэкшот в три четверти' },
    view: 'turned a quarter to show its front and one side',
  },
  {
    name: { en: 'Packshot, from above', ru: 'Пэкшот чуть сверху' },
    view: 'seen from slightly above, about thirty degrees',
  },
  { name: { en: 'Packshot, side', ru: 'Пэкшот сбоку' }, view: 'seen from the side, in profile' },
];

/** The four packshots, named in the seller's language (English for any other). */
export function packshotStyles(locale: string): StyleChoice[] {
  const language: CatalogueLanguage = locale.startsWith('ru') ? 'ru' : 'en';
  return PACKSHOTS.map(({ name, view }) => ({ name: name[language], scene: `${view}, ${PLAIN}`, plain: true }));
}

/** Whether a preset takes these styles: a main-image preset takes plain packshots only (and none is not a choice). */
export const stylesAllowed = (preset: MarketplacePreset | null, styles: readonly { plain?: boolean }[]) =>
  !preset || preset.lifestyleStyles || (styles.length > 0 && styles.every((style) => style.plain === true));
