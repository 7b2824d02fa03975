import { afterEach } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db.js';
import { FakeBotApi } from './fake-bot-api.js';
import { type RunningProcess, startProcess } from './process.js';
import { TcpProxy } from './tcp-proxy.js';

/** One test's world: a fresh database, the proxy in front of it, and a fake Bot API. */
export interface ProxiedWorld {
  database: TestDatabase;
  proxy: TcpProxy;
  api: FakeBotApi;
  /** DATABASE_URL through the proxy. */
  databaseUrl: string;
  db: TestDatabase['handle']['db'];
}

/**
 * For an end-to-end test file on PostgreSQL: each test sets up a fresh database reached
 * through a TcpProxy it controls (cut, stall, restore) and a fake Bot API for `token`, and
 * starts the real bot (`src/main.ts`) against them. After each test, bots still running are
 * killed and the fake, the proxy and the database are closed.
 */
export function useProxiedBot(token: string) {
  let database: TestDatabase | undefined;
  let proxy: TcpProxy | undefined;
  let api: FakeBotApi | undefined;
  let world: ProxiedWorld | undefined;
  const running: RunningProcess[] = [];
  afterEach(async () => {
    for (const proc of running.splice(0)) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    await api?.close();
    await proxy?.close();
    await database?.close();
    api = proxy = database = world = undefined;
  });

  return {
    /** This test's world, made fresh (what is made is closed after the test, even if a step fails). */
    async setUp(): Promise<ProxiedWorld> {
      database = await createTestDatabase();
      if (!database.url) throw new Error('A bot behind a proxy needs PostgreSQL (TEST_DATABASE_URL)');
      const url = new URL(database.url);
      proxy = await new TcpProxy(url.hostname, Number(url.port || 5432)).start();
      const viaProxy = new URL(url);
      viaProxy.port = String(proxy.port);
      api = await new FakeBotApi({ token }).start();
      world = { database, proxy, api, databaseUrl: viaProxy.toString(), db: database.handle.db };
      return world;
    },
    /** Starts the bot against this test's world, with `env` on top of its token, API root and database. */
    start(env: Record<string, string> = {}): RunningProcess {
      if (!world) throw new Error('setUp() first');
      const proc = startProcess('src/main.ts', {
        BOT_TOKEN: token,
        TELEGRAM_API_ROOT: world.api.apiRoot,
        DATABASE_URL: world.databaseUrl,
        ...env,
      });
      running.push(proc);
      return proc;
    },
  };
}
