import type { I18nFlavor } from '@grammyjs/i18n';
import type { Context } from 'grammy';
import type { Config } from '../config/index.js';
import type { Pool, UpdateTransaction } from '../db/client.js';
import type { PendingInput } from '../db/pending-inputs.js';
import type { User } from '../db/users.js';
import type { Logger } from '../logger.js';

/** What every handler finds on the context, besides grammY's own fields. */
export interface AppFlavor {
  config: BotConfig;
  /** Child logger of this update (update_id, user_id, update_type). */
  logger: Logger;
  /**
   * The transaction of this update; commits when the handlers return, rolls back on a throw.
   * Closed once the update ends: never hand it to anything that outlives the update.
   */
  db: UpdateTransaction;
  /** The sender's row, when the update has a sender. */
  user: User | undefined;
  /** True when this update created the user (and granted the signup bonus). */
  isNewUser: boolean;
  /** The question a private text message answers (a style name, a support request), if any. */
  pendingInput: PendingInput | undefined;
  /**
   * Runs `task` once this update's transaction has committed (skipped if it rolls back), on
   * the pool it is given: ctx.db is closed by then.
   */
  afterCommit(task: (pool: Pool) => unknown): void;
}

/** The configuration handlers read: the default language, what photoshoots cost, the admins. */
export type BotConfig = Pick<Config, 'defaultLocale' | 'payments' | 'admin'>;

export type BotContext = Context & AppFlavor & I18nFlavor;
