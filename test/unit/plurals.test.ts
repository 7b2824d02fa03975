import { readdirSync, readFileSync } from 'node:fs';
import { FluentResource } from '@fluent/bundle';
import { describe, expect, it } from 'vitest';
import { createI18n, LOCALES, type Locale } from '../../src/bot/i18n.js';

/**
 * Every message of every .ftl file of both locales (the folder is read, so files added later are
 * covered), rendered with each count in COUNTS for every variable, must render, and a number in
 * the text must agree with the noun after it.
 */
const COUNTS = [0, 1, 2, 5, 11, 21, 22, 1.5];

type Pattern = FluentResource['body'][number]['value'];
type Node = Exclude<Pattern, string | null>[number];

const localeDir = (locale: string) => new URL(`../../src/locales/${locale}/`, import.meta.url);
const filesOf = (locale: string) => readdirSync(localeDir(locale)).filter((file) => file.endsWith('.ftl'));
const sourceOf = (locale: string, file: string) => readFileSync(new URL(file, localeDir(locale)), 'utf8');

/** The messages and terms of a locale, over all its files. */
function entriesOf(locale: string) {
  return filesOf(locale).flatMap((file) => new FluentResource(sourceOf(locale, file)).body.map((entry) => entry));
}

/**
 * The variables a message uses, through the messages it references: each with the string keys
 * its selectors have ("yes", "none"), so those variants are rendered too.
 */
function variablesOf(id: string, entries: Map<string, FluentResource['body'][number]>) {
  const variables = new Map<string, Set<string>>();
  const seen = new Set<string>();
  const add = (name: string) => variables.get(name) ?? variables.set(name, new Set()).get(name) ?? new Set<string>();
  const walk = (node: Pattern | Node | undefined): void => {
    if (node === null || node === undefined || typeof node === 'string') return;
    if (Array.isArray(node)) {
      for (const element of node) walk(element);
      return;
    }
    switch (node.type) {
      case 'var':
        add(node.name);
        return;
      case 'select':
        walk(node.selector);
        if (node.selector.type === 'var') {
          const keys = add(node.selector.name);
          for (const v of node.variants)
            if (v.key.type === 'str' && !PLURAL_KEYS.has(v.key.value)) keys.add(v.key.value);
        }
        for (const v of node.variants) walk(v.value);
        return;
      case 'mesg':
        if (!seen.has(node.name)) {
          seen.add(node.name);
          walk(entries.get(node.name)?.value);
        }
        return;
      case 'term': // a term's own variables are its arguments'
      case 'func':
        for (const arg of node.args) walk(arg.type === 'narg' ? arg.value : arg);
        return;
    }
  };
  seen.add(id);
  const entry = entries.get(id);
  walk(entry?.value);
  for (const attribute of Object.values(entry?.attributes ?? {})) walk(attribute);
  return variables;
}
const PLURAL_KEYS = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);

/**
 * The forms of a noun (or an adjective used alone) that may follow a number of each plural
 * category, in the cases the messages put counts in. English: [singular, plural]. Russian:
 * nominative or accusative ("ждать 1 минуту"; a fraction: "1,5 минуты"), so no count in the messages may stand after a
 * preposition that takes the genitive ("из 3 фотосессий").
 */
const ENGLISH_NOUNS: [string, string][] = [
  ['photoshoot', 'photoshoots'],
  ['image', 'images'],
  ['photo', 'photos'],
  ['minute', 'minutes'],
  ['second', 'seconds'],
  ['hour', 'hours'],
  ['day', 'days'],
  ['style', 'styles'],
  ['variation', 'variations'],
  ['order', 'orders'],
  ['package', 'packages'],
  ['character', 'characters'],
  ['file', 'files'],
  ['user', 'users'],
  ['seller', 'sellers'],
  ['example', 'examples'],
  ['star', 'stars'],
];
type RussianForms = Partial<Record<Intl.LDMLPluralRule, string[]>>;
const RUSSIAN_NOUNS: RussianForms[] = [
  { one: ['фотосессия', 'фотосессию'], few: ['фотосессии'], many: ['фотосессий'] },
  { one: ['изображение'], few: ['изображения'], many: ['изображений'] },
  { one: ['фотография', 'фотографию'], few: ['фотографии'], many: ['фотографий'] },
  { one: ['минута', 'минуту'], few: ['минуты'], many: ['минут'] },
  { one: ['секунда', 'секунду'], few: ['секунды'], many: ['секунд'] },
  { one: ['час'], few: ['часа'], many: ['часов'] },
  { one: ['день'], few: ['дня'], many: ['дней'] },
  { one: ['стиль'], few: ['стиля'], many: ['стилей'] },
  { one: ['вариант'], few: ['варианта'], many: ['вариантов'] },
  { one: ['заказ'], few: ['заказа'], many: ['заказов'] },
  { one: ['пакет'], few: ['пакета'], many: ['пакетов'] },
  { one: ['символ'], few: ['символа'], many: ['символов'] },
  { one: ['файл'], few: ['файла'], many: ['файлов'] },
  { one: ['пользователь'], few: ['пользователя'], many: ['пользователей'] },
  { one: ['продавец'], few: ['продавца'], many: ['продавцов'] },
  { one: ['пример'], few: ['примера'], many: ['примеров'] },
  { one: ['звезда', 'звезду'], few: ['звезды'], many: ['звёзд'] },
  { one: ['купленная', 'купленную'], few: ['купленные'], many: ['купленных'], other: ['купленной'] },
  { one: ['бесплатная', 'бесплатную'], few: ['бесплатные'], many: ['бесплатных'], other: ['бесплатной'] },
];

