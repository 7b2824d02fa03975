import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layout's direction of dependencies, read off the import statements of every file under
 * src/: Telegram lives in src/bot/, the database layer depends on nothing above it, and the
 * worker loop knows nothing about what it runs. A new import that breaks a rule fails here.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
/** The composition root: the only files that may wire every room together. */
const ROOT = new Set(['main.ts', 'app.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Each file (relative to src/) with what it imports: packages as named, local files relative to src/. */
const files = sourceFiles(SRC).map((path) => {
  const text = readFileSync(path, 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1] ?? '',
  );
  const imports = specifiers.map((spec) =>
    spec.startsWith('.') ? relative(SRC, resolve(dirname(path), spec)).replace(/\.js$/, '.ts') : spec,
  );
  return { file: relative(SRC, path), imports, lines: text.split('\n').length };
});

const inRoom = (room: string) => (path: string) => path.startsWith(`${room}/`);
const violations = (allowed: (file: string) => boolean, forbidden: (target: string) => boolean) =>
  files
    .filter((f) => !allowed(f.file))
    .flatMap((f) => f.imports.filter(forbidden).map((target) => `${f.file} -> ${target}`));

describe('the layout', () => {
  it('reads the imports of every source file', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.find((f) => f.file === 'app.ts')?.imports).toContain('photoshoot/worker.ts');
  });

  it('only src/bot/ and the composition root import grammy or a @grammyjs package', () => {
    const telegram = (target: string) =>
      target === 'grammy' || target.startsWith('grammy/') || target.startsWith('@grammyjs/');
    expect(violations((f) => inRoom('bot')(f) || ROOT.has(f), telegram)).toEqual([]);
  });

  it('nothing outside src/bot/ but the composition root imports from src/bot/', () => {
    expect(violations((f) => inRoom('bot')(f) || ROOT.has(f), inRoom('bot'))).toEqual([]);
  });

  it('src/db/ imports nothing from src/bot/, src/photoshoot/ or src/worker/', () => {
    const above = (target: string) => ['bot', 'photoshoot', 'worker'].some((room) => inRoom(room)(target));
    expect(violations((f) => !inRoom('db')(f), above)).toEqual([]);
  });

  it('the worker loop imports only itself, the logger and the timing helpers', () => {
    const allowed = (target: string) =>
      target.startsWith('node:') || inRoom('worker')(target) || target === 'logger.ts' || target === 'with-timeout.ts';
    expect(
      violations(
        (f) => !inRoom('worker')(f),
        (target) => !allowed(target),
      ),
    ).toEqual([]);
  });

  it('no source file is over 300 lines but the schema and the texts', () => {
    const long = files.filter((f) => f.lines > 300 && f.file !== 'db/schema.ts').map((f) => `${f.file}: ${f.lines}`);
    expect(long).toEqual([]);
  });
});
