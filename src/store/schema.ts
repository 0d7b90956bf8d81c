/**
 * Versioned schema. Append migrations; never edit a released one. Each runs once, under the
 * write lock, by the first process that finds the file behind (see db/db-file.ts).
 */
import type { Migration } from '../db/db-file.ts';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up(q) {
      q.exec(`
        CREATE TABLE users (
          id INTEGER PRIMARY KEY,
          username TEXT NOT NULL,
          username_key TEXT NOT NULL UNIQUE,          -- case-folded: usernames are unique case-insensitively
          display_name TEXT NOT NULL,
          email TEXT,
          role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
          disabled INTEGER NOT NULL DEFAULT 0,
          session_version INTEGER NOT NULL DEFAULT 1, -- bumped by "sign out everywhere"
          password_hash TEXT,                          -- NULL: WordPress sign-in only
          source TEXT NOT NULL DEFAULT 'local',
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          last_login_at INTEGER
        );
        -- Revoked token ids (OWASP: the jti, not a hash of the token), kept until the token
        -- would have expired anyway.
        CREATE TABLE revoked_tokens (
          jti TEXT PRIMARY KEY,
          expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);
        -- One row per sign-in: the refresh token chain. current_jti is the only refresh token
        -- that may be used; previous_jti is honoured for a short grace after a rotation.
        CREATE TABLE refresh_families (
          id TEXT PRIMARY KEY,
          user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
          csrf TEXT NOT NULL,
          current_jti TEXT NOT NULL,
          previous_jti TEXT,
          rotated_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          revoked_at INTEGER,
          revoked_reason TEXT,
          created_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX refresh_families_user ON refresh_families (user_id);
        CREATE INDEX refresh_families_expiry ON refresh_families (expires_at);
        CREATE TABLE audit_log (
          id INTEGER PRIMARY KEY,
          at INTEGER NOT NULL,
          actor_id INTEGER,
          actor TEXT,
          action TEXT NOT NULL,
          target TEXT,
          ip TEXT,
          outcome TEXT NOT NULL,
          detail TEXT
        );
        CREATE INDEX audit_log_at ON audit_log (at);
        CREATE INDEX audit_log_action ON audit_log (action, at);
        CREATE TABLE meta (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    up(q) {
      q.exec(`
        -- Consecutive failed sign-ins per "username|address" pair and per username (lockout).
        CREATE TABLE login_failures (
          key TEXT PRIMARY KEY,
          failures INTEGER NOT NULL,
          last_failure_at INTEGER NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 3,
    up(q) {
      q.exec(`
        -- Failed sign-ins are capped per day (store/audit.ts): past the cap, one row counts the rest.
        ALTER TABLE audit_log ADD COLUMN times INTEGER NOT NULL DEFAULT 1;
      `);
    },
  },
  {
    version: 4,
    up(q) {
      q.exec(`
        -- Step-up: until when this sign-in's holder has re-confirmed their password (auth/step-up.ts).
        -- On the family, so it is bound to one sign-in, survives refresh rotation, and ends
        -- with the family (sign-out, sign out everywhere, a disabled account).
        ALTER TABLE refresh_families ADD COLUMN step_up_until INTEGER;
      `);
    },
  },
  {
    version: 5,
    up(q) {
      q.exec(`
        -- WordPress single sign-on (src/wordpress/): the WordPress user id an account is linked
        -- to (the link survives a change of login name), and each SSO token's jti, accepted
        -- once in every process, kept until the token would have expired anyway.
        ALTER TABLE users ADD COLUMN wp_user_id INTEGER;
        CREATE UNIQUE INDEX users_wp_user ON users (wp_user_id) WHERE wp_user_id IS NOT NULL;
        CREATE TABLE sso_tokens_used (
          jti TEXT PRIMARY KEY,
          expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX sso_tokens_used_expiry ON sso_tokens_used (expires_at);
      `);
    },
  },
  {
    version: 6,
    up(q) {
      q.exec(`
        -- Proof-of-work solutions already used (bot/pow.ts): each is accepted once, by any
        -- process, until its challenge expires (then the signature check refuses it anyway).
        CREATE TABLE pow_spent (
          challenge TEXT PRIMARY KEY,
          expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX pow_spent_expiry ON pow_spent (expires_at);
        -- Refused requests per address or account, reason and hour (bot/refusals.ts): the admin
        -- page's "top refused" without an audit row per refusal. kind: 'ip' or 'user'.
        CREATE TABLE refusal_counts (
          kind TEXT NOT NULL,
          subject TEXT NOT NULL,
          reason TEXT NOT NULL,
          hour INTEGER NOT NULL,
          count INTEGER NOT NULL,
          last_at INTEGER NOT NULL,
          PRIMARY KEY (kind, subject, reason, hour)
        ) WITHOUT ROWID;
        CREATE INDEX refusal_counts_hour ON refusal_counts (hour);
        -- Addresses and ranges an admin blocked (bot/blocks.ts), honoured by every process.
        CREATE TABLE blocks (
          id INTEGER PRIMARY KEY,
          cidr TEXT NOT NULL UNIQUE,
          reason TEXT,
          created_by TEXT,
          created_at INTEGER NOT NULL
        );
      `);
    },
  },
];
