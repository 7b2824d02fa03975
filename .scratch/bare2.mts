process.env.TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const { startProcess } = await import('../test/support/process.ts');
const { FakeBotApi } = await import('../test/support/fake-bot-api.ts');
const t = await new FakeBotApi({ token: '7100000001:AAE-benchmark_token_value_for_the_fake_api' }).start();
const p = startProcess('bench/bare-bot.ts', { BOT_TOKEN: '7100000001:AAE-benchmark_token_value_for_the_fake_api', TELEGRAM_API_ROOT: t.apiRoot, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', METRICS_PORT: '1234', TELEGRAM_POLL_TIMEOUT_S: '1', LOG_LEVEL: 'warn', MALLOC_ARENA_MAX: '2', OPENAI_API_KEY: 'x', OPENAI_BASE_URL: 'http://x/v1' });
await new Promise((r) => setTimeout(r, 4000));
console.log('after 4s', p.child.exitCode, JSON.stringify(p.output()));
p.child.kill('SIGKILL'); await t.close();
