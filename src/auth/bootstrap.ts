/**
 * The first account. With ADMIN_USERNAME/ADMIN_PASSWORD: that admin, created on first start
 * if no user exists. In development with neither: an `admin` with a random password, printed
 * once, so `npm start` leads straight to a working sign-in. Several processes may start at
 * once: createFirstUser checks for users inside the locked write, so only one admin appears.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import type { Store } from '../store/index.ts';
import { hashPassword } from './password.ts';

export async function bootstrapAdmin(store: Store, config: Pick<Config, 'adminUsername' | 'adminPassword' | 'env'>, logger: Logger): Promise<void> {
  try {
    if ((await store.countUsers()) > 0) return;
    const generated = config.adminUsername === null;
    if (generated && config.env !== 'development') return;
    const username = config.adminUsername ?? 'admin';
    const password = config.adminPassword ?? randomBytes(12).toString('base64url');
    const created = await store.createFirstUser(
      { username, displayName: 'Administrator', role: 'admin', passwordHash: await hashPassword(password) },
      { action: 'user_create', actor: 'system', target: username, outcome: 'success', detail: generated ? 'development admin' : 'from ADMIN_USERNAME' },
    );
    if (created === undefined) return;
    if (generated) {
      logger.warn(`development: created the user "admin" with the password ${password} (shown once; change it with: node dist/cli.cjs users password admin)`);
    } else {
      logger.info('created the first admin from ADMIN_USERNAME; you can now remove ADMIN_PASSWORD from the configuration', { user: username });
    }
  } catch (error) {
    logger.error('could not create the first admin', { error: error instanceof Error ? error.message : String(error) });
  }
}
