/**
 * GET /admin: users, imports and the audit log, as three sections of one page (links to
 * #users, #imports, #audit act as tabs when JavaScript runs; without it, the sections stack).
 * The page is only the frame: public/admin.ts reads and changes everything through the
 * admin JSON API, which checks the role again on every call.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { Session } from '../auth/session.ts';
import { escapeHtml } from '../http/html.ts';
import { pageVisit, renderSignedIn, signInRedirect, type SignedInPageDeps } from '../dashboard/layout.ts';
import { defencesSection } from './defences-page.ts';

const field = (id: string, label: string, input: string): string => `<div class="field"><label for="${id}">${label}</label>${input}</div>`;

/** A field of the Add-user form, with its own slot for the server's message about it. */
const checked = (id: string, label: string, input: string): string =>
  `<div class="field"><label for="${id}">${label}</label>${input}<p class="field-error" id="${id}-error" hidden></p></div>`;

/** A table's scroll box: focusable and named, so a keyboard can scroll it on a phone. */
const scrollBox = (label: string, table: string): string => `<div class="table-scroll" tabindex="0" role="region" aria-label="${label}">${table}</div>`;

const feedback = (prefix: string): string =>
  `<div id="${prefix}-error" class="alert" role="alert" tabindex="-1" hidden></div>` +
  `<p id="${prefix}-status" class="status" role="status" aria-live="polite"></p>`;

/** `wordpressStepUp`: where an admin without a dashboard password confirms (public/lib/step-up.ts). */
function usersSection(wordpressStepUp: string | undefined): string {
  const stepUp = wordpressStepUp === undefined ? '' : ` data-wordpress-step-up="${escapeHtml(wordpressStepUp)}"`;
  return (
    `<section id="users" class="panel" aria-labelledby="users-title"${stepUp}><h2 id="users-title">Users</h2>` +
    feedback('users') +
    scrollBox(
      'Users table',
      '<table id="users-table"><caption class="vh">Dashboard accounts</caption><thead><tr>' +
        '<th scope="col">Username</th><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Status</th>' +
        '<th scope="col">Last sign-in</th><th scope="col">Actions</th></tr></thead>' +
        '<tbody><tr><td colspan="6">Loading users\u2026</td></tr></tbody></table>',
    ) +
    '<h3 id="create-title">Add a user</h3>' +
    '<form id="create-user" class="stack-form" aria-labelledby="create-title" novalidate>' +
    checked('new-username', 'Username', '<input id="new-username" name="username" required autocomplete="off" autocapitalize="none" spellcheck="false">') +
    checked('new-displayName', 'Name', '<input id="new-displayName" name="displayName" required autocomplete="off">') +
    checked('new-email', 'Email (optional)', '<input id="new-email" name="email" type="email" autocomplete="off">') +
    checked('new-role', 'Role', '<select id="new-role" name="role"><option value="member">Member</option><option value="admin">Administrator</option></select>') +
    checked('new-password', 'Password', '<input id="new-password" name="password" type="password" required autocomplete="new-password" minlength="12">') +
    '<div id="create-error" class="alert" role="alert" tabindex="-1" hidden></div>' +
    '<button type="submit">Add user</button></form></section>'
  );
}

function importsSection(): string {
  return (
    '<section id="imports" class="panel" aria-labelledby="imports-title"><h2 id="imports-title">Imports</h2>' +
    '<p class="hint">A CSV file with the columns <code>date, category, metric, value, note</code>. ' +
    'Its records replace those of the same days, categories and metrics.</p>' +
    '<form id="import-form" class="stack-form">' +
    field('import-file', 'CSV file', '<input id="import-file" name="file" type="file" accept=".csv,text/csv" required>') +
    '<button type="submit" id="import-submit">Import</button></form>' +
    '<div id="import-progress" class="progress" hidden><label for="import-bar" id="import-phase">Uploading\u2026</label>' +
    '<progress id="import-bar" max="100"></progress></div>' +
    feedback('import') +
    '<div id="import-problems" class="alert" role="alert" tabindex="-1" hidden></div>' +
    '<h3>History</h3>' +
    scrollBox(
      'Import history table',
      '<table id="imports-table"><caption class="vh">Imports, newest first</caption><thead><tr>' +
        '<th scope="col">When</th><th scope="col">File</th><th scope="col" class="num">Records</th><th scope="col">Period</th>' +
        '<th scope="col" class="num">Replaced</th><th scope="col">By</th></tr></thead>' +
        '<tbody><tr><td colspan="6">Loading imports\u2026</td></tr></tbody></table>',
    ) +
    '</section>'
  );
}

