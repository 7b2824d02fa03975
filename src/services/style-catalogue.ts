/** The languages the catalogue is written in; any other locale reads the English texts. */
export type CatalogueLanguage = 'en' | 'ru';

/** A text in every catalogue language. */
type Texts = Readonly<Record<CatalogueLanguage, string>>;

/**
 * A curated style of the "random creative styles": `key` names it for good (its gallery example
 * is stored under it), the name and description are what the seller reads, in their language;
 * the scene is what the image model gets, always in English ({product} is added by imagePrompt).
 */
export interface CatalogueStyle {
  key: string;
  category: string;
  name: Texts;
  /** One line for the seller: what the picture will look like. */
  description: Texts;
  scene: string;
}

export const STYLE_CATALOGUE: readonly CatalogueStyle[] = [
  {
    key: 'studio-softbox',
    category: 'studio',
    name: { en: 'Studio softbox', ru: 'Студийный софтбокс' },
    description: {
      en: 'A light-grey studio backdrop, soft even light and a gentle shadow.',
      ru: 'Светло-серый студийный фон, мягкий ровный свет и лёгкая тень.',
    },
    scene: 'on a seamless light-grey studio backdrop with soft, even softbox lighting and a gentle shadow',
  },
  {
    key: 'dark-studio',
    category: 'studio',
    name: { en: 'Dark studio', ru: 'Тёмная студия' },
    description: {
      en: 'A matte black surface and a dramatic rim light.',
      ru: 'Матовая чёрная поверхность и эффектный контровой свет.',
    },
    scene: 'on a matte black surface against a dark backdrop with a dramatic rim light',
  },
  {
    key: 'marketplace-white',
    category: 'marketplace',
    name: { en: 'Marketplace white', ru: 'Белый фон для маркетплейса' },
    description: {
      en: 'A pure white background, centred and evenly lit, ready for a catalogue.',
      ru: 'Чисто белый фон, товар по центру, ровный свет: готово для каталога.',
    },
    scene:
      'on a pure white background (#FFFFFF), centred, evenly lit, with a faint natural shadow, as a marketplace catalogue photo',
  },
  {
    key: 'morning-kitchen',
    category: 'lifestyle',
    name: { en: 'Morning kitchen', ru: 'Утренняя кухня' },
    description: {
      en: 'A wooden kitchen counter in warm morning sunlight.',
      ru: 'Деревянная столешница на кухне в тёплом утреннем солнце.',
    },
    scene: 'on a wooden kitchen counter in warm morning sunlight, with a softly blurred kitchen behind',
  },
  {
    key: 'outdoor-picnic',
    category: 'lifestyle',
    name: { en: 'Outdoor picnic', ru: 'Пикник на природе' },
    description: {
      en: 'A linen cloth in a sunny park, with soft greenery behind.',
      ru: 'Льняная скатерть в солнечном парке, позади мягко размытая зелень.',
    },
    scene: 'on a linen cloth in a sunny park, with soft bokeh of grass and trees',
  },
  {
    key: 'scandinavian-living-room',
    category: 'interior',
    name: { en: 'Scandinavian living room', ru: 'Скандинавская гостиная' },
    description: {
      en: 'A light oak side table in a bright room with plants.',
      ru: 'Столик из светлого дуба в светлой комнате с растениями.',
    },
    scene: 'on a light oak side table in a bright Scandinavian living room with plants',
  },
  {
    key: 'luxury-marble',
    category: 'interior',
    name: { en: 'Luxury marble', ru: 'Роскошный мрамор' },
    description: {
      en: 'White marble, brass accents and soft window light.',
      ru: 'Белый мрамор, латунные детали и мягкий свет из окна.',
    },
    scene: 'on a white marble surface with brass accents and soft window light',
  },
  {
    key: 'concrete-loft',
    category: 'interior',
    name: { en: 'Concrete loft', ru: 'Бетонный лофт' },
    description: {
      en: 'A raw concrete shelf in an industrial loft with large windows.',
      ru: 'Бетонная полка в индустриальном лофте с большими окнами.',
    },
    scene: 'on a raw concrete shelf in an industrial loft with large windows',
  },
  {
    key: 'color-pop',
    category: 'creative',
    name: { en: 'Color pop', ru: 'Яркий цвет' },
    description: {
      en: 'A bold backdrop in colours that suit the product, with crisp hard light.',
      ru: 'Насыщенный фон в тон товару и чёткий жёсткий свет.',
    },
    scene: 'on a bold, saturated coloured backdrop that complements its colours, with crisp hard light',
  },
  {
    key: 'floating',
    category: 'creative',
    name: { en: 'Floating', ru: 'Парение' },
    description: {
      en: 'The product floats above a pastel podium, surreal and clean.',
      ru: 'Товар парит над пастельным подиумом: необычно и чисто.',
    },
    scene: 'floating in mid-air above a pastel podium with soft shadows, surreal and clean',
  },
  {
    key: 'nature-elements',
    category: 'creative',
    name: { en: 'Nature elements', ru: 'Природные элементы' },
    description: {
      en: 'Stones, leaves and water droplets in soft daylight.',
      ru: 'Камни, листья и капли воды в мягком дневном свете.',
    },
    scene: 'surrounded by natural elements (stones, leaves, water droplets) in soft daylight',
  },
  {
    key: 'holiday-gift',
    category: 'seasonal',
    name: { en: 'Holiday gift', ru: 'Праздничный подарок' },
    description: {
      en: 'Wrapped gifts and warm fairy lights, festive but uncluttered.',
      ru: 'Подарки в упаковке и тёплые гирлянды: празднично, но без лишнего.',
    },
    scene: 'beside wrapped gifts and warm fairy lights, festive but uncluttered',
  },
];

/** The catalogue language a seller's locale reads. */
export const catalogueLanguage = (locale: string): CatalogueLanguage => (locale === 'ru' ? 'ru' : 'en');

/** The catalogue style with this key, if there is one (a key from an old draft may be gone). */
export const catalogueStyle = (key: string | undefined): CatalogueStyle | undefined =>
  STYLE_CATALOGUE.find((style) => style.key === key);

/** The scene as the image model reads it: imagePrompt names the product before it. */
export const catalogueScene = (style: Pick<CatalogueStyle, 'scene'>) => `The product ${style.scene}`;

/** A style's name and description in the seller's language. */
export function describeStyle(style: CatalogueStyle, locale: string): { name: string; description: string } {
  const language = catalogueLanguage(locale);
  return { name: style.name[language], description: style.description[language] };
}
