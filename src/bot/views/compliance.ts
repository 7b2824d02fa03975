import type { ComplianceCheck, ComplianceSummary } from '../../services/image-compliance.js';
import type { MarketplacePresetKey } from '../../services/marketplace-presets.js';

type Translate = { t(key: string, variables?: Record<string, string | number>): string };

/** A preset's name in the reader's language ("Amazon main image"). */
export const presetName = (texts: Translate, key: MarketplacePresetKey | string) => texts.t(`marketplace-${key}`);

const percent = (share: number) => Math.floor(share * 100);
const megabytes = (bytes: number) => (Math.round((bytes / (1024 * 1024)) * 10) / 10).toString();

/** ✓ held, ✗ failed, ⚠ a recommendation missed (the marketplace takes the file still). */
const mark = (ok: boolean, advisory: boolean) => (ok ? '✓' : advisory ? '⚠' : '✗');

/**
 * The compliance line under a marketplace file, in the seller's language: every check the
 * preset sets, what was measured and, for a failed one, what the rule needs:
 * "Amazon main image: ✓ pure white background · ✓ product fills 87% · ✓ 2000×2000 JPEG · ✓ sRGB".
 * The size, ratio and format checks read as one item, the colour space and transparency as another.
 */
export function complianceLine(texts: Translate, summary: ComplianceSummary): string {
  const preset = presetName(texts, summary.preset);
  // As strings: Fluent would group a number's digits ("2,000").
  const width = String(summary.image.width);
  const height = String(summary.image.height);
  const format = summary.image.format.toUpperCase();
  const find = <R extends ComplianceCheck['rule']>(rule: R) =>
    summary.checks.find((check): check is Extract<ComplianceCheck, { rule: R }> => check.rule === rule);
  const items: string[] = [];
  const background = find('background');
  if (background) {
    const text = background.ok
      ? texts.t('compliance-background')
      : texts.t('compliance-background-failed', { percent: percent(background.measured) });
    items.push(`${mark(background.ok, background.advisory)} ${text}`);
  }
  const fill = find('fill');
  if (fill) {
    const measured = percent(fill.measured.fill);
    const text = fill.ok
      ? texts.t('compliance-fill', { percent: measured })
      : texts.t('compliance-fill-failed', { percent: measured, min: percent(fill.required) });
    items.push(`${mark(fill.ok, fill.advisory)} ${text}`);
  }
  // Size, ratio and format: one item, the first failing rule named.
  const ratio = find('ratio');
  const size = find('dimensions');
  const kind = find('format');
  const fileChecks = [ratio, size, kind].filter((check) => check !== undefined);
  const failing = fileChecks.find((check) => !check.ok);
  const fileText =
    failing === undefined
      ? texts.t('compliance-file', { width, height, format })
      : failing.rule === 'ratio'
        ? texts.t('compliance-ratio-failed', { width, height, ratio: failing.required.join(':') })
        : failing.rule === 'dimensions'
          ? texts.t('compliance-size-failed', { width, height, preset })
          : texts.t('compliance-format-failed', { format });
  items.push(`${mark(failing === undefined, failing?.advisory ?? false)} ${fileText}`);
  const colour = find('colour-space');
  if (colour) {
    const text = colour.ok
      ? texts.t('compliance-colour')
      : texts.t('compliance-colour-failed', { space: colour.measured.space });
    items.push(`${mark(colour.ok, colour.advisory)} ${text}`);
  }
  const transparency = find('transparency');
  if (transparency && !transparency.ok) items.push(`✗ ${texts.t('compliance-transparent')}`);
  const bytes = find('file-size');
  if (bytes) {
    const text = bytes.ok
      ? texts.t('compliance-bytes', { mb: megabytes(bytes.measured) })
      : texts.t('compliance-bytes-failed', { mb: megabytes(bytes.measured), max: megabytes(bytes.required) });
    items.push(`${mark(bytes.ok, bytes.advisory)} ${text}`);
  }
  if (summary.upscaled) {
    const rendered = { width: String(summary.rendered.width), height: String(summary.rendered.height) };
    items.push(texts.t('compliance-upscaled', rendered));
  }
  return `${preset}: ${items.join(' · ')}`;
}
