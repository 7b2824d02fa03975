import { STYLES_PER_PHOTOSHOOT, type StyleChoice } from '../services/prompts.js';

/**
 * How the four images of one style differ: each is the same scene shot another way (camera
 * angle, light, composition, distance). A fixed table, so the same style always gives the same
 * four prompts (cached analyses and "same again" stay comparable) and a variation can be taken
 * off a prompt again (saving a style saves its scene, not one of its shots).
 */
export const STYLE_VARIATIONS: readonly string[] = [
  'Shot straight on at eye level from a medium distance, the product centred, with soft, even front light.',
  'Shot as a three-quarter view from slightly above, the product off-centre on the left third, with warm directional light from the side.',
  'A close-up from a low angle, the product filling most of the frame, with a shallow depth of field and gentle back light.',
  'A wide shot from the front right, more of the setting in view and the product on the right third, with diffused natural light and long soft shadows.',
];

/** Joins a scene and its variation; withoutVariation() takes it apart. */
const SEPARATOR = ' Variation: ';

/**
 * One style as the images of a photoshoot: `count` different shots of its scene (the table
 * above, in order), all under the style's own name.
 */
export function variationsOf(style: StyleChoice, count = STYLES_PER_PHOTOSHOOT): StyleChoice[] {
  const scene = withoutVariation(style.scene).trim();
  return Array.from({ length: count }, (_, n) => ({
    name: style.name,
    scene: `${scene}${SEPARATOR}${STYLE_VARIATIONS[n % STYLE_VARIATIONS.length]}`,
  }));
}

/** The style's scene without the variation variationsOf() added (any other scene unchanged). */
export function withoutVariation(scene: string): string {
  for (const variation of STYLE_VARIATIONS) {
    const suffix = `${SEPARATOR}${variation}`;
    if (scene.endsWith(suffix)) return scene.slice(0, -suffix.length);
  }
  return scene;
}
