import { startProcess } from '../test/support/process.ts';
const p = startProcess('bench/bare-bot.ts', { BOT_TOKEN: '1:a', TELEGRAM_API_ROOT: 'http://127.0.0.1:9', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
await new Promise((r) => setTimeout(r, 4000));
console.log('after 4s', p.child.exitCode, JSON.stringify(p.output()));
p.child.kill('SIGKILL');