/** The audit filters kept in the page's URL (`/admin?action=login&actor=chair#audit`), so a reload or a sign-in keeps them. */
interface AuditQuery {
  readonly action?: string | undefined;
  readonly actor?: string | undefined;
  readonly outcome?: string | undefined;
}

const chosen = (value: string | undefined): string =>
  value === undefined || value === '' || value.length > 200 ? '' : `<option value="${escapeHtml(value)}" selected>${escapeHtml(value)}</option>`;

function auditSection(query: AuditQuery): string {
  return (
    '<section id="audit" class="panel" aria-labelledby="audit-title"><h2 id="audit-title">Audit log</h2>' +
    '<form id="audit-filters" class="filters">' +
    // Lists of the known actions and accounts (filled from /api/admin/audit/options); the query's choice is kept.
    field('audit-action', 'Action', `<select id="audit-action" name="action"><option value="">Any action</option>${chosen(query.action)}</select>`) +
    field('audit-actor', 'Who', `<select id="audit-actor" name="actor"><option value="">Anyone</option>${chosen(query.actor)}</select>`) +
    field(
      'audit-outcome',
      'Outcome',
      '<select id="audit-outcome" name="outcome"><option value="">Any</option><option value="success">Success</option>' +
        '<option value="failure">Failure</option><option value="alarm">Alarm</option></select>',
    ) +
    '<button type="submit">Show</button></form>' +
    feedback('audit') +
    scrollBox(
      'Audit log table',
      '<table id="audit-table"><caption class="vh">Audit log entries, newest first</caption><thead><tr>' +
        '<th scope="col">Time</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th>' +
        '<th scope="col">Address</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead>' +
        '<tbody><tr><td colspan="7">Loading the audit log\u2026</td></tr></tbody></table>',
    ) +
    '<button type="button" id="audit-older" class="secondary" hidden>Load older</button></section>'
  );
}

export interface AdminPageDeps extends SignedInPageDeps {
  /** The plugin's start URL with `step_up=1`, back to this page: how WordPress-linked admins confirm. Unset while SSO is off. */
  readonly wordpressStepUp?: string;
}

export function adminPage(session: Session, deps: AdminPageDeps, renew = false, query: AuditQuery = {}): string {
  const main =
    '<h1 id="title">Administration</h1>' +
    '<nav class="tabs" aria-label="Administration sections">' +
    '<a href="#users" data-tab="users">Users</a><a href="#imports" data-tab="imports">Imports</a><a href="#audit" data-tab="audit">Audit log</a><a href="#defences" data-tab="defences">Defences</a></nav>' +
    usersSection(deps.wordpressStepUp) +
    importsSection() +
    auditSection(query) +
    defencesSection();
  return renderSignedIn(session, deps, { title: 'Administration', section: 'admin', main, scripts: ['admin.js'], renew });
}

export function adminPages(app: Hono<AppEnv>, deps: AdminPageDeps): void {
  app.get('/admin', async function admin(c) {
    const visit = await pageVisit(c, deps);
    if (visit.session === undefined) return signInRedirect(c, deps.basePath, '/admin', visit.reason);
    if (visit.session.user.role !== 'admin') throw new AppError('forbidden');
    return c.html(adminPage(visit.session, deps, visit.renew, { action: c.req.query('action'), actor: c.req.query('actor'), outcome: c.req.query('outcome') }));
  });
}
