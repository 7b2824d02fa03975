import { describe, expect, it } from 'vitest';
import { asciiSlug, resultFileName } from '../../src/bot/result-file-name.js';

describe('result file names', () => {
  it('are the position and a short ASCII slug, Cyrillic transliterated', () => {
    expect(resultFileName(0, 'Студийный софбокс')).toBe('1-studiynyy-sofboks.png');
    expect(resultFileName(1, 'Тёмная студия — «люкс»')).toBe('2-temnaya-studiya-lyuks.png');
    expect(resultFileName(2, 'Щётка, ёлка и объём')).toBe('3-shchetka-elka-i-obem.png');
    expect(resultFileName(3, 'Café crème')).toBe('4-cafe-creme.png');
    expect(resultFileName(0, 'Studio softbox')).toBe('1-studio-softbox.png');
  });

  it('are never empty, never long, and ASCII only', () => {
    expect(resultFileName(0, '🎉✨')).toBe('1-style.png');
    expect(resultFileName(4, '')).toBe('5-style.png');
    expect(resultFileName(0, '東京の夜')).toBe('1-style.png');
    const long = asciiSlug('Очень длинное название стиля для маркетплейса с подробностями');
    expect(long.length).toBeLessThanOrEqual(32);
    expect(long).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});
