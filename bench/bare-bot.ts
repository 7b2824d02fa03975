/**
 * The ceiling for update handling: a bare grammY runner bot that does one postgres.js
 * transaction per update and a reply, nothing else. Started by bench/load.ts as its own process.
 */
import { run } from '@grammyjs/runner';
import { Bot } from 'grammy';
import postgres from 'postgres';

const env = process.env;
const sql = postgres(env.DATABASE_URL ?? '', { max: Number(env.DB_POOL_MAX ?? 30), onnotice: () => undefined });
const bot = new Bot(env.BOT_TOKEN ?? '', { client: { apiRoot: env.TELEGRAM_API_ROOT ?? '' } });
bot.on('message', async (ctx) => {
  await sql.begin((tx) => tx`select ${ctx.from?.id ?? 0}::bigint as id`);
  await ctx.reply('ok');
});
const runner = run(bot, {
  runner: { fetch: { timeout: 1 }, silent: true },
  sink: { concurrency: Number(env.UPDATE_CONCURRENCY ?? 25) },
});
process.stdout.write('polling for updates\n');
process.on('SIGTERM', async () => {
  await runner.stop();
  await sql.end({ timeout: 1 });
  process.exit(0);
});