/** The form a noun must have after a number of `category`, when `word` is one of its forms. */
function expectedForm(locale: Locale, category: Intl.LDMLPluralRule, word: string): string[] | undefined {
  if (locale === 'en') {
    const noun = ENGLISH_NOUNS.find((forms) => forms.includes(word));
    return noun && [category === 'one' ? noun[0] : noun[1]];
  }
  const noun = RUSSIAN_NOUNS.find((forms) => Object.values(forms).some((list) => list?.includes(word)));
  // A fraction ("1,5 минуты") takes the genitive singular, which is the "few" form of these nouns.
  return noun && (noun[category] ?? (category === 'other' ? noun.few : undefined) ?? []);
}

/**
 * Each number in `text` (not part of an id, a ratio, a time or a fraction) with a word of the
 * tables among the two words after it, in the wrong form: "1 images", "21 изображений".
 */
function disagreements(locale: Locale, text: string): string[] {
  const rules = new Intl.PluralRules(locale);
  const found: string[] = [];
  const number = /(?<![\d#/:.,\p{L}])(\d+(?:[.,]\d+)?)[ \u00a0]+([\p{L}-]+)(?:[ \u00a0]+([\p{L}-]+))?/gu;
  for (const match of text.matchAll(number)) {
    const [phrase, digits = '', ...words] = match;
    const category = rules.select(Number(digits.replace(',', '.')));
    for (const word of words) {
      if (!word) continue;
      const expected = expectedForm(locale, category, word.toLowerCase());
      if (expected && !expected.includes(word.toLowerCase())) found.push(`“${phrase}” (after ${digits}: ${expected})`);
    }
  }
  return found;
}

describe('the plural checker', () => {
  it('finds a count that disagrees with its noun, and passes one that agrees', () => {
    expect(disagreements('en', 'You have 1 images left')).toHaveLength(1);
    expect(disagreements('en', '21 photoshoots, 2 image')).toHaveLength(1);
    expect(disagreements('en', '1 photoshoot, 21 images, 2 bought photoshoots, order #1 images')).toEqual([]);
    expect(disagreements('ru', 'У вас 21 изображений')).toHaveLength(1);
    expect(disagreements('ru', '2 стилей, 5 фотосессии, 1 купленных, 1,5 минут')).toHaveLength(4);
    expect(disagreements('en', 'about 1.5 minute')).toHaveLength(1);
    expect(disagreements('ru', '21 фотосессия: 10 купленных и 1 бесплатная, ждать 1,5 минуты, 3 изображения')).toEqual(
      [],
    );
  });
});

describe.each(LOCALES)('every message in %s', (locale) => {
  const i18n = createI18n('en');
  const entries = new Map(entriesOf(locale).map((entry) => [entry.id, entry]));
  const messages = [...entries.keys()].filter((id) => !id.startsWith('-'));

  it('is parsed from its file (a syntax error drops a message silently)', () => {
    const declared = filesOf(locale).flatMap((file) =>
      [...sourceOf(locale, file).matchAll(/^(-?[a-zA-Z][\w-]*)[ \t]*=/gm)].map((m) => m[1]),
    );
    expect(declared.filter((id) => id !== undefined && !entries.has(id))).toEqual([]);
  });

  it('renders with every count, and each count agrees with its noun', () => {
    const problems: string[] = [];
    for (const id of messages) {
      const variables = variablesOf(id, entries);
      const paths = [id, ...Object.keys(entries.get(id)?.attributes ?? {}).map((attr) => `${id}.${attr}`)];
      const rounds = Math.max(1, ...[...variables.values()].map((keys) => keys.size + 1));
      for (const count of COUNTS) {
        for (let round = 0; round < rounds; round++) {
          // A variable selected by words ("yes", "none") takes each of them in turn, then the count.
          const args: Record<string, string | number> = Object.fromEntries(
            [...variables].map(([name, keys]) => [name, [...keys][round] ?? count]),
          );
          for (const path of paths) {
            try {
              const text = i18n.t(locale, path, args);
              for (const problem of disagreements(locale, text)) problems.push(`${path} (${count}): ${problem}`);
            } catch (err) {
              problems.push(`${path} (${count}): does not render: ${String(err)}`);
            }
          }
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});
