process.env.TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const { launch } = await import('../bench/load.ts');
try { const r = await launch('bare'); console.log('ok', r.proc.output()); await r.stop(); } catch (e) { console.log('ERR', String(e).slice(0, 300)); }
