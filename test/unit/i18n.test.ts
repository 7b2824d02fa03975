import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createI18n, LOCALES, resolveLocale } from '../../src/bot/i18n.js';

const localeDir = (locale: string) => new URL(`../../src/locales/${locale}/`, import.meta.url);

/**
 * Every message and term key of a locale, over all its files (the bundle is their concatenation),
 * in file order: Fluent identifiers, "ledger-signup_bonus" and "-term" included.
 */
const keysOf = (locale: string) =>
  readdirSync(localeDir(locale))
    .filter((file) => file.endsWith('.ftl'))
    .sort()
    .flatMap((file) => readFileSync(new URL(file, localeDir(locale)), 'utf8').split('\n'))
    .map((line) => /^(-?[a-zA-Z][a-zA-Z0-9_-]*)[ \t]*=/.exec(line)?.[1])
    .filter((key): key is string => key !== undefined);

describe('locales', () => {
  it('have the same messages in every language', () => {
    const english = keysOf('en').sort();
    expect(english).toContain('ledger-signup_bonus');
    for (const locale of LOCALES) expect(keysOf(locale).sort()).toEqual(english);
  });

  it('define each key once per language, over all its files (a second one would silently win)', () => {
    for (const locale of LOCALES) {
      const keys = keysOf(locale);
      expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
    }
  });

  it('pluralise counts in Russian and English', () => {
    const i18n = createI18n('en');
    expect(i18n.t('en', 'photoshoots', { count: 1 })).toBe('1 photoshoot');
    expect(i18n.t('en', 'photoshoots', { count: 3 })).toBe('3 photoshoots');
    expect(i18n.t('ru', 'photoshoots', { count: 1 })).toBe('1 фотосессия');
    expect(i18n.t('ru', 'photoshoots', { count: 3 })).toBe('3 фотосессии');
    expect(i18n.t('ru', 'photoshoots', { count: 11 })).toBe('11 фотосессий');
  });

  it('maps Telegram language codes to a locale we speak', () => {
    expect(resolveLocale('ru-RU', 'en')).toBe('ru');
    expect(resolveLocale('RU', 'en')).toBe('ru');
    expect(resolveLocale('pt-br', 'en')).toBe('en');
    expect(resolveLocale(undefined, 'ru')).toBe('ru');
  });
});
