import { createDb } from '/work/main/src/db/client.ts';
import { registerUser } from '/work/main/src/db/users.ts';
const h = await createDb({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/seedcheck', DATA_DIR: '', DB_POOL_MAX: 1, DB_IDLE_TIMEOUT_S: 0, DB_MAX_LIFETIME_S: 0, DB_CONNECT_TIMEOUT_S: 10 }, { debug() {}, info() {}, warn() {} } as never);
try { await registerUser(h.db, { id: 1, first_name: 'x' }, { freePhotoshoots: 2 }); console.log('ok'); } catch (e) { console.log('ERR', e); }
await h.close();
